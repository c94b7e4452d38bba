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

  /** The identity matrix in a square [n][n] tensor. */
  public static void identity(float[] a, int offset, int rows, int cols) {
    java.util.Arrays.fill(a, offset, offset + rows * cols, 0f);
    for (int i = 0; i < Math.min(rows, cols); i++) a[offset + i * cols + i] = 1;
  }

  public static void identity(double[] a, int offset, int rows, int cols) {
    java.util.Arrays.fill(a, offset, offset + rows * cols, 0);
    for (int i = 0; i < Math.min(rows, cols); i++) a[offset + i * cols + i] = 1;
  }

  /**
   * A [rows][cols] matrix with orthonormal columns (rows ≥ cols) or rows (rows &lt; cols), times {@code gain}:
   * Q of the QR decomposition of a Gaussian matrix, each column's sign set so R's diagonal is positive,
   * which makes Q uniformly distributed (as torch.nn.init.orthogonal_ does).
   */
  public static void orthogonal(float[] a, int offset, int rows, int cols, double gain, Rng rng) {
    double[] q = orthogonal(rows, cols, gain, rng);
    for (int i = 0; i < q.length; i++) a[offset + i] = (float) q[i];
  }

  public static void orthogonal(double[] a, int offset, int rows, int cols, double gain, Rng rng) {
    System.arraycopy(orthogonal(rows, cols, gain, rng), 0, a, offset, rows * cols);
  }

  private static double[] orthogonal(int rows, int cols, double gain, Rng rng) {
    int tall = Math.max(rows, cols), narrow = Math.min(rows, cols);
    org.ejml.data.DMatrixRMaj g = new org.ejml.data.DMatrixRMaj(tall, narrow);
    for (int i = 0; i < g.data.length; i++) g.data[i] = rng.nextGaussian();
    var qr = org.ejml.dense.row.factory.DecompositionFactory_DDRM.qr(tall, narrow);
    if (!qr.decompose(g)) throw new IllegalStateException("QR decomposition failed");
    org.ejml.data.DMatrixRMaj q = qr.getQ(null, true), r = qr.getR(null, true);
    double[] out = new double[rows * cols];
    for (int i = 0; i < tall; i++) {
      for (int j = 0; j < narrow; j++) {
        double v = q.get(i, j) * Math.signum(r.get(j, j) == 0 ? 1 : r.get(j, j)) * gain;
        if (rows >= cols) out[i * cols + j] = v;
        else out[j * cols + i] = v;
      }
    }
    return out;
  }
}
