package dev.nnet.runtime;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.function.Supplier;

/**
 * Gets a trainer's first steps done sooner. A Vector API trainer's product tiles run in the interpreter and
 * then in C1 code, where every vector is an allocated object, until C2 has compiled them, which takes
 * hundreds of calls: M2's first step took 2.1 s that way on the AMD EPYC VM. Each product also has a scalar
 * twin that computes the same bits ({@link ScalarTwins}), one method compiled before the first step (the
 * same step: 0.65 s), but ten times slower than the compiled tiles.
 *
 * <p>So a trainer started here runs on the twins while a scratch copy of it, on a thread of its own, trains
 * on random data with the tiles until tile steps, shared among the trainer's threads, would be faster than
 * twin steps; then the trainer switches to the tiles. Since both give the same bits, when the switch comes (which depends on the machine's timing)
 * changes no result. A class is warmed once per JVM; later trainers of it start on the tiles.
 *
 * <p>Off unless the system property {@value #PROPERTY} is {@code true} (the command line sets it): it costs
 * a second copy of the trainer's arrays and a core for a second or two, which a service that trains for hours
 * need not spend. Only trainers of 1 to 64 MB take part: smaller ones start fast anyway, and a larger one's
 * copy would cost more memory than its first step gains.
 */
public final class TileWarmup {
  private TileWarmup() {}

  /** The system property that turns warm-ups on ({@code true}). */
  public static final String PROPERTY = "nnet.tileWarmup";

  static final long MIN_BYTES = 1 << 20, MAX_BYTES = 64 << 20;
  /** Give up comparing after this long, and switch to the tiles (the default way) anyway. */
  static final long LIMIT_NANOS = 20_000_000_000L;
  /** The scratch copy starts after a trainer's first update, or after this long. */
  static final long START_NANOS = 1_000_000_000L;
  /** Every this many steps on the scratch copy, one on the twins, to compare with. */
  static final int TWIN_EVERY = 4;

  private static final Map<Class<?>, Warmup> WARMUPS = new WeakHashMap<>();
  private static final Set<Class<?>> WARM = java.util.Collections.newSetFromMap(new WeakHashMap<>());

  /**
   * When warm-ups are on and {@code net} is of a size that gains: starts {@code net} on its scalar twins and
   * has a scratch copy from {@code scratch} warm the tiles up (or joins the warm-up already running for its
   * class). Does nothing for a class already warm.
   */
  public static void start(Network net, Supplier<Network> scratch) {
    if (!Boolean.getBoolean(PROPERTY) || !net.hasScalarTwins()) return;
    long bytes = Benchmark.footprint(net);
    if (bytes < MIN_BYTES || bytes > MAX_BYTES) return;
    Class<?> type = net.getClass();
    synchronized (WARMUPS) {
      if (WARM.contains(type)) return;
      net.useVectorTiles(false);
      Warmup w = WARMUPS.get(type);
      if (w == null) {
        w = new Warmup(type, scratch);
        WARMUPS.put(type, w);
        Thread t = new Thread(w, "nnet-tile-warmup");
        t.setDaemon(true);
        t.start();
      }
      w.waiting.add(new WeakReference<>(net));
    }
  }

  /** Whether the tiles of {@code type} have been warmed in this JVM. */
  public static boolean isWarm(Class<?> type) {
    synchronized (WARMUPS) {
      return WARM.contains(type);
    }
  }

  /** The warm-up of one trainer class, and the trainers waiting for it. */
  private static final class Warmup implements Runnable {
    final Class<?> type;
    final Supplier<Network> scratch;
    final List<WeakReference<Network>> waiting = new ArrayList<>();

    Warmup(Class<?> type, Supplier<Network> scratch) {
      this.type = type;
      this.scratch = scratch;
    }

    @Override
    public void run() {
      boolean warmed = true;
      try {
        warmed = warm();
      } catch (InterruptedException | RuntimeException | Error e) {
        // nothing is lost: the trainers switch to the tiles, the way they run without a warm-up
      } finally {
        finish(warmed);
      }
    }

    /**
     * Tile steps on a scratch copy, a twin step every few, until two tile steps in a row beat the fastest twin
     * step (twins too get faster as they are compiled) times the trainers' thread count: a trainer runs the
     * twins on one thread and the tiles on all of its own. False when every waiting trainer was dropped first.
     */
    private boolean warm() throws InterruptedException {
      ScalarTwins.warm();
      // not before a trainer's first update (or a second): its first step would share the cores with the
      // scratch copy's, which runs the tiles in the interpreter, and with the data still being read
      for (long t = System.nanoTime(); !anyUpdated() && System.nanoTime() - t < START_NANOS; ) Thread.sleep(1);
      Network net = scratch.get();
      net.setThreads(1);
      NetworkSpec spec = net.spec();
      net.initialize(1);
      int b = spec.batchSize();
      net.stage(Dataset.random(spec, b, spec.inputSize(), new Rng(1)), Dataset.identity(b), 0, b, 1);
      long start = System.nanoTime(), twin = Long.MAX_VALUE;
      int faster = 0, threads = threads();
      for (int step = 0; System.nanoTime() - start < LIMIT_NANOS; step++) {
        if (!anyoneWaiting()) return false;
        boolean tiles = step % TWIN_EVERY != 0;
        net.useVectorTiles(tiles);
        long t0 = System.nanoTime();
        net.trainStep(0); // a learning rate of 0: the scratch weights stay put, and so do its step times
        long t = System.nanoTime() - t0;
        if (!tiles) twin = Math.min(twin, t);
        else if ((faster = t < twin * threads ? faster + 1 : 0) == 2) return true;
      }
      return true;
    }

    /** The most threads a waiting trainer shares its steps among. */
    private int threads() {
      synchronized (WARMUPS) {
        int most = 1;
        for (WeakReference<Network> r : waiting) {
          Network n = r.get();
          if (n != null) most = Math.max(most, n.threads());
        }
        return most;
      }
    }

    private boolean anyUpdated() {
      synchronized (WARMUPS) {
        for (WeakReference<Network> r : waiting) {
          Network n = r.get();
          if (n != null && n.optimizerSteps() > 0) return true;
        }
        return false;
      }
    }

    private boolean anyoneWaiting() {
      synchronized (WARMUPS) {
        waiting.removeIf(r -> r.get() == null);
        return !waiting.isEmpty();
      }
    }

    /** Switches every waiting trainer to the tiles; when {@code warmed}, later trainers of the class start on them. */
    private void finish(boolean warmed) {
      synchronized (WARMUPS) {
        for (WeakReference<Network> r : waiting) {
          Network n = r.get();
          if (n != null) n.useVectorTiles(true);
        }
        waiting.clear();
        WARMUPS.remove(type);
        if (warmed) WARM.add(type);
      }
    }
  }
}
