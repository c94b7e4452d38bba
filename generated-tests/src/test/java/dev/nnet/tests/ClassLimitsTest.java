package dev.nnet.tests;

import static org.junit.jupiter.api.Assertions.*;

import dev.nnet.NnetCompiler;
import dev.nnet.analysis.ClassLimits;
import dev.nnet.analysis.Op;
import dev.nnet.syntax.CompileException;
import dev.nnet.syntax.SourceFile;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Anything check accepts compiles and stays fast however deep (issue 15, item 11): every method is split
 * under the JIT's 8,000-byte limit, and the class-file constants the checker estimates bound the real ones,
 * so a network too large for one class is refused at check, never by the Java compiler.
 */
class ClassLimitsTest {
  static String network(String repeated, int times, String precision) {
    StringBuilder sb = new StringBuilder("input [32]\nprecision " + precision + "\nnetwork {\n");
    for (int i = 0; i < times; i++) sb.append("  ").append(repeated).append('\n');
    return sb.append("  dense(3)\n}\nloss softmax_cross_entropy\ntraining {\n  batch 16\n  optimizer adam(lr: 0.01)\n  weight_decay 1e-4\n}\n").toString();
  }

  /** {@code repeated} {@code times} on a [16, 6, 6] image, then flatten and a dense output. */
  static String imageNetwork(String repeated, int times, String precision) {
    StringBuilder sb = new StringBuilder("input [16, 6, 6]\nprecision " + precision + "\nnetwork {\n  conv(16, kernel: 1)\n");
    for (int i = 0; i < times; i++) sb.append("  ").append(repeated).append('\n');
    return sb.append("  flatten\n  dense(3)\n}\nloss softmax_cross_entropy\ntraining {\n  batch 16\n  optimizer adam(lr: 0.01)\n}\n").toString();
  }

  static Stream<Arguments> imageOperations() {
    Stream.Builder<Arguments> b = Stream.builder();
    String[] ops = {"conv(16, kernel: 3, pad: same)", "conv(16, kernel: 3, pad: 1, groups: 4, bias: false)", "depthwise_conv(kernel: 3, pad: 1)",
        "maxpool(3, stride: 1, pad: 1)", "avgpool(3, stride: 1, pad: 1)", "batchnorm -> relu", "channel_dropout(0.1)",
        "residual { conv(16, kernel: 3, pad: same) }", "residual(shortcut: zeros) { conv(16, kernel: 1) }",
        "residual(shortcut: projection) { conv(16, kernel: 1) }"};
    for (String op : ops) {
      for (NnetCompiler.Kernels k : Samples.kernels()) b.add(Arguments.of(op, k, "float32"));
      b.add(Arguments.of(op, NnetCompiler.Kernels.VECTOR, "float64"));
    }
    return b.build();
  }

  /** The same for the image operations, 40 of each on a [16, 6, 6] image. */
  @ParameterizedTest(name = "{0}, {1}, {2}")
  @MethodSource("imageOperations")
  void theEstimateBoundsImageOperationsToo(String op, NnetCompiler.Kernels kernels, String precision) {
    assertBounded(op, NnetCompiler.defaults().kernels(kernels).compile(SourceFile.of("deep.nnet", imageNetwork(op, 40, precision))));
  }

  /** The class's real constants stay under the checker's estimate, and every method is under 2,500 bytes. */
  static void assertBounded(String op, NnetCompiler.Compiled c) {
    long estimate = ClassLimits.BASE_CONSTANTS;
    for (Op o : c.model().layers()) estimate += ClassLimits.constantCost(o);
    assertTrue(c.classConstants() <= estimate, op + ": " + c.classConstants() + " constants, estimated " + estimate);
    for (Map.Entry<String, Integer> e : c.methodSizes().entrySet()) {
      assertTrue(e.getValue() < 2_500, op + ": " + e.getKey() + " is " + e.getValue() + " bytes");
    }
  }

  static Stream<Arguments> operations() {
    Stream.Builder<Arguments> b = Stream.builder();
    String[] ops = {"dense(16)", "dense(200)", "relu", "gelu", "batchnorm", "dropout(0.1)", "layernorm", "groupnorm(groups: 4)",
        "prelu(per_unit: true)", "softmax", "maxout(k: 2) -> dense(32)", "residual { relu }", "residual(shortcut: zeros) { dense(48) }",
        "residual(shortcut: projection) { dense(48) } -> batchnorm"};
    for (String op : ops) {
      for (NnetCompiler.Kernels k : Samples.kernels()) b.add(Arguments.of(op, k, "float32"));
      b.add(Arguments.of(op, NnetCompiler.Kernels.VECTOR, "float64"));
    }
    return b.build();
  }

  /** 40 of each operation: the class's real constants stay under the checker's estimate, and every method is small. */
  @ParameterizedTest(name = "{0}, {1}, {2}")
  @MethodSource("operations")
  void theEstimateBoundsTheClassAndMethodsStaySmall(String op, NnetCompiler.Kernels kernels, String precision) {
    assertBounded(op, NnetCompiler.defaults().kernels(kernels).compile(SourceFile.of("deep.nnet", network(op, 40, precision))));
  }

  /** The deepest network check accepts compiles, and one layer pair more is refused at check with the figure. */
  @Test
  void atTheLimitItCompilesAndBeyondItIsRefusedAtCheck() {
    int pairs = (ClassLimits.MAX_CONSTANTS - ClassLimits.BASE_CONSTANTS - 80 - 12) / 92;
    NnetCompiler.Compiled c = NnetCompiler.defaults().compile(SourceFile.of("limit.nnet", network("dense(16) -> relu", pairs, "float32")));
    assertTrue(c.classConstants() < 65_535, "fits: " + c.classConstants());
    for (Map.Entry<String, Integer> e : c.methodSizes().entrySet()) assertTrue(e.getValue() < 2_500, e.getKey() + " is " + e.getValue() + " bytes");
    c.newTrainer().predict(new float[32]);

    CompileException e = assertThrows(CompileException.class,
        () -> NnetCompiler.defaults().check(SourceFile.of("over.nnet", network("dense(16) -> relu", pairs + 2, "float32"))));
    assertTrue(e.getMessage().contains("over.nnet:3:1: error: the network is too large for one generated Java class"), e.getMessage());
  }
}
