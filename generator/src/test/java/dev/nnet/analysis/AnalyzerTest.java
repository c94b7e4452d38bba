package dev.nnet.analysis;

import static org.junit.jupiter.api.Assertions.*;

import dev.nnet.runtime.Precision;
import dev.nnet.syntax.CompileException;
import dev.nnet.syntax.Diagnostic;
import dev.nnet.syntax.Parsing;
import dev.nnet.syntax.SourceFile;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The analysis stage on its own: text to checked model, with no code generated, so a failure points here. */
class AnalyzerTest {
  static Model analyze(String text) {
    return Analyzer.analyze(Parsing.parse(SourceFile.of("t.nnet", text)));
  }

  static List<String> warnings(String text) {
    return analyze(text).warnings().stream().map(Diagnostic::message).toList();
  }

  static String errors(String text) {
    return assertThrows(CompileException.class, () -> analyze(text)).getMessage();
  }

  static final String MIN = "input [4]\nnetwork { dense(3) }\nloss softmax_cross_entropy\n";

  @Test
  void defaultsAreFilledIn() {
    Model m = analyze(MIN);
    assertEquals("T", m.name(), "the class is named after the file");
    assertEquals(32, m.batchSize());
    assertEquals(Precision.FLOAT32, m.precision());
    assertEquals(10, m.plan().epochs());
    assertEquals(1, m.plan().seed());
    assertTrue(m.plan().shuffle());
    assertEquals(Model.Optimizer.Kind.ADAM, m.optimizer().kind());
    assertEquals(1e-3, m.optimizer().lr());
    assertEquals(0.9, m.optimizer().beta1());
    assertEquals(0.999, m.optimizer().beta2());
    assertEquals(1e-8, m.optimizer().eps());
    assertEquals(Model.Regularization.NONE, m.regularization());
    assertTrue(m.plan().schedule().isEmpty(), "a constant rate");
    assertNull(m.plan().earlyStopping());
    assertEquals("none", m.plan().data().preprocess().kind());
    assertEquals(0, m.loss().smoothing());
    Op.Dense d = (Op.Dense) m.layers().get(0);
    assertEquals("xavier_uniform", d.weightInit().name(), "no activation after it: Xavier");
    assertEquals("zeros", d.biasInit().name());
    assertEquals("sgd(lr: 0.1, momentum: 0.9, nesterov: false)",
        analyze(MIN + "training {\n  optimizer sgd(lr: 0.1, momentum: 0.9)\n}\n").optimizer().describe(), "PyTorch's defaults");
  }

  @Test
  void shapesAreInferredLayerByLayer() {
    Model m = analyze("""
        input [6]
        network {
          dense(12) -> relu
          maxout(k: 3)
          residual(shortcut: zeros) { dense(6) -> tanh }
          residual(shortcut: projection) { dense(5) }
          dense(2)
        }
        loss mse
        """);
    List<Op> ops = m.layers();
    assertEquals(6, m.inputSize());
    int[] sizes = ops.stream().mapToInt(Op::outputSize).toArray();
    // dense relu maxout begin dense tanh add begin dense add dense
    assertArrayEquals(new int[] {12, 12, 4, 4, 6, 6, 6, 6, 5, 5, 2}, sizes);
    Op.ResidualAdd zeros = (Op.ResidualAdd) ops.get(6), projection = (Op.ResidualAdd) ops.get(9);
    assertEquals(4, zeros.shortcutSize());
    assertEquals(6 * 5, projection.parameterCount(), "a projection shortcut learns in x out weights");
    assertEquals(List.of(".shortcut.weight"), projection.params().stream().map(Op.Param::suffix).toList());
    assertEquals(Shape.of(2), ops.get(10).outputShape());
    // the products: 6x12, 4x6, 6x5 in the body and 6x5 in the shortcut, 5x2
    assertEquals(6L * 12 + 4 * 6 + 6 * 5 + 6 * 5 + 5 * 2, ops.stream().mapToLong(Op::multiplyAdds).sum());
    assertEquals("he_normal", ((Op.Dense) ops.get(0)).weightInit().name(), "He before relu");
  }

