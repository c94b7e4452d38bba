import java.util.Random;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Times M5's second convolution (batch 128, 14 × 14 × 32 channels-last in, 64 filters 3 × 3, pad 1) forward,
 * two ways, with the register tile nnet generates (6 output pixels × 4 vectors of 16 filters):
 * <ul>
 *   <li>im2col: copy every pixel's 3 × 3 × 32 patch into a [25,088][288] matrix (29 MB), then multiply;
 *   <li>direct: copy the image once into a zero-bordered [128][16][16][32] (4 MB) and let the tile read its
 *       six pixels' patches in place, one pointer per pixel.
 * </ul>
 * Both give the same sums in the same order, which the study checks. Run:
 * {@code java --add-modules jdk.incubator.vector bench/ConvStudy.java [seconds]}.
 */
public class ConvStudy {
  static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
  static final int N = 128, H = 14, W = 14, C = 32, F = 64, K = 3, P = H + 2, M = N * H * W, KK = K * K * C;

  final float[] image = new float[N * H * W * C];
  final float[] kernel = new float[KK * F];
  final float[] bias = new float[F];
  final float[] patches = new float[M * KK];
  final float[] padded = new float[N * P * P * C];
  final float[] out = new float[M * F];

  public static void main(String[] args) {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
    ConvStudy s = new ConvStudy();
    Random r = new Random(1);
    for (int i = 0; i < s.image.length; i++) s.image[i] = r.nextFloat() < 0.4f ? 0 : r.nextFloat();
    for (int i = 0; i < s.kernel.length; i++) s.kernel[i] = (float) r.nextGaussian() * 0.08f;
    for (int i = 0; i < F; i++) s.bias[i] = 0.01f * i;

    s.im2col(); s.product();
    float[] reference = s.out.clone();
    s.pad(); s.direct();
    if (!java.util.Arrays.equals(reference, s.out)) throw new AssertionError("direct differs from im2col");

    double flop = 2.0 * M * KK * F;
    System.out.printf("M5 conv2 forward, batch %d: %.0f MFLOP; %s, %s%n", N, flop / 1e6,
        System.getProperty("java.vm.version"), System.getenv().getOrDefault("HOSTNAME", ""));
    for (int round = 0; round < 3; round++) {
      double tCopy = time(seconds, s::im2col), tProduct = time(seconds, s::product);
      double tPad = time(seconds, s::pad), tDirect = time(seconds, s::direct);
      System.out.printf("im2col %.2f ms + product %.2f ms (%.0f GFLOP/s) = %.2f ms | pad %.2f ms + direct %.2f ms (%.0f GFLOP/s) = %.2f ms%n",
          tCopy * 1e3, tProduct * 1e3, flop / tProduct / 1e9, (tCopy + tProduct) * 1e3,
          tPad * 1e3, tDirect * 1e3, flop / tDirect / 1e9, (tPad + tDirect) * 1e3);
    }
  }

  static double time(double seconds, Runnable task) {
    for (int i = 0; i < 20; i++) task.run();
    long start = System.nanoTime(), end = start + (long) (seconds * 1e9);
    int runs = 0;
    long now;
    do { task.run(); runs++; now = System.nanoTime(); } while (now < end);
    return (now - start) / 1e9 / runs;
  }

  void im2col() {
    for (int s = 0; s < N; s++)
      for (int oy = 0; oy < H; oy++)
        for (int ox = 0; ox < W; ox++) {
          int dst = ((s * H + oy) * W + ox) * KK;
          for (int ky = 0; ky < K; ky++) {
            int iy = oy + ky - 1;
            for (int kx = 0; kx < K; kx++, dst += C) {
              int ix = ox + kx - 1;
              if (iy >= 0 && iy < H && ix >= 0 && ix < W) System.arraycopy(image, ((s * H + iy) * W + ix) * C, patches, dst, C);
              else java.util.Arrays.fill(patches, dst, dst + C, 0);
            }
          }
        }
  }

  void product() {
    for (int i = 0; i + 6 <= M; i += 6) productTile(i);
    // M = 25,088 = 6 · 4,181 + 2: the last two rows go through the direct kernel's remainder for brevity
    // (both paths compute them the same way, and they are 0.01% of the work).
    directTail();
  }

