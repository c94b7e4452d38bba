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

  /** Rows of C accumulated together: each pass over k reads B's row once for them all. */
  private static final int BLOCK = 8;

  /**
   * Scratch rows of one thread: C's rows of a block and B's row, each from index 0, because JDK 17's C2
   * vectorizes {@code acc[j] = fma(a, row[j], acc[j])} over arrays indexed alike, but not the same loop over
   * two arrays at different offsets (11 against 3 GFLOP/s on the AMD EPYC VM).
   */
  private static final class Scratch {
    float[][] rows = new float[BLOCK][0];
    float[] row = new float[0];
    double[][] wideRows = new double[BLOCK][0];
    double[] wideRow = new double[0];

    Scratch fit(int width, boolean wide) {
      if (!wide && row.length < width) {
        row = new float[width];
        for (int r = 0; r < BLOCK; r++) rows[r] = new float[width];
      } else if (wide && wideRow.length < width) {
        wideRow = new double[width];
        for (int r = 0; r < BLOCK; r++) wideRows[r] = new double[width];
      }
      return this;
    }
  }

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  /**
   * Rows i0..i1−1, columns j0..j1−1 of C(i,j) = init[initBase + j] (0 when {@code init} is null) + Σ_k A(i,k)·B(k,j),
   * where A(i,k) = a[aBase + i·aRow + k·aStep], B(k,j) = b[bBase + k·bRow + j], C(i,j) = c[cBase + i·cRow + j].
   */
  public static void product(float[] a, int aBase, int aRow, int aStep, float[] b, int bBase, int bRow, float[] c, int cBase, int cRow,
                             float[] init, int initBase, int k, int i0, int i1, int j0, int j1) {
    int w = j1 - j0;
    Scratch s = SCRATCH.get().fit(w, false);
    float[] row = s.row;
    for (int ib = i0; ib < i1; ib += BLOCK) {
      int rows = Math.min(BLOCK, i1 - ib);
      for (int r = 0; r < rows; r++) {
        if (init != null) System.arraycopy(init, initBase + j0, s.rows[r], 0, w);
        else java.util.Arrays.fill(s.rows[r], 0, w, 0f);
      }
      for (int q = 0; q < k; q++) {
        System.arraycopy(b, bBase + q * bRow + j0, row, 0, w);
        for (int r = 0; r < rows; r++) {
          float av = a[aBase + (ib + r) * aRow + q * aStep];
          float[] acc = s.rows[r];
          for (int j = 0; j < w; j++) acc[j] = Math.fma(av, row[j], acc[j]);
        }
      }
      for (int r = 0; r < rows; r++) System.arraycopy(s.rows[r], 0, c, cBase + (ib + r) * cRow + j0, w);
    }
  }

  /** The same in double precision. */
  public static void product(double[] a, int aBase, int aRow, int aStep, double[] b, int bBase, int bRow, double[] c, int cBase, int cRow,
                             double[] init, int initBase, int k, int i0, int i1, int j0, int j1) {
    int w = j1 - j0;
    Scratch s = SCRATCH.get().fit(w, true);
    double[] row = s.wideRow;
    for (int ib = i0; ib < i1; ib += BLOCK) {
      int rows = Math.min(BLOCK, i1 - ib);
      for (int r = 0; r < rows; r++) {
        if (init != null) System.arraycopy(init, initBase + j0, s.wideRows[r], 0, w);
        else java.util.Arrays.fill(s.wideRows[r], 0, w, 0d);
      }
      for (int q = 0; q < k; q++) {
        System.arraycopy(b, bBase + q * bRow + j0, row, 0, w);
        for (int r = 0; r < rows; r++) {
          double av = a[aBase + (ib + r) * aRow + q * aStep];
          double[] acc = s.wideRows[r];
          for (int j = 0; j < w; j++) acc[j] = Math.fma(av, row[j], acc[j]);
        }
      }
      for (int r = 0; r < rows; r++) System.arraycopy(s.wideRows[r], 0, c, cBase + (ib + r) * cRow + j0, w);
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