  @Test
  void imagesKeepTheirShapeUntilFlatten() {
    Model m = analyze("input [2, 3, 5]\nnetwork {\n  flatten\n  dense(4)\n}\nloss mse\n");
    Op.Flatten f = (Op.Flatten) m.layers().get(0);
    assertEquals(Shape.of(2, 3, 5), f.inputShape());
    assertEquals(Shape.of(30), f.outputShape());
    assertEquals(30, m.layers().get(1).inputSize());
    assertTrue(errors("input [2, 3, 5]\nnetwork {\n  relu -> dense(4)\n}\nloss mse\n")
        .contains("t.nnet:3:11: error: 'dense' on an image of shape [2, 3, 5]: flatten it first"));
    assertTrue(errors("input [6]\nnetwork {\n  flatten\n  dense(4)\n}\nloss mse\n")
        .contains("flatten has nothing to flatten: its input is already [6]"));
    // a preprocessing that mixes the pixels (pca) leaves a flat vector
    analyze("input [2, 3]\nnetwork {\n  dense(4)\n}\nloss mse\ndata {\n  train csv(\"/data/x.csv\")\n  preprocess pca(3)\n}\n");
  }

  @Test
  void convolutionsAndPoolingInferEveryShape() {
    Model m = analyze("input [3, 13, 9]\nnetwork {\n  conv(8, kernel: 3, stride: 2, pad: 1) -> relu\n  maxpool(2)\n"
        + "  conv(4, kernel: [3, 1], dilation: 2, pad: [2, 0], groups: 2)\n  global_avgpool\n  dense(2)\n}\nloss mse\n");
    assertEquals(List.of(Shape.of(8, 7, 5), Shape.of(8, 7, 5), Shape.of(8, 3, 2), Shape.of(4, 3, 2), Shape.of(4), Shape.of(2)), m.shapes());
    Op.Conv c = (Op.Conv) m.layers().get(0);
    assertEquals(8 * 3 * 9, c.parameterCount() - 8);
    assertEquals(35L * 8 * 27, c.multiplyAdds());
    assertEquals(List.of(8, 3, 3, 3), java.util.Arrays.stream(c.params().get(0).dims()).boxed().toList());
    Op.Conv grouped = (Op.Conv) m.layers().get(3);
    assertEquals(4 * 4 * 3, grouped.params().get(0).rows() * grouped.params().get(0).cols());
    Model same = analyze("input [1, 28, 28]\nnetwork {\n  conv(4, kernel: 5, pad: same)\n  flatten\n  dense(2)\n}\nloss mse\n");
    assertEquals(Shape.of(4, 28, 28), same.shapes().get(0));
  }

  @Test
  void imageSizeErrorsShowTheArithmetic() {
    assertTrue(errors("input [1, 3, 3]\nnetwork {\n  conv(4, kernel: 5)\n  flatten\n  dense(2)\n}\nloss mse\n")
        .contains("kernel 5 with pad 0 does not fit a 3×3 input"));
    String stride = errors("input [1, 28, 28]\nnetwork {\n  conv(4, kernel: 3, stride: 2)\n  flatten\n  dense(2)\n}\nloss mse\n");
    assertTrue(stride.contains("the height (28 − 3)/2 + 1 is not whole: stride 2 drops the last row of the input"), stride);
    assertTrue(stride.contains("hint: use pad: 1"), stride);
    // a stride that leaves only padding unread is fine, as ResNet's 3×3, stride 2, pad 1 downsampling
    analyze("input [1, 28, 28]\nnetwork {\n  conv(4, kernel: 3, stride: 2, pad: 1)\n  flatten\n  dense(2)\n}\nloss mse\n");
    assertTrue(errors("input [6, 8, 8]\nnetwork {\n  conv(4, kernel: 3, groups: 4)\n  flatten\n  dense(2)\n}\nloss mse\n")
        .contains("groups: 4 must divide both the 6 input channels and the 4 filters"));
    assertTrue(errors("input [1, 8, 8]\nnetwork {\n  conv(4, kernel: 2, pad: same)\n  flatten\n  dense(2)\n}\nloss mse\n")
        .contains("pad: same needs an odd kernel"));
    assertTrue(errors("input [64]\nnetwork {\n  conv(4, kernel: 3)\n  dense(2)\n}\nloss mse\n")
        .contains("'conv' needs an image, and its input is [64] features"));
    assertTrue(errors("input [1, 8, 8]\nnetwork {\n  maxpool(4, pad: 3)\n  flatten\n  dense(2)\n}\nloss mse\n")
        .contains("the padding must be at most half the window"));
    assertTrue(warnings("input [1, 7, 7]\nnetwork {\n  maxpool(2)\n  flatten\n  dense(2)\n}\nloss mse\n").stream()
        .anyMatch(w -> w.contains("the last 1 row is never pooled")));
  }

