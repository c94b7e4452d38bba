package dev.nnet.runtime;

/**
 * Fills a range of a parameter arena with random values. Generated code calls these with every constant
 * (standard deviation, limit) already folded from the layer's shape, e.g. He: std = sqrt(2 / fan_in).
 */
public final class Initializers {
  private Initializers() {}

  public static void normal(float[] a, int offset, int count, double mean, double std, Rng rng) {
    for (int i = 0; i < count; i++) a[offset + i] = (float) (mean + std * rng.nextGaussian());
  }

  public static void normal(double[] a, int offset, int count, double mean, double std, Rng rng) {
    for (int i = 0; i < count; i++) a[offset + i] = mean + std * rng.nextGaussian();
  }

  /** Uniform in [lo, hi). */
  public static void uniform(float[] a, int offset, int count, double lo, double hi, Rng rng) {
    for (int i = 0; i < count; i++) a[offset + i] = (float) (lo + (hi - lo) * rng.nextDouble());
  }

  public static void uniform(double[] a, int offset, int count, double lo, double hi, Rng rng) {
    for (int i = 0; i < count; i++) a[offset + i] = lo + (hi - lo) * rng.nextDouble();
  }

  public static void constant(float[] a, int offset, int count, double value) {
    java.util.Arrays.fill(a, offset, offset + count, (float) value);
  }

  public static void constant(double[] a, int offset, int count, double value) {
    java.util.Arrays.fill(a, offset, offset + count, value);
  }
}
