// This machine's FMA limit, for reading the GFLOP/s that `nnet bench` prints: one core, then two threads at
// once, running nothing but independent fused multiply-adds on the widest vectors the Vector API offers
// (12 accumulators: more than the pipes' latency × throughput on every x86 core nnet targets). Counts
// 2 flops per multiply-add and lane, as `nnet bench` does. Prints each round, so it can be interleaved with
// benchmarks on a machine whose speed wanders (bench/peak-vs-bench.sh does).
//   java --add-modules jdk.incubator.vector bench/PeakStudy.java [rounds] [seconds]
import jdk.incubator.vector.*;

public class PeakStudy {
  static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  static volatile float sink;

  /** {@code iterations} rounds of 12 independent multiply-adds; returns the flops done. (One flat loop: C2 keeps the accumulators in registers.) */
  static double fmas(long iterations) {
    FloatVector x = FloatVector.broadcast(S, 0.999f), y = FloatVector.broadcast(S, 1e-6f);
    FloatVector a0 = FloatVector.broadcast(S, 1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
    for (long i = 0; i < iterations; i++) {
      a0 = a0.fma(x, y); a1 = a1.fma(x, y); a2 = a2.fma(x, y); a3 = a3.fma(x, y); a4 = a4.fma(x, y); a5 = a5.fma(x, y);
      a6 = a6.fma(x, y); a7 = a7.fma(x, y); a8 = a8.fma(x, y); a9 = a9.fma(x, y); a10 = a10.fma(x, y); a11 = a11.fma(x, y);
    }
    sink = a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11).reduceLanes(VectorOperators.ADD);
    return iterations * 12.0 * S.length() * 2;
  }

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    long nanos = (long) ((args.length > 1 ? Double.parseDouble(args[1]) : 1.0) * 1e9);
    for (int i = 0; i < 200; i++) fmas(20_000); // enough calls that C2 compiles the method itself, not only its loop
    long calibrate = System.nanoTime();
    fmas(10_000_000);
    long iterations = (long) (10_000_000 * (nanos / (double) (System.nanoTime() - calibrate))); // about `seconds` each
    System.out.printf("%d-bit vectors (%d floats), %d processors%n", S.vectorBitSize(), S.length(), Runtime.getRuntime().availableProcessors());
    for (int r = 0; r < rounds; r++) {
      long t0 = System.nanoTime();
      double one = fmas(iterations) / ((System.nanoTime() - t0) / 1e9);
      double[] flops = new double[2];
      Thread[] ts = new Thread[2];
      long t1 = System.nanoTime();
      for (int k = 0; k < 2; k++) {
        final int id = k;
        ts[k] = new Thread(() -> flops[id] = fmas(iterations));
        ts[k].start();
      }
      for (Thread t : ts) t.join();
      double two = (flops[0] + flops[1]) / ((System.nanoTime() - t1) / 1e9);
      System.out.printf(java.util.Locale.ROOT, "{\"peak_gflops_1\":%.1f,\"peak_gflops_2\":%.1f,\"ratio\":%.2f}%n", one / 1e9, two / 1e9, two / one);
    }
  }
}