  void productTile(int i0) {
    FloatVector c00 = FloatVector.fromArray(S, bias, 0), c01 = FloatVector.fromArray(S, bias, 16);
    FloatVector c02 = FloatVector.fromArray(S, bias, 32), c03 = FloatVector.fromArray(S, bias, 48);
    FloatVector c10 = c00, c11 = c01, c12 = c02, c13 = c03, c20 = c00, c21 = c01, c22 = c02, c23 = c03;
    FloatVector c30 = c00, c31 = c01, c32 = c02, c33 = c03, c40 = c00, c41 = c01, c42 = c02, c43 = c03;
    FloatVector c50 = c00, c51 = c01, c52 = c02, c53 = c03;
    int a0 = i0 * KK, bk = 0;
    for (int k = 0; k < KK; k++) {
      FloatVector b0 = FloatVector.fromArray(S, kernel, bk), b1 = FloatVector.fromArray(S, kernel, bk + 16);
      FloatVector b2 = FloatVector.fromArray(S, kernel, bk + 32), b3 = FloatVector.fromArray(S, kernel, bk + 48);
      FloatVector x = FloatVector.broadcast(S, patches[a0]);
      c00 = x.fma(b0, c00); c01 = x.fma(b1, c01); c02 = x.fma(b2, c02); c03 = x.fma(b3, c03);
      x = FloatVector.broadcast(S, patches[a0 + KK]);
      c10 = x.fma(b0, c10); c11 = x.fma(b1, c11); c12 = x.fma(b2, c12); c13 = x.fma(b3, c13);
      x = FloatVector.broadcast(S, patches[a0 + 2 * KK]);
      c20 = x.fma(b0, c20); c21 = x.fma(b1, c21); c22 = x.fma(b2, c22); c23 = x.fma(b3, c23);
      x = FloatVector.broadcast(S, patches[a0 + 3 * KK]);
      c30 = x.fma(b0, c30); c31 = x.fma(b1, c31); c32 = x.fma(b2, c32); c33 = x.fma(b3, c33);
      x = FloatVector.broadcast(S, patches[a0 + 4 * KK]);
      c40 = x.fma(b0, c40); c41 = x.fma(b1, c41); c42 = x.fma(b2, c42); c43 = x.fma(b3, c43);
      x = FloatVector.broadcast(S, patches[a0 + 5 * KK]);
      c50 = x.fma(b0, c50); c51 = x.fma(b1, c51); c52 = x.fma(b2, c52); c53 = x.fma(b3, c53);
      a0++;
      bk += F;
    }
    c00.intoArray(out, (i0 + 0) * F); c01.intoArray(out, (i0 + 0) * F + 16); c02.intoArray(out, (i0 + 0) * F + 32); c03.intoArray(out, (i0 + 0) * F + 48);
    c10.intoArray(out, (i0 + 1) * F); c11.intoArray(out, (i0 + 1) * F + 16); c12.intoArray(out, (i0 + 1) * F + 32); c13.intoArray(out, (i0 + 1) * F + 48);
    c20.intoArray(out, (i0 + 2) * F); c21.intoArray(out, (i0 + 2) * F + 16); c22.intoArray(out, (i0 + 2) * F + 32); c23.intoArray(out, (i0 + 2) * F + 48);
    c30.intoArray(out, (i0 + 3) * F); c31.intoArray(out, (i0 + 3) * F + 16); c32.intoArray(out, (i0 + 3) * F + 32); c33.intoArray(out, (i0 + 3) * F + 48);
    c40.intoArray(out, (i0 + 4) * F); c41.intoArray(out, (i0 + 4) * F + 16); c42.intoArray(out, (i0 + 4) * F + 32); c43.intoArray(out, (i0 + 4) * F + 48);
    c50.intoArray(out, (i0 + 5) * F); c51.intoArray(out, (i0 + 5) * F + 16); c52.intoArray(out, (i0 + 5) * F + 32); c53.intoArray(out, (i0 + 5) * F + 48);
  }

  void pad() {
    for (int s = 0; s < N; s++)
      for (int y = 0; y < H; y++)
        System.arraycopy(image, (s * H + y) * W * C, padded, ((s * P + y + 1) * P + 1) * C, W * C);
    // the border stays zero: nothing ever writes it
  }

  /** Where pixel i's patch starts in the padded image: its top-left neighbour. */
  static int origin(int i) {
    int s = i / (H * W), oy = i / W % H, ox = i % W;
    return (s * P + oy) * P * C + ox * C;
  }

  void direct() {
    for (int i = 0; i + 6 <= M; i += 6) directTile(i);
    directTail();
  }

