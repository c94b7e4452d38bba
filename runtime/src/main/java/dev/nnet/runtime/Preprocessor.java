package dev.nnet.runtime;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * A per-feature transform fitted on the training split only and applied identically to every later
 * sample (validation, test, eval, predict): its statistics travel in the checkpoint.
 * <ul>
 *   <li>{@code center}: x − μ
 *   <li>{@code standardize}: (x − μ) / σ, σ of 0 taken as 1
 *   <li>{@code pca(k)}: Uₖᵀ(x − μ), onto the k eigenvectors of the covariance with the largest eigenvalues
 *   <li>{@code whiten(k, eps)}: PCA, each component divided by √(λ + ε): covariance ≈ I
 *   <li>{@code zca(eps)}: U·diag(1/√(λ + ε))·Uᵀ(x − μ): whitened, then rotated back to the features' axes
 * </ul>
 * Statistics are computed in double precision over the scaled features.
 */
public final class Preprocessor {

  /** What the .nnet file asked for: kind, number of components (0: all), ε. */
  public record Spec(String kind, int components, double eps) {
    public static final Spec NONE = new Spec("none", 0, 0);

    /** Features out for {@code in} features in. */
    public int outputSize(int in) {
      return (kind.equals("pca") || kind.equals("whiten")) && components > 0 ? components : in;
    }
  }

  private final Spec spec;
  private final int in, out;
  private final double[] mean;
  private final double[] stdOrNull;
  private final double[] projection; // [in][out], row-major; null for center/standardize

  private Preprocessor(Spec spec, int in, double[] mean, double[] std, double[] projection) {
    this.spec = spec;
    this.in = in;
    this.out = spec.outputSize(in);
    this.mean = mean;
    this.stdOrNull = std;
    this.projection = projection;
  }

  public Spec spec() {
    return spec;
  }

  public int outputSize() {
    return out;
  }

  /** Fits the transform on {@code rows} samples of {@code x} (row-major), each feature multiplied by {@code scale}. */
  public static Preprocessor fit(Spec spec, float[] x, int rows, int features, float scale) {
    return fit(spec, i -> (double) (x[i] * scale), rows, features);
  }

  /** Fits on {@code data}'s features times {@code scale}, in the precision the set carries ({@link Dataset#scaled}). */
  public static Preprocessor fit(Spec spec, Dataset data, double scale) {
    return fit(spec, i -> data.scaled(i, scale), data.rows(), data.featureSize());
  }

  /** Fits on the scaled feature values {@code x.applyAsDouble(row * features + j)}. */
  private static Preprocessor fit(Spec spec, java.util.function.IntToDoubleFunction x, int rows, int features) {
    double[] mean = new double[features];
    for (int r = 0; r < rows; r++) for (int j = 0; j < features; j++) mean[j] += x.applyAsDouble(r * features + j);
    for (int j = 0; j < features; j++) mean[j] /= rows;
    switch (spec.kind()) {
      case "center" -> {
        return new Preprocessor(spec, features, mean, null, null);
      }
      case "standardize" -> {
        double[] var = new double[features];
        for (int r = 0; r < rows; r++) {
          for (int j = 0; j < features; j++) {
            double d = x.applyAsDouble(r * features + j) - mean[j];
            var[j] += d * d;
          }
        }
        double[] std = new double[features];
        for (int j = 0; j < features; j++) {
          std[j] = Math.sqrt(var[j] / rows);
          if (std[j] < 1e-12) std[j] = 1; // a constant feature: centred, not blown up
        }
        return new Preprocessor(spec, features, mean, std, null);
      }
      case "pca", "whiten", "zca" -> {
        return new Preprocessor(spec, features, mean, null, projection(spec, x, rows, features, mean));
      }
      default -> throw new IllegalArgumentException("unknown preprocessing " + spec.kind());
    }
  }

