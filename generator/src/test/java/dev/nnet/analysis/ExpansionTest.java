package dev.nnet.analysis;

import static org.junit.jupiter.api.Assertions.*;

import dev.nnet.syntax.Ast;
import dev.nnet.syntax.CompileException;
import dev.nnet.syntax.Parsing;
import dev.nnet.syntax.Printer;
import dev.nnet.syntax.SourceFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Blocks and repeat: what they expand to, how the layers are named, and the errors, positioned at both places. */
class ExpansionTest {
  static final String BLOCKS = """
      input [1, 12, 12]
      block conv_bn(c, stride: 1) {
        conv(c, kernel: 3, pad: 1, stride: stride) -> batchnorm -> relu
      }
      block basic(c, stride: 1, shortcut: identity) {
        residual(shortcut: shortcut) {
          conv_bn(c, stride: stride)
          conv(c, kernel: 3, pad: 1) -> batchnorm as last
        } -> relu
      }
      network {
        conv_bn(8)
        basic(8)
        basic(16, stride: 2, shortcut: projection) as down
        global_avgpool -> dense(3)
      }
      loss softmax_cross_entropy
      """;

  static List<String> names(String text) {
    return AnalyzerTest.analyze(text).layers().stream().map(Op::name).toList();
  }

  static String expanded(String text) {
    for (Ast.Item item : Expansion.expand(Parsing.parse(SourceFile.of("t.nnet", text))).items()) {
      if (item instanceof Ast.Network n) return Printer.network(n);
    }
    throw new AssertionError("no network");
  }

  @Test
  void blockUsesAreNamedAfterTheUseAndTheLayerWithinIt() {
    assertEquals(List.of("conv_bn1_conv1", "conv_bn1_batchnorm1", "conv_bn1_relu1",
        "basic1_residual1Input", "basic1_conv_bn1_conv1", "basic1_conv_bn1_batchnorm1", "basic1_conv_bn1_relu1", "basic1_conv1", "basic1_last",
        "basic1_residual1", "basic1_relu1",
        "down_residual1Input", "down_conv_bn1_conv1", "down_conv_bn1_batchnorm1", "down_conv_bn1_relu1", "down_conv1", "down_last",
        "down_residual1", "down_relu1", "global_avgpool1", "dense1"), names(BLOCKS));
    Model m = AnalyzerTest.analyze(BLOCKS);
    Op.Conv strided = (Op.Conv) m.layers().get(12);
    assertEquals(16, strided.filters(), "the argument replaced the parameter");
    assertEquals(2, strided.stride());
    assertEquals(6, strided.outHeight());
    assertEquals(1, ((Op.Conv) m.layers().get(1 + 3)).stride(), "the default where the use gives none");
  }

  @Test
  void theExpandedNetworkIsAValidNetworkThatChecksTheSame() {
    String text = expanded(BLOCKS);
    assertTrue(text.contains("conv(16, kernel: 3, pad: 1, stride: 2) as down_conv_bn1_conv1"), text);
    assertTrue(text.contains("residual(shortcut: projection) {"), text);
    String written = BLOCKS.substring(0, BLOCKS.indexOf("block")) + text + "loss softmax_cross_entropy\n";
    assertEquals(names(BLOCKS), names(written));
    assertEquals(AnalyzerTest.analyze(BLOCKS).parameterCount(), AnalyzerTest.analyze(written).parameterCount());
  }

  @Test
  void repeatWritesItsBodyOutWithTheNamesAWrittenOutNetworkWouldHave() {
    String text = "input [4]\nnetwork {\n  repeat 3 { dense(8) -> relu }\n  dense(2)\n}\nloss softmax_cross_entropy\n";
    assertEquals(List.of("dense1", "relu1", "dense2", "relu2", "dense3", "relu3", "dense4"), names(text));
  }

  @Test
  void repeatOverARangeOrAListBindsItsVariable() {
    Model m = AnalyzerTest.analyze("input [4]\nlet base = 8\nnetwork {\n  repeat i in 1..3 { dense(base * i) as wide }\n"
        + "  repeat w in [5, 2] { dense(w) }\n}\nloss softmax_cross_entropy\n");
    assertEquals(List.of("wide1", "wide2", "wide3", "dense1", "dense2"), m.layers().stream().map(Op::name).toList());
    assertEquals(List.of(8, 16, 24, 5, 2), m.layers().stream().map(op -> ((Op.Dense) op).outputSize()).toList());
  }