  @Test
  void automaticNamesCountPerOperationAndAvoidExplicitOnes() {
    Model m = analyze("input [4]\nnetwork {\n  dense(8) as relu2 -> relu\n  dense(8) -> relu\n  dense(3)\n}\nloss mse\n");
    assertEquals(List.of("relu2", "relu1", "dense1", "relu3", "dense2"), m.layers().stream().map(Op::name).toList());
  }

  @Test
  void eachLintAppearsWhereItShould() {
    assertTrue(warnings("input [4]\nnetwork {\n  dense(3) -> relu\n}\nloss softmax_cross_entropy\n").get(0).startsWith("the network ends in relu"));
    assertTrue(warnings("input [4]\nnetwork {\n  dense(8) -> dropout(0.1) -> relu\n  dense(3)\n}\nloss mse\n").contains("dropout before relu"));
    assertTrue(warnings("input [4]\nnetwork {\n  dense(8) -> dropout(0.1) -> batchnorm\n  dense(3)\n}\nloss mse\n").contains("dropout before batchnorm"));
    assertTrue(warnings("input [4]\nnetwork {\n  dense(8) -> relu -> batchnorm\n  dense(3)\n}\nloss mse\n").contains("batchnorm after relu"));
    assertTrue(warnings("input [4]\nnetwork {\n  dense(8, init: he_normal) -> tanh\n  dense(3)\n}\nloss mse\n").contains("he_normal before tanh"));
    assertTrue(warnings("input [4]\nnetwork {\n  dense(8, init: xavier_uniform) -> relu\n  dense(3)\n}\nloss mse\n").contains("xavier_uniform before relu"));
    assertTrue(warnings("input [4]\nnetwork {\n  dense(8) -> relu -> dropout(0.8)\n  dense(3)\n}\nloss mse\n").get(0).startsWith("dropout(0.8) drops 80% of only 8 units"));
    assertTrue(warnings("input [4]\nnetwork {\n  dense(8) -> sigmoid\n  dense(8) -> sigmoid\n  dense(8) -> sigmoid\n  dense(3)\n}\nloss mse\n").get(0)
        .startsWith("3 sigmoid hidden layers"));
    assertTrue(warnings("input [4]\nnetwork {\n  dense(8) -> relu\n  dense(3)\n}\nloss mse\ntraining {\n  optimizer adamw(lr: 0.01)\n  weight_decay 1e-4\n}\n")
        .get(0).startsWith("weight_decay adds L2 to the gradient, and adamw decays the weights too"));
    assertEquals(List.of(), warnings("input [4]\nnetwork {\n  dense(8) -> batchnorm -> relu -> dropout(0.2)\n  dense(3)\n}\nloss softmax_cross_entropy\n"),
        "the notes' own placement earns no warning");
  }

  @Test
  void errorsAreCollectedTogetherWithPositions() {
    String m = errors("input [4]\nnetwork {\n  dense(0) -> dropout(1.5)\n  blend\n}\nloss mse\n");
    assertTrue(m.contains("t.nnet:3:9: error: the number of units must be between 1 and 1048576, got 0"), m);
    assertTrue(m.contains("t.nnet:3:23: error: dropout probability must be in [0, 1), got 1.5"), m);
    assertTrue(m.contains("t.nnet:4:3: error: unknown layer 'blend'"), m);
    assertEquals(3, m.split(": error: ", -1).length - 1, "every error of the network, together: " + m);
    // the settings are checked before the layers: their errors come first, alone
    assertTrue(errors(MIN + "training {\n  batch 0\n}\n").contains("t.nnet:5:9: error: the batch size must be between 1 and 65536, got 0"));
  }

  @Test
  void letValuesAndArithmetic() {
    Model m = analyze("let width = 4 * 8\nlet rate = 1 / 200\ninput [4]\nnetwork { dense(width) -> relu -> dense(3) }\nloss mse\n"
        + "training {\n  optimizer sgd(lr: rate)\n}\n");
    assertEquals(32, m.layers().get(0).outputSize());
    assertEquals(0.005, m.optimizer().lr());
  }

  @Test
  void classConstantsAreEstimatedPerOperation() {
    Model m = analyze(MIN);
    assertEquals(80, ClassLimits.constantCost(m.layers().get(0)));
    String big = "input [8]\nnetwork {\n" + "  dense(8) -> relu\n".repeat(700) + "  dense(3)\n}\nloss mse\n";
    assertTrue(errors(big).contains("too large for one generated Java class"));
  }
}