  void directTile(int i0) {
    FloatVector c00 = FloatVector.fromArray(S, bias, 0), c01 = FloatVector.fromArray(S, bias, 16);
    FloatVector c02 = FloatVector.fromArray(S, bias, 32), c03 = FloatVector.fromArray(S, bias, 48);
    FloatVector c10 = c00, c11 = c01, c12 = c02, c13 = c03, c20 = c00, c21 = c01, c22 = c02, c23 = c03;
    FloatVector c30 = c00, c31 = c01, c32 = c02, c33 = c03, c40 = c00, c41 = c01, c42 = c02, c43 = c03;
    FloatVector c50 = c00, c51 = c01, c52 = c02, c53 = c03;
    int p0 = origin(i0), p1 = origin(i0 + 1), p2 = origin(i0 + 2), p3 = origin(i0 + 3), p4 = origin(i0 + 4), p5 = origin(i0 + 5);
    int bk = 0;
    for (int ky = 0; ky < K; ky++) {
      for (int kx = 0; kx < K; kx++) {
        int tap = (ky * P + kx) * C;
        for (int c = 0; c < C; c++) {
          int a = tap + c;
          FloatVector b0 = FloatVector.fromArray(S, kernel, bk), b1 = FloatVector.fromArray(S, kernel, bk + 16);
          FloatVector b2 = FloatVector.fromArray(S, kernel, bk + 32), b3 = FloatVector.fromArray(S, kernel, bk + 48);
          FloatVector x = FloatVector.broadcast(S, padded[p0 + a]);
          c00 = x.fma(b0, c00); c01 = x.fma(b1, c01); c02 = x.fma(b2, c02); c03 = x.fma(b3, c03);
          x = FloatVector.broadcast(S, padded[p1 + a]);
          c10 = x.fma(b0, c10); c11 = x.fma(b1, c11); c12 = x.fma(b2, c12); c13 = x.fma(b3, c13);
          x = FloatVector.broadcast(S, padded[p2 + a]);
          c20 = x.fma(b0, c20); c21 = x.fma(b1, c21); c22 = x.fma(b2, c22); c23 = x.fma(b3, c23);
          x = FloatVector.broadcast(S, padded[p3 + a]);
          c30 = x.fma(b0, c30); c31 = x.fma(b1, c31); c32 = x.fma(b2, c32); c33 = x.fma(b3, c33);
          x = FloatVector.broadcast(S, padded[p4 + a]);
          c40 = x.fma(b0, c40); c41 = x.fma(b1, c41); c42 = x.fma(b2, c42); c43 = x.fma(b3, c43);
          x = FloatVector.broadcast(S, padded[p5 + a]);
          c50 = x.fma(b0, c50); c51 = x.fma(b1, c51); c52 = x.fma(b2, c52); c53 = x.fma(b3, c53);
          bk += F;
        }
      }
    }
    c00.intoArray(out, (i0 + 0) * F); c01.intoArray(out, (i0 + 0) * F + 16); c02.intoArray(out, (i0 + 0) * F + 32); c03.intoArray(out, (i0 + 0) * F + 48);
    c10.intoArray(out, (i0 + 1) * F); c11.intoArray(out, (i0 + 1) * F + 16); c12.intoArray(out, (i0 + 1) * F + 32); c13.intoArray(out, (i0 + 1) * F + 48);
    c20.intoArray(out, (i0 + 2) * F); c21.intoArray(out, (i0 + 2) * F + 16); c22.intoArray(out, (i0 + 2) * F + 32); c23.intoArray(out, (i0 + 2) * F + 48);
    c30.intoArray(out, (i0 + 3) * F); c31.intoArray(out, (i0 + 3) * F + 16); c32.intoArray(out, (i0 + 3) * F + 32); c33.intoArray(out, (i0 + 3) * F + 48);
    c40.intoArray(out, (i0 + 4) * F); c41.intoArray(out, (i0 + 4) * F + 16); c42.intoArray(out, (i0 + 4) * F + 32); c43.intoArray(out, (i0 + 4) * F + 48);
    c50.intoArray(out, (i0 + 5) * F); c51.intoArray(out, (i0 + 5) * F + 16); c52.intoArray(out, (i0 + 5) * F + 32); c53.intoArray(out, (i0 + 5) * F + 48);
  }

  /** The last M mod 6 pixels, one at a time, from the padded image (pad() must have run; both callers ensure it). */
  void directTail() {
    if (padded[origin(M - 1) + (P + 1) * C] != image[(M - 1) * C]) pad();
    for (int i = M / 6 * 6; i < M; i++) {
      int p = origin(i);
      for (int v = 0; v < F; v += 16) {
        FloatVector acc = FloatVector.fromArray(S, bias, v);
        int bk = v;
        for (int ky = 0; ky < K; ky++)
          for (int kx = 0; kx < K; kx++)
            for (int c = 0; c < C; c++, bk += F)
              acc = FloatVector.broadcast(S, padded[p + (ky * P + kx) * C + c]).fma(FloatVector.fromArray(S, kernel, bk), acc);
        acc.intoArray(out, i * F + v);
      }
    }
  }

}
