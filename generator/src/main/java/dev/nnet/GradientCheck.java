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
 * Compares a network's analytic gradients with finite differences, in float64, on random data. For a
 * parameter p the numeric derivative is the fourth-order central stencil
 * (−L(p+2h) + 8L(p+h) − 8L(p−h) + L(p−2h)) / 12h with h = 1e-3, the dropout masks held fixed: its
 * truncation error is O(h⁴), so h can be large enough that rounding in L (about 1e-13 here) stays far
 * below the gradients. The error is |analytic − numeric| / max(|analytic|, |numeric|, 1e-5): relative for
 * gradients above 1e-5 in magnitude, absolute (in units of 1e-5) below, where exact zeros (dead ReLUs,
 * dropped units) and tiny gradients meet the rounding noise of the loss (about 1e-12 for a 784-input
 * network), so a tolerance of 1e-6 means 1e-11 absolute there. (PyTorch's gradcheck: atol 1e-5, rtol 1e-3.)
 *
 * <p>Where the loss is not smooth within ±2h of p (a ReLU input crossing zero), no finite difference is
 * meaningful: the stencil at h and at h/2 then disagree, and the element is skipped and counted in
 * {@link TensorResult#skipped}.
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

  /** Gradients smaller than this are compared absolutely. */
  public static final double FLOOR = 1e-5;

  /**
   * Compiles {@code source} in float64 with the given kernels, and at most 8 rows per batch (the math does not
   * depend on it, and fewer rows cross fewer ReLU kinks), then checks up to {@code perTensor} elements of
   * every parameter tensor (all of them when the tensor is smaller).
   */
  public static List<TensorResult> run(SourceFile source, NnetCompiler.Kernels kernels, long seed, int perTensor) {
    NnetCompiler.Compiled c = NnetCompiler.defaults().kernels(kernels).precision(Precision.FLOAT64).maxBatch(8).compile(source);
    return run(c.newNetwork(), seed, perTensor);
  }

  public static List<TensorResult> run(Network net, long seed, int perTensor) {
    NetworkSpec spec = net.spec();
    net.initialize(seed);
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
    net.computeGradients();
    Arena grads = net.gradients();
    double[] analytic = new double[grads.size()];
    for (int i = 0; i < analytic.length; i++) analytic[i] = grads.get(i);

    double h = 1e-3;
    List<TensorResult> results = new ArrayList<>();
    for (ParamTensor t : spec.tensors()) {
      int n = t.size();
      int count = Math.min(n, perTensor);
      double worst = 0, worstA = 0, worstN = 0;
      int skipped = 0;
      for (int c = 0; c < count; c++) {
        int i = t.offset() + (count == n ? c : rng.nextInt(n));
        double p = params.get(i);
        double numeric = stencil(net, params, i, p, h, noise);
        double half = stencil(net, params, i, p, h / 2, noise);
        params.set(i, p);
        if (error(numeric, half) > 1e-4) {
          skipped++;
          continue;
        }
        double err = error(analytic[i], numeric);
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

  static double error(double a, double b) {
    return Math.abs(a - b) / Math.max(Math.max(Math.abs(a), Math.abs(b)), FLOOR);
  }

  private static double stencil(Network net, Arena params, int i, double p, double h, long noise) {
    return (-lossAt(net, params, i, p + 2 * h, noise) + 8 * lossAt(net, params, i, p + h, noise)
        - 8 * lossAt(net, params, i, p - h, noise) + lossAt(net, params, i, p - 2 * h, noise)) / (12 * h);
  }

  private static double lossAt(Network net, Arena params, int i, double value, long noise) {
    params.set(i, value);
    net.parametersChanged();
    net.setNoiseState(noise);
    return net.computeGradients();
  }
}