  @Test
  void aRepeatInsideABlockTakesTheBlocksParameters() {
    String text = "input [4]\nblock tower(depth, width) {\n  repeat depth { dense(width) -> tanh }\n}\n"
        + "network {\n  tower(2, 6)\n  dense(2)\n}\nloss softmax_cross_entropy\n";
    assertEquals(List.of("tower1_dense1", "tower1_tanh1", "tower1_dense2", "tower1_tanh2", "dense1"), names(text));
  }

  @Test
  void anErrorInsideABlockNamesTheDefinitionAndTheUse() {
    String msg = AnalyzerTest.errors("input [1, 8, 8]\nblock cb(c) {\n  conv(c, kernel: 3, strid: 2)\n}\nnetwork {\n  cb(4)\n  cb(c: 5)\n  flatten\n}\nloss mse\n");
    assertTrue(msg.contains("t.nnet:3:22: error: conv has no option 'strid'"), msg);
    assertTrue(msg.contains("in this use of `cb` at t.nnet:6:3"), msg);
  }

  @Test
  void argumentsAreCheckedLikeAnOperations() {
    String head = "input [4]\nblock d(width, act: relu) {\n  dense(width) -> act\n}\nnetwork {\n  ";
    String tail = "\n}\nloss mse\n";
    assertTrue(AnalyzerTest.errors(head + "d(act: tanh)" + tail).contains("t.nnet:6:3: error: block 'd' needs its parameter 'width'"));
    assertTrue(AnalyzerTest.errors(head + "d(4, colour: 2)" + tail).contains("block 'd' has no parameter 'colour'"));
    assertTrue(AnalyzerTest.errors(head + "d(4, tanh, 3)" + tail).contains("block 'd' takes 2 arguments, not 3"));
    assertTrue(AnalyzerTest.errors(head + "d(4, width: 5)" + tail).contains("'width' given twice"));
    assertTrue(AnalyzerTest.errors(head + "d(4) { dense(2) }" + tail).contains("takes arguments, not a { } body"));
    assertEquals(List.of("d1_dense1", "d1_tanh1"), names(head + "d(4, act: tanh)" + tail));
  }

  @Test
  void blocksCannotUseThemselvesOrHideAnOperation() {
    String msg = AnalyzerTest.errors("input [4]\nblock a(c) {\n  b(c)\n}\nblock b(c) {\n  a(c)\n}\nnetwork {\n  a(3)\n}\nloss mse\n");
    assertTrue(msg.contains("block 'a' uses itself (a -> b -> a)"), msg);
    assertTrue(msg.contains("in this use of `b` at t.nnet:3:3") && msg.contains("in this use of `a` at t.nnet:9:3"), msg);
    assertTrue(AnalyzerTest.errors("input [4]\nblock dense(c) {\n  relu\n}\nnetwork {\n  dense(3)\n}\nloss mse\n")
        .contains("a block named 'dense', like the operation"));
    assertTrue(AnalyzerTest.errors("input [4]\nblock a {\n  relu\n}\nblock a {\n  tanh\n}\nnetwork {\n  a\n}\nloss mse\n")
        .contains("a second block named 'a' (the first is at line 2)"));
  }

  @Test
  void repeatCountsAreWholeNumbersAndBounded() {
    String head = "input [4]\nnetwork {\n  ";
    String tail = " { dense(2) }\n}\nloss mse\n";
    assertTrue(AnalyzerTest.errors(head + "repeat 2.5" + tail).contains("a repeat count must be a whole number, not 2.5"));
    assertTrue(AnalyzerTest.errors(head + "repeat 0" + tail).contains("repeat 0 times"));
    assertTrue(AnalyzerTest.errors(head + "repeat i in 3..1" + tail).contains("the range 3..1 is empty"));
    assertTrue(AnalyzerTest.errors(head + "repeat relu" + tail).contains("a repeat count must be a number, not relu"));
    String nested = "input [4]\nnetwork {\n  repeat 1000 { repeat 1000 { relu } }\n  dense(2)\n}\nloss mse\n";
    assertTrue(AnalyzerTest.errors(nested).contains("the network expands to more than 20000 layers"), "a hostile file cannot exhaust memory");
  }

