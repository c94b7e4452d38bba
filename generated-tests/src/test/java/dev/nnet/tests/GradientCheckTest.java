package dev.nnet.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nnet.GradientCheck;
import dev.nnet.NnetCompiler;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every operation's backward pass against finite differences in float64, through the real pipeline, on
 * both kernel paths. The samples in samples/gradcheck together use dense, relu, sigmoid, tanh, dropout,
 * softmax cross-entropy and MSE, on widths that exercise full tiles, leftover vectors, scalar tails and
 * partial row tiles.
 */
class GradientCheckTest {

  static Stream<Arguments> cases() {
    return Samples.all().stream().filter(p -> p.toString().contains("/gradcheck/"))
        .flatMap(p -> Samples.kernels().stream().flatMap(k -> Stream.of(1L, 2L).map(seed -> Arguments.of(p.getFileName().toString(), p, k, seed))));
  }

  @ParameterizedTest(name = "{0} {2} seed {3}")
  @MethodSource("cases")
  void gradientsMatchFiniteDifferences(String name, Path file, NnetCompiler.Kernels kernels, long seed) {
    List<GradientCheck.TensorResult> results = GradientCheck.run(Samples.read(file), kernels, seed, 150);
    assertTrue(!results.isEmpty(), "no parameter tensors checked");
    for (GradientCheck.TensorResult r : results) {
      assertTrue(r.passes(1e-6), () -> r.tensor() + ": worst error " + r.worstError() + " (analytic " + r.analytic() + ", numeric " + r.numeric()
          + "), " + r.skipped() + " of " + r.checked() + " elements skipped as non-smooth");
    }
  }

  /**
   * The samples except the convolutional ones: a full-size CNN has hundreds of thousands of ReLU and max-pool
   * units per batch, so most of its first layer's weights have a kink within any finite-difference step and are
   * skipped. samples/gradcheck/conv*.nnet check the same operations on small images.
   */
  static Stream<Arguments> samples() {
    return Samples.all().stream().filter(p -> !p.toString().contains("/gradcheck/") && !p.toString().contains("maven-consumer"))
        .filter(p -> !Samples.read(p).text().contains("conv("))
        .map(p -> Arguments.of(p.getFileName().toString(), p));
  }

  /**
   * Every sample, deep ones included, passes with the default seed: the check is sound (a step cut where a
   * kink is near, errors judged beyond the finite difference's own error and relative to the tensor's scale),
   * so a failure means a wrong gradient, not the checker's noise. 12 elements per tensor keep it quick here;
   * {@code nnet gradcheck} checks 50.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void everySamplePasses(String name, Path file) {
    for (GradientCheck.TensorResult r : GradientCheck.run(Samples.read(file), NnetCompiler.Kernels.VECTOR, 1, 12)) {
      assertTrue(r.passes(1e-6), () -> name + ": " + r.tensor() + ": worst error " + r.worstError() + " (analytic " + r.analytic() + ", numeric "
          + r.numeric() + "), " + r.skipped() + " of " + r.checked() + " elements skipped as non-smooth");
    }
  }

  @org.junit.jupiter.api.Test
  void theCheckCatchesAWrongGradient() {
    dev.nnet.runtime.Network real = NnetCompiler.defaults().precision(dev.nnet.runtime.Precision.FLOAT64)
        .compile(Samples.read(Samples.sample("gradcheck/wide.nnet"))).newNetwork();
    // the same network, but every gradient 1% too large: the kind of error a wrong derivative makes
    dev.nnet.runtime.Network wrong = (dev.nnet.runtime.Network) java.lang.reflect.Proxy.newProxyInstance(
        dev.nnet.runtime.Network.class.getClassLoader(), new Class<?>[] {dev.nnet.runtime.Network.class}, (p, m, args) -> {
          if (!m.getName().equals("gradients")) return m.invoke(real, args);
          dev.nnet.runtime.Arena g = real.gradients();
          return new dev.nnet.runtime.Arena() {
            public int size() { return g.size(); }
            public double get(int i) { return g.get(i) * 1.01; }
            public void set(int i, double v) { g.set(i, v); }
          };
        });
    double worst = GradientCheck.run(wrong, 1, 50).stream().mapToDouble(GradientCheck.TensorResult::worstError).max().orElseThrow();
    assertTrue(worst > 5e-3, "a 1% error is reported as such: " + worst);
  }
}
