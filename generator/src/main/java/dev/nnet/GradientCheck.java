package dev.nnet;

import dev.nnet.runtime.Arena;
import dev.nnet.runtime.Dataset;
import dev.nnet.runtime.Network;
import dev.nnet.runtime.NetworkSpec;
import dev.nnet.runtime.ParamTensor;
import dev.nnet.runtime.Precision;
import dev.nnet.runtime.Rng;
import dev.nnet.syntax.SourceFile;
import java.util.ArrayList;
import java.util.List;

/**
 * Compares a network's analytic gradients with finite differences, in float64, on random data.
 *
 * <p>For a parameter p the numeric derivative is the fourth-order central stencil
 * S(h) = (−L(p+2h) + 8L(p+h) − 8L(p−h) + L(p−2h)) / 12h, the dropout masks held fixed, taken at h and h/2.
 * Where the loss is smooth within ±2h the two agree, and S(h/2)'s own error is about |S(h) − S(h/2)|/15
 * (truncation, O(h⁴)) plus the loss's rounding noise times 18/(12·h/2). Where they disagree, a ReLU input
 * or another kink lies within reach: the step is cut tenfold (1e-3, 1e-4, 1e-5) before the element is
 * skipped as non-smooth, so deep networks, whose units sit near kinks more often, skip few.
 *
 * <p>The error of an element is the discrepancy that the finite difference's own error does not explain,
 * relative to the gradient, or, for gradients far below the rest of their tensor, to a thousandth of the
 * tensor's RMS gradient: max(0, |analytic − numeric| − fdError) / max(|analytic|, |numeric|, 1e-3·rms).
 * A gradient 1% off reports about 1e-2; a correct one below 1e-7. (PyTorch's gradcheck: atol 1e-5,
 * rtol 1e-3.) The loss is evaluated forward-only ({@link Network#trainingLoss}).
 */
public final class GradientCheck {
  private GradientCheck() {}

  /** The worst relative error over the checked elements of one parameter tensor. */
  public record TensorResult(String tensor, int checked, int skipped, double worstError, double analytic, double numeric) {
    /** Within {@code tolerance}, with at most one element in twenty (or one) skipped as non-smooth. */
    public boolean passes(double tolerance) {
      return worstError <= tolerance && skipped <= Math.max(1, checked / 20);
    }
  }

  /**
   * Compiles {@code source} in float64 with the given kernels, and at most 8 rows per batch (the math does not
   * depend on it, and fewer rows cross fewer ReLU kinks), then checks up to {@code perTensor} elements of
   * every parameter tensor (all of them when the tensor is smaller).
   */
  public static List<TensorResult> run(SourceFile source, NnetCompiler.Kernels kernels, long seed, int perTensor) {
    NnetCompiler.Compiled c = NnetCompiler.defaults().kernels(kernels).precision(Precision.FLOAT64).maxBatch(8).compile(source);
    java.util.Set<String> frozen = new java.util.HashSet<>();
    for (dev.nnet.analysis.Op op : c.model().layers()) if (op.frozen()) frozen.add(op.name());
    return run(c.newNetwork(), seed, perTensor, frozen);
  }

  public static List<TensorResult> run(Network net, long seed, int perTensor) {
    return run(net, seed, perTensor, java.util.Set.of());
  }

