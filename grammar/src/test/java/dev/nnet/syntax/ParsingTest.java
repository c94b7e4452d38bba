package dev.nnet.syntax;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The grammar covers the whole language sketch; the tree keeps positions; syntax errors are positioned. */
class ParsingTest {

  static Ast.File parse(String text) {
    return Parsing.parse(SourceFile.of("t.nnet", text));
  }

  @Test
  void theWholeSketchParses() {
    Ast.File f = parse("""
        model FashionCnn
        let lr      = 1e-3  search loguniform(1e-4, 1e-2)
        input [1, 28, 28]
        from "fashion-mlp.ckpt" load hidden1, hidden2
        freeze hidden1
        precision float32
        network {
          conv(32, kernel: 3, pad: 1) -> batchnorm -> relu
          residual(shortcut: projection) {
            conv(64, kernel: 3, pad: 1, stride: 2) -> batchnorm -> relu
            conv(64, kernel: 3, pad: 1) -> batchnorm
          } -> relu
          maxpool(2) -> flatten -> dropout(0.5)
          dense(10, init: xavier_uniform) as out
        }
        loss softmax_cross_entropy(label_smoothing: 0.1)
        training {
          batch 64
          optimizer adam(lr: lr)
          schedule warmup(epochs: 2, from: 1e-5) then cosine(min: 1e-5)
          early_stopping(monitor: val_loss, patience: 4, restore_best: true)
          schedule2 multistep(at: [10, 50], gamma: 0.7)
        }
        data {
          train idx("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")
          scale 1/255
          augment crop(pad: 2), mirror
        }
        search random(trials: 20, metric: val_accuracy)
        """);
    assertEquals(11, f.items().size());
    Ast.Network net = (Ast.Network) f.items().get(6);
    assertEquals(List.of("conv", "batchnorm", "relu", "residual", "relu", "maxpool", "flatten", "dropout", "dense"),
        net.layers().stream().map(Ast.Layer::op).toList());
    Ast.Layer residual = net.layers().get(3);
    assertEquals(5, residual.body().orElseThrow().size());
    assertEquals("out", net.layers().get(8).alias().orElseThrow().name());
    Ast.Block training = (Ast.Block) f.items().get(8);
    Ast.Setting schedule = training.settings().get(2);
    assertInstanceOf(Ast.Then.class, schedule.values().get(0));
    assertTrue(training.settings().get(3).arguments().isPresent());
    Ast.Block data = (Ast.Block) f.items().get(9);
    assertEquals(2, data.settings().get(2).values().size(), "augment has two values");
    Ast.Binary scale = (Ast.Binary) data.settings().get(1).values().get(0);
    assertEquals('/', scale.op());
  }

  @Test
  void positionsPointAtTheText() {
    Ast.File f = parse("input [4]\nnetwork {\n  dense(8) -> relu\n}\n");
    Ast.Layer relu = ((Ast.Network) f.items().get(1)).layers().get(1);
    assertEquals(new Span(3, 15, 4), relu.opSpan());
  }

  @Test
  void newlinesInsideBracketsAndAfterArrowsContinueTheLine() {
    Ast.File f = parse("network {\n  dense(8,\n        init: he_normal) ->\n  relu\n  -> dense(2)\n}\n");
    assertEquals(3, ((Ast.Network) f.items().get(0)).layers().size());
  }

  @Test
  void stringsDecodeTheirEscapes() {
    Ast.Setting s = (Ast.Setting) parse("x \"a\\\"b\\\\c\"").items().get(0);
    assertEquals("a\"b\\c", ((Ast.Str) s.values().get(0)).value());
  }

  @Test
  void syntaxErrorsArePositionedWithAHint() {
    CompileException e = assertThrows(CompileException.class, () -> parse("network {\n  dense(8) relu\n}\n"));
    Diagnostic d = e.diagnostics().get(0);
    assertEquals(new Span(2, 12, 4), d.span());
    assertTrue(d.hint().contains("->"));
    assertTrue(d.format().startsWith("t.nnet:2:12: error: unexpected name 'relu'\n    dense(8) relu\n             ^^^^\n"), d.format());
  }

  @Test
  void hugeNumbersAreRefused() {
    CompileException e = assertThrows(CompileException.class, () -> parse("batch 1e999"));
    assertTrue(e.getMessage().contains("too large"));
  }
}