  /** Eigenvectors of the covariance, largest eigenvalues first, turned into the transform's matrix. */
  private static double[] projection(Spec spec, java.util.function.IntToDoubleFunction x, int rows, int n, double[] mean) {
    DMatrixRMaj cov = new DMatrixRMaj(n, n);
    double[] c = cov.data, d = new double[n];
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < n; j++) d[j] = x.applyAsDouble(r * n + j) - mean[j];
      for (int i = 0; i < n; i++) {
        double di = d[i];
        if (di == 0) continue;
        int row = i * n;
        for (int j = i; j < n; j++) c[row + j] += di * d[j];
      }
    }
    for (int i = 0; i < n; i++) {
      for (int j = i; j < n; j++) {
        c[i * n + j] /= Math.max(1, rows - 1);
        c[j * n + i] = c[i * n + j];
      }
    }
    EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(n, true, true);
    if (!eig.decompose(cov)) throw new NnetException("the covariance of the training data could not be decomposed", "try standardize instead");
    Integer[] order = new Integer[n];
    double[] lambda = new double[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
      lambda[i] = Math.max(0, eig.getEigenvalue(i).getReal());
    }
    java.util.Arrays.sort(order, (a, b) -> Double.compare(lambda[b], lambda[a]));
    int k = spec.outputSize(n);
    double eps = spec.eps();
    boolean zca = spec.kind().equals("zca"), whiten = !spec.kind().equals("pca");
    double[] u = new double[n * n]; // columns: eigenvectors in order
    for (int c2 = 0; c2 < (zca ? n : k); c2++) {
      DMatrixRMaj v = eig.getEigenVector(order[c2]);
      // a deterministic sign: the largest component positive
      int big = 0;
      for (int i = 1; i < n; i++) if (Math.abs(v.data[i]) > Math.abs(v.data[big])) big = i;
      double sign = v.data[big] < 0 ? -1 : 1;
      double f = whiten ? 1 / Math.sqrt(lambda[order[c2]] + eps) : 1;
      for (int i = 0; i < n; i++) u[i * n + c2] = sign * v.data[i] * f;
    }
    if (!zca) {
      double[] p = new double[n * k];
      for (int i = 0; i < n; i++) System.arraycopy(u, i * n, p, i * k, k);
      return p;
    }
    // ZCA: U diag(1/sqrt(λ+ε)) Uᵀ — u already holds U·diag; multiply by Uᵀ
    double[] plain = new double[n * n];
    for (int c2 = 0; c2 < n; c2++) {
      DMatrixRMaj v = eig.getEigenVector(order[c2]);
      for (int i = 0; i < n; i++) plain[i * n + c2] = v.data[i];
    }
    double[] z = new double[n * n];
    for (int i = 0; i < n; i++) {
      for (int m = 0; m < n; m++) {
        double a = u[i * n + m];
        if (a == 0) continue;
        for (int j = 0; j < n; j++) z[i * n + j] += a * plain[j * n + m];
      }
    }
    return z; // symmetric, so [in][out] as stored
  }

  /** Transforms one scaled sample {@code src[srcOff..srcOff+in)} into {@code dst[dstOff..dstOff+out)}; {@code work} holds {@code in} doubles. */
  public void apply(float[] src, int srcOff, float[] dst, int dstOff, double[] work) {
    for (int j = 0; j < in; j++) work[j] = src[srcOff + j] - mean[j];
    if (projection == null) {
      for (int j = 0; j < in; j++) dst[dstOff + j] = (float) (stdOrNull == null ? work[j] : work[j] / stdOrNull[j]);
      return;
    }
    for (int o = 0; o < out; o++) dst[dstOff + o] = 0;
    for (int j = 0; j < in; j++) {
      double w = work[j];
      if (w == 0) continue;
      int row = j * out;
      for (int o = 0; o < out; o++) dst[dstOff + o] += (float) (w * projection[row + o]);
    }
  }

  /**
   * {@link #apply} in float64 throughout, for a float64 network: a scaled sample in, the transformed sample out.
   * Kept apart from the float32 form on purpose: that one rounds each projected term to float32 as it adds
   * it, which the trainer and the generated predictor reproduce bit for bit.
   */
  public void apply(double[] src, int srcOff, double[] dst, int dstOff, double[] work) {
    for (int j = 0; j < in; j++) work[j] = src[srcOff + j] - mean[j];
    if (projection == null) {
      for (int j = 0; j < in; j++) dst[dstOff + j] = stdOrNull == null ? work[j] : work[j] / stdOrNull[j];
      return;
    }
    for (int o = 0; o < out; o++) dst[dstOff + o] = 0;
    for (int j = 0; j < in; j++) {
      double w = work[j];
      if (w == 0) continue;
      int row = j * out;
      for (int o = 0; o < out; o++) dst[dstOff + o] += w * projection[row + o];
    }
  }

  /** The fitted statistics, for checkpoints: in, out, mean, std (or nothing), projection (or nothing). */
  public double[] state() {
    int s = stdOrNull == null ? 0 : in, p = projection == null ? 0 : projection.length;
    double[] st = new double[4 + in + s + p];
    st[0] = in;
    st[1] = out;
    st[2] = s;
    st[3] = p;
    System.arraycopy(mean, 0, st, 4, in);
    if (s > 0) System.arraycopy(stdOrNull, 0, st, 4 + in, s);
    if (p > 0) System.arraycopy(projection, 0, st, 4 + in + s, p);
    return st;
  }

  /** The prefix of the fitted statistics' names in a .npz state_dict; no layer's tensor can have such a name. */
  public static final String NPZ_PREFIX = "nnet.preprocess.";

  /**
   * The fitted statistics as named arrays for a .npz file beside the weights: {@code nnet.preprocess.mean}
   * [in], {@code .std} [in] (standardize), {@code .projection} [in, out] (pca, whiten, zca). PyTorch code
   * loading the state_dict skips the names that start with {@code nnet.}.
   */
  public java.util.Map<String, Npz.Array> toArrays() {
    java.util.Map<String, Npz.Array> m = new java.util.LinkedHashMap<>();
    m.put(NPZ_PREFIX + "mean", new Npz.Array(new int[] {in}, mean.clone()));
    if (stdOrNull != null) m.put(NPZ_PREFIX + "std", new Npz.Array(new int[] {in}, stdOrNull.clone()));
    if (projection != null) m.put(NPZ_PREFIX + "projection", new Npz.Array(new int[] {in, out}, projection.clone()));
    return m;
  }

  /**
   * The statistics {@link #toArrays} wrote, checked against what the .nnet file asks for; null when
   * {@code arrays} holds none. {@code in} is the number of raw features.
   */
  public static Preprocessor fromArrays(Spec spec, int in, java.util.Map<String, Npz.Array> arrays, String where) {
    Npz.Array mean = arrays.get(NPZ_PREFIX + "mean"), std = arrays.get(NPZ_PREFIX + "std"), proj = arrays.get(NPZ_PREFIX + "projection");
    if (mean == null && std == null && proj == null) return null;
    int out = spec.outputSize(in);
    boolean wantsStd = spec.kind().equals("standardize"), wantsProj = !spec.kind().equals("center") && !wantsStd;
    boolean fits = mean != null && java.util.Arrays.equals(mean.shape(), new int[] {in})
        && (wantsStd ? std != null && java.util.Arrays.equals(std.shape(), new int[] {in}) : std == null)
        && (wantsProj ? proj != null && java.util.Arrays.equals(proj.shape(), new int[] {in, out}) : proj == null);
    if (!fits) {
      throw new NnetException(where + ": its preprocessing statistics do not fit 'preprocess " + spec.kind() + "' on " + in + " features",
          "were the weights written for another version of the file? Export them again with nnet train --save-weights");
    }
    return new Preprocessor(spec, in, mean.data(), std == null ? null : std.data(), proj == null ? null : proj.data());
  }

  public static Preprocessor restore(Spec spec, double[] st) {
    int in = (int) st[0], s = (int) st[2], p = (int) st[3];
    double[] mean = java.util.Arrays.copyOfRange(st, 4, 4 + in);
    double[] std = s == 0 ? null : java.util.Arrays.copyOfRange(st, 4 + in, 4 + in + s);
    double[] proj = p == 0 ? null : java.util.Arrays.copyOfRange(st, 4 + in + s, 4 + in + s + p);
    return new Preprocessor(spec, in, mean, std, proj);
  }
}
