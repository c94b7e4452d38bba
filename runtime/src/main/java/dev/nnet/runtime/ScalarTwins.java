package dev.nnet.runtime;

/**
 * The scalar twin of a generated product's vector tiles: C = init + A·B, each element of C one chain of fused
 * multiply-adds over k in order from its start (the bias or zero), which is what each lane of a tile computes,
 * so the same bits. A trainer runs it while its tiles are not compiled yet ({@link TileWarmup}).
 *
 * <p>One method shared by every product of every trainer, with the shapes as arguments, against the rule that
 * generated code has them as literals: it runs for the first steps only, and being one method is what makes it
 * fast then. Each product's own twin would start in the interpreter and wait for its own compile; this one is
 * compiled once, before the first step ({@link #warm}), and every product then runs compiled code.
 */
public final class ScalarTwins {
  private ScalarTwins() {}

  /**
   * Rows i0..i1−1, columns j0..j1−1 of C(i,j) = init[initBase + j] (0 when {@code init} is null) + Σ_k A(i,k)·B(k,j),
   * where A(i,k) = a[aBase + i·aRow + k·aStep], B(k,j) = b[bBase + k·bRow + j], C(i,j) = c[cBase + i·cRow + j].
   * C must not share an array with A or B (it is accumulated in place).
   */
  public static void product(float[] a, int aBase, int aRow, int aStep, float[] b, int bBase, int bRow, float[] c, int cBase, int cRow,
                             float[] init, int initBase, int k, int i0, int i1, int j0, int j1) {
    for (int i = i0; i < i1; i++) {
      int ci = cBase + i * cRow, ai = aBase + i * aRow;
      if (init != null) System.arraycopy(init, initBase + j0, c, ci + j0, j1 - j0);
      else java.util.Arrays.fill(c, ci + j0, ci + j1, 0f);
      for (int q = 0, bk = bBase; q < k; q++, bk += bRow) {
        float av = a[ai + q * aStep];
        for (int j = j0; j < j1; j++) c[ci + j] = Math.fma(av, b[bk + j], c[ci + j]);
      }
    }
  }

  /** The same in double precision. */
  public static void product(double[] a, int aBase, int aRow, int aStep, double[] b, int bBase, int bRow, double[] c, int cBase, int cRow,
                             double[] init, int initBase, int k, int i0, int i1, int j0, int j1) {
    for (int i = i0; i < i1; i++) {
      int ci = cBase + i * cRow, ai = aBase + i * aRow;
      if (init != null) System.arraycopy(init, initBase + j0, c, ci + j0, j1 - j0);
      else java.util.Arrays.fill(c, ci + j0, ci + j1, 0d);
      for (int q = 0, bk = bBase; q < k; q++, bk += bRow) {
        double av = a[ai + q * aStep];
        for (int j = j0; j < j1; j++) c[ci + j] = Math.fma(av, b[bk + j], c[ci + j]);
      }
    }
  }

  /**
   * Has both products compiled: a thousand small products on scratch arrays, past the call counts at which C2
   * compiles a method (rather than only its loop, which each new call would enter in the interpreter).
   */
  static void warm() {
    int m = 4, k = 16, n = 16; // small: the calls count, not the work (on the cores the data is read on)
    float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
    double[] da = new double[m * k], db = new double[k * n], dc = new double[m * n];
    for (int i = 0; i < k * n; i++) {
      b[i] = i % 7 - 3;
      db[i] = i % 5 - 2;
    }
    for (int round = 0; round < 1000; round++) {
      product(a, 0, k, 1, b, 0, n, c, 0, n, round % 2 == 0 ? null : b, 0, k, 0, m, 0, n);
      product(da, 0, k, 1, db, 0, n, dc, 0, n, round % 2 == 0 ? null : db, 0, k, 0, m, 0, n);
    }
  }
}
