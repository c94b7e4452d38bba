package dev.nnet.tests;

import static org.junit.jupiter.api.Assertions.*;

import dev.nnet.NnetCompiler;
import dev.nnet.runtime.Arena;
import dev.nnet.runtime.Network;
import dev.nnet.runtime.ParamTensor;
import dev.nnet.syntax.CompileException;
import dev.nnet.syntax.SourceFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Each initializer's samples against its formula (TECHNIQUES.md), on a layer large enough to measure. */
class InitializerTest {
  static final int IN = 1000, OUT = 400;

  static double[] weights(String init, int in, int out) {
    String text = """
        input [%d]
        network {
          dense(%d, init: %s)
          dense(2)
        }
        loss softmax_cross_entropy
        """.formatted(in, out, init);
    Network net = NnetCompiler.defaults().kernels(NnetCompiler.Kernels.PLAIN).compile(SourceFile.of("init.nnet", text)).newNetwork();
    net.initialize(42);
    ParamTensor w = net.spec().tensor("dense1.weight");
    Arena p = net.parameters();
    double[] v = new double[w.size()];
    for (int i = 0; i < v.length; i++) v[i] = p.get(w.offset() + i);
    return v;
  }

  static double mean(double[] v) {
    double s = 0;
    for (double x : v) s += x;
    return s / v.length;
  }

  static double std(double[] v) {
    double m = mean(v), s = 0;
    for (double x : v) s += (x - m) * (x - m);
    return Math.sqrt(s / v.length);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "he_normal, 0.044721",       // sqrt(2/1000)
      "xavier_normal, 0.037796",   // sqrt(2/1400)
      "lecun_normal, 0.031623",    // sqrt(1/1000)
      "xavier_uniform, 0.037796",  // limit sqrt(6/1400), std limit/sqrt(3)
      "he_uniform, 0.044721",      // limit sqrt(6/1000)
      "'normal(0.5, 0.2)', 0.2"})
  void standardDeviationWithinThreePercent(String init, double expected) {
    double[] w = weights(init, IN, OUT);
    assertEquals(expected, std(w), expected * 0.03, init);
    assertEquals(init.startsWith("normal") ? 0.5 : 0, mean(w), expected * 0.02, init + " mean");
  }

  @Test
  void uniformStaysWithinItsLimits() {
    double limit = Math.sqrt(6.0 / (IN + OUT));
    for (double x : weights("xavier_uniform", IN, OUT)) assertTrue(Math.abs(x) <= limit);
    for (double x : weights("'uniform(-0.1, 0.3)'".replace("'", ""), IN, OUT)) assertTrue(x >= -0.1 && x < 0.3);
  }

  @Test
  void orthogonalColumnsAreOrthonormal() {
    int in = 300, out = 120;
    double[] w = weights("orthogonal(gain: 2)", in, out); // stored [in][out]
    for (int a = 0; a < out; a += 7) {
      for (int b = 0; b < out; b += 5) {
        double dot = 0;
        for (int i = 0; i < in; i++) dot += w[i * out + a] * w[i * out + b];
        assertEquals(a == b ? 4 : 0, dot, 1e-4, "WᵀW = gain²·I at " + a + "," + b);
      }
    }
  }

  @Test
  void identityAndForcedConstants() {
    double[] w = weights("identity", 50, 50);
    for (int i = 0; i < 50; i++) for (int j = 0; j < 50; j++) assertEquals(i == j ? 1 : 0, w[i * 50 + j]);
    for (double x : weights("constant(0.25, force: true)", 20, 10)) assertEquals(0.25, x, 1e-7);
    CompileException e = assertThrows(CompileException.class, () -> weights("constant(0.25)", 20, 10));
    assertTrue(e.getMessage().contains("force: true"), e.getMessage());
    assertThrows(CompileException.class, () -> weights("identity", 20, 10), "identity needs a square layer");
  }
}
