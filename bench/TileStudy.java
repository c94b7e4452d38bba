// The dense products' register tile alone, on M2's first product (128×784 · 784×512), to tell the tile's own
// speed from what a training step adds. It is the tile nnet emits for 256-bit vectors (6 rows × 2 vectors,
// broadcast-FMA over k), written out by hand; "whole product" walks every column strip of B as the trainer
// does (B's rows 2 KB apart), "one strip" reuses the first strip so it stays in cache (what a packed,
// contiguous copy of B would approach). Compare with numpy's sgemm (OpenBLAS) on the same shapes:
//   java --add-modules jdk.incubator.vector bench/TileStudy.java [hot]
//   OPENBLAS_NUM_THREADS=1 python3 -c "import numpy as n,time;a=n.ones((128,784),n.float32);b=n.ones((784,512),n.float32);t=time.time();[a@b for _ in range(200)];print(2*128*784*512*200/(time.time()-t)/1e9,'GFLOP/s')"
import jdk.incubator.vector.*;
public class TileStudy {
  static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
  static final int M = 128, K = 784, N = 512;
  static void tile(float[] a, float[] b, float[] c, int i, int j) {
    FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    for (int k = 0; k < K; k++) {
      FloatVector b0 = FloatVector.fromArray(S, b, k * N + j), b1 = FloatVector.fromArray(S, b, k * N + j + 8);
      FloatVector x = FloatVector.broadcast(S, a[i * K + k]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
      x = FloatVector.broadcast(S, a[(i + 1) * K + k]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
      x = FloatVector.broadcast(S, a[(i + 2) * K + k]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
      x = FloatVector.broadcast(S, a[(i + 3) * K + k]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
      x = FloatVector.broadcast(S, a[(i + 4) * K + k]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
      x = FloatVector.broadcast(S, a[(i + 5) * K + k]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
    }
    c00.intoArray(c, i * N + j); c01.intoArray(c, i * N + j + 8); c10.intoArray(c, (i + 1) * N + j); c11.intoArray(c, (i + 1) * N + j + 8);
    c20.intoArray(c, (i + 2) * N + j); c21.intoArray(c, (i + 2) * N + j + 8); c30.intoArray(c, (i + 3) * N + j); c31.intoArray(c, (i + 3) * N + j + 8);
    c40.intoArray(c, (i + 4) * N + j); c41.intoArray(c, (i + 4) * N + j + 8); c50.intoArray(c, (i + 5) * N + j); c51.intoArray(c, (i + 5) * N + j + 8);
  }
  public static void main(String[] args) {
    float[] a = new float[M * K], b = new float[K * N], c = new float[M * N];
    java.util.Random r = new java.util.Random(1);
    for (int i = 0; i < a.length; i++) a[i] = r.nextFloat() - 0.5f;
    for (int i = 0; i < b.length; i++) b[i] = r.nextFloat() - 0.5f;
    boolean hot = args.length > 0; // one strip of B kept in L1/L2 (same j) vs the whole product
    for (int round = 0; round < 8; round++) {
      long t0 = System.nanoTime(); long macs = 0; int reps = 0;
      while (System.nanoTime() - t0 < 1_000_000_000L) {
        for (int j = 0; j < N; j += 16) for (int i = 0; i + 6 <= M; i += 6) tile(a, b, c, i, hot ? 0 : j);
        macs += (long) (M / 6 * 6) * K * N; reps++;
      }
      double s = (System.nanoTime() - t0) / 1e9;
      System.out.printf("%s: %.1f GFLOP/s%n", hot ? "one strip" : "whole product", 2.0 * macs / s / 1e9);
    }
  }
}