  @Test
  void aNumberFollowedByARangeStillReadsAsANumber() {
    Model m = AnalyzerTest.analyze("input [4]\nnetwork {\n  dropout(0.5)\n  repeat i in 1..2 { dense(2.) }\n}\nloss mse\n");
    assertEquals(3, m.layers().size());
  }

  static Model analyzeFile(Path file) throws Exception {
    return Analyzer.analyze(Parsing.parse(SourceFile.read(file)));
  }

  static String errorsOfFile(Path file) {
    return assertThrows(CompileException.class, () -> analyzeFile(file)).getMessage();
  }

  @Test
  void anImportGivesBlocksLetValuesAndADataBlockTheFileAddsTo(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("shared"));
    Files.writeString(dir.resolve("shared/common.nnet"), """
        let width = 6
        block mlp(w) {
          dense(w) -> tanh
        }
        data {
          train csv("train.csv")
          scale 1/255
          validation 0.2
        }
        """);
    Files.writeString(dir.resolve("net.nnet"), """
        import "shared/common.nnet"
        input [4]
        network {
          mlp(width)
          dense(3)
        }
        loss softmax_cross_entropy
        data {
          validation 0.1
        }
        """);
    Model m = analyzeFile(dir.resolve("net.nnet"));
    assertEquals(List.of("mlp1_dense1", "mlp1_tanh1", "dense1"), m.layers().stream().map(Op::name).toList());
    assertEquals(0.1, m.plan().data().validation(), "the file's own setting replaces the imported one");
    assertEquals(1 / 255.0, m.plan().data().scale(), 1e-12, "and the others stay");
    assertEquals("shared", m.plan().data().directory(), "the imported data block's paths stay relative to its own folder");
  }

  @Test
  void errorsInAnImportedFileQuoteThatFile(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("blocks.nnet"), "block b(c) {\n  dense(c, strid: 2)\n}\n");
    Files.writeString(dir.resolve("net.nnet"), "import \"blocks.nnet\"\ninput [4]\nnetwork {\n  b(3)\n}\nloss mse\n");
    String msg = errorsOfFile(dir.resolve("net.nnet"));
    assertTrue(msg.contains("blocks.nnet:2:12: error: dense has no option 'strid'"), msg);
    assertTrue(msg.contains("  dense(c, strid: 2)"), "the imported file's line is quoted: " + msg);
    assertTrue(msg.contains("in this use of `b` at") && msg.contains("net.nnet:4:3"), msg);

    Files.writeString(dir.resolve("a.nnet"), "import \"b.nnet\"\n");
    Files.writeString(dir.resolve("b.nnet"), "import \"a.nnet\"\n");
    Files.writeString(dir.resolve("cycle.nnet"), "import \"a.nnet\"\ninput [4]\nnetwork {\n  dense(2)\n}\nloss mse\n");
    assertTrue(errorsOfFile(dir.resolve("cycle.nnet")).contains("'a.nnet' imports itself"));

    Files.writeString(dir.resolve("whole.nnet"), "input [4]\nnetwork {\n  dense(2)\n}\n");
    Files.writeString(dir.resolve("takes.nnet"), "import \"whole.nnet\"\ninput [4]\nnetwork {\n  dense(2)\n}\nloss mse\n");
    String whole = errorsOfFile(dir.resolve("takes.nnet"));
    assertTrue(whole.contains("whole.nnet:1:1: error: an imported file gives blocks, let values, data { } and training { }; 'input' belongs in the file that imports it"), whole);

    Files.writeString(dir.resolve("missing.nnet"), "import \"nowhere.nnet\"\ninput [4]\nnetwork {\n  dense(2)\n}\nloss mse\n");
    assertTrue(errorsOfFile(dir.resolve("missing.nnet")).contains("cannot read 'nowhere.nnet': no such file"));
    Files.writeString(dir.resolve("outside.nnet"), "import \"../elsewhere.nnet\"\ninput [4]\nnetwork {\n  dense(2)\n}\nloss mse\n");
    assertTrue(errorsOfFile(dir.resolve("outside.nnet")).contains("may not be imported: it leads outside the .nnet file's folder"),
        "imports follow the file-access policy");
  }

  @Test
  void textFromMemoryImportsNothingWithoutAFolder() {
    String msg = AnalyzerTest.errors("import \"x.nnet\"\ninput [4]\nnetwork {\n  dense(2)\n}\nloss mse\n");
    assertTrue(msg.contains("may not be imported"), msg);
  }
}