  /** The check, leaving out the tensors of the layers in {@code frozen}: they have no gradient, by design. */
  public static List<TensorResult> run(Network net, long seed, int perTensor, java.util.Set<String> frozen) {
    NetworkSpec spec = net.spec();
    net.initialize(seed);
    // layers frozen until an unfreeze phase are checked as they learn once it has begun
    for (int p = 1; p <= spec.plan().unfreezes().size(); p++) net.setLearning(p, true, 0);
    Rng rng = new Rng(seed * 31 + 7);
    // Nudge every parameter (biases too) off its initial value, so zero-initialized biases are checked away from 0.
    Arena params = net.parameters();
    for (ParamTensor t : spec.tensors()) {
      for (int i = 0; i < t.size(); i++) params.set(t.offset() + i, params.get(t.offset() + i) + 0.1 * rng.nextGaussian());
    }
    net.parametersChanged();
    Dataset data = Dataset.random(spec, spec.batchSize(), spec.inputSize(), rng);
    net.stage(data, Dataset.identity(spec.batchSize()), 0, spec.batchSize(), 1f);
    long noise = net.noiseState();
    double loss = net.computeGradients();
    Arena grads = net.gradients();
    double[] analytic = new double[grads.size()];
    for (int i = 0; i < analytic.length; i++) analytic[i] = grads.get(i);

    List<TensorResult> results = new ArrayList<>();
    for (ParamTensor t : spec.tensors()) {
      // batchnorm's running statistics (PyTorch's buffer names) are not trained: the loss does not depend on them
      if (t.name().endsWith(".running_mean") || t.name().endsWith(".running_var")) continue;
      if (frozen.contains(t.name().substring(0, t.name().indexOf('.')))) continue;
      int n = t.size();
      int count = Math.min(n, perTensor);
      double sumSquares = 0;
      for (int i = 0; i < n; i++) sumSquares += analytic[t.offset() + i] * analytic[t.offset() + i];
      double floor = Math.max(1e-3 * Math.sqrt(sumSquares / n), Double.MIN_NORMAL);
      double worst = 0, worstA = 0, worstN = 0;
      int skipped = 0;
      for (int c = 0; c < count; c++) {
        int i = t.offset() + (count == n ? c : rng.nextInt(n));
        double p = params.get(i);
        double[] estimate = estimate(net, params, i, p, noise, loss);
        params.set(i, p);
        if (estimate == null) {
          skipped++;
          continue;
        }
        double numeric = estimate[0], fdError = estimate[1];
        double err = Math.max(0, Math.abs(analytic[i] - numeric) - fdError) / Math.max(Math.max(Math.abs(analytic[i]), Math.abs(numeric)), floor);
        if (err >= worst) {
          worst = err;
          worstA = analytic[i];
          worstN = numeric;
        }
      }
      net.parametersChanged();
      results.add(new TensorResult(t.name(), count, skipped, worst, worstA, worstN));
    }
    return results;
  }

  /** How many units in the last place the loss's rounding noise spans (measured: about 5 for a 10-layer network). */
  static final double NOISE_ULPS = 32;

  /**
   * The derivative at element {@code i} and its uncertainty, {numeric, fdError}, from the first step among
   * 1e-3, 1e-4 and 1e-5 at which S(h) and S(h/2) agree; null where none does (a kink within every reach).
   */
  private static double[] estimate(Network net, Arena params, int i, double p, long noise, double loss) {
    for (double h = 1e-3; h >= 0.99e-5; h /= 10) {
      double coarse = stencil(net, params, i, p, h, noise), fine = stencil(net, params, i, p, h / 2, noise);
      double rounding = NOISE_ULPS * Math.ulp(Math.abs(loss) + 1) * 18 / (12 * h / 2);
      double diff = Math.abs(coarse - fine);
      if (diff <= 1e-6 * Math.max(Math.abs(coarse), Math.abs(fine)) + 2 * rounding) return new double[] {fine, diff / 15 + rounding};
    }
    return null;
  }

  private static double stencil(Network net, Arena params, int i, double p, double h, long noise) {
    return (-lossAt(net, params, i, p + 2 * h, noise) + 8 * lossAt(net, params, i, p + h, noise)
        - 8 * lossAt(net, params, i, p - h, noise) + lossAt(net, params, i, p - 2 * h, noise)) / (12 * h);
  }

  private static double lossAt(Network net, Arena params, int i, double value, long noise) {
    params.set(i, value);
    net.parametersChanged();
    net.setNoiseState(noise);
    return net.trainingLoss();
  }
}
