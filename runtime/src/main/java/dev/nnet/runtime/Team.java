package dev.nnet.runtime;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Threads that share the large products of a training step: the calling thread and {@code size() − 1}
 * persistent helpers. {@link #run} hands every member one part of a task and returns when all parts are
 * done; it creates no thread and allocates nothing.
 *
 * <p>A step dispatches a dozen tasks of 10–200 µs back to back, so a waiting helper spins for a while
 * ({@link #SPIN_NANOS}) before it parks: parking and waking costs 5–20 µs, which the small products could
 * not repay. It parks after that, because a spinning partner collapses when another process wants the
 * core (the codegen study measured 50–150× slower steps).
 *
 * <p>Parts split a task's outputs (rows, columns or parameter ranges) and never share an accumulator, so
 * a result does not depend on how many threads computed it: training is bit-identical for any size.
 */
public final class Team {
  /** What a team runs: part {@code part} of {@code parts} of task {@code task}. A generated trainer implements it. */
  public interface Work {
    void runPart(int task, int part, int parts);
  }

  /** How long an idle member spins before it parks. */
  static final long SPIN_NANOS = 100_000;

  private static final ConcurrentHashMap<Integer, Team> SHARED = new ConcurrentHashMap<>();

  /** The process-wide team of {@code size} threads (the caller included), created on first use; 1 means no helpers. */
  public static Team shared(int size) {
    if (size < 1) throw new IllegalArgumentException("a team needs at least 1 thread, got " + size);
    return SHARED.computeIfAbsent(size, Team::new);
  }

  /** The thread count used when none is given: one per available processor. */
  public static int defaultSize() {
    return Runtime.getRuntime().availableProcessors();
  }

  private final Helper[] helpers;
  private final AtomicInteger pending = new AtomicInteger();
  private volatile Work work;
  private volatile int task;
  private volatile long generation;
  private volatile Thread caller;
  private volatile boolean callerParked;
  private volatile Throwable failure;

  private Team(int size) {
    helpers = new Helper[size - 1];
    for (int i = 0; i < helpers.length; i++) {
      helpers[i] = new Helper(i + 1);
      helpers[i].start();
    }
  }

  public int size() {
    return helpers.length + 1;
  }

  /**
   * Runs every part of {@code task}: part 0 on the calling thread, the others on the helpers. One caller
   * at a time: networks on different threads that share a team take turns.
   */
  public synchronized void run(Work w, int t) {
    if (helpers.length == 0) {
      w.runPart(t, 0, 1);
      return;
    }
    caller = Thread.currentThread();
    work = w;
    task = t;
    failure = null;
    pending.set(helpers.length);
    generation++;                       // publishes work and task to the helpers
    for (Helper h : helpers) if (h.parked) LockSupport.unpark(h);
    Throwable mine = null;
    try {
      w.runPart(t, 0, size());
    } catch (Throwable e) {
      mine = e;
    }
    awaitHelpers();
    work = null;                        // the team must not keep a network alive
    Throwable f = mine != null ? mine : failure;
    if (f instanceof RuntimeException r) throw r;
    if (f instanceof Error e) throw e;
  }

  private void awaitHelpers() {
    long deadline = System.nanoTime() + SPIN_NANOS;
    while (pending.get() != 0) {
      if (System.nanoTime() < deadline) {
        Thread.onSpinWait();
      } else {
        callerParked = true;
        if (pending.get() != 0) LockSupport.park(this);
        callerParked = false;
      }
    }
  }

  private final class Helper extends Thread {
    private final int part;
    volatile boolean parked;
    private long seen;

    Helper(int part) {
      super("nnet-team-" + size() + "-" + part);
      this.part = part;
      setDaemon(true);
    }

    @Override
    public void run() {
      while (true) {
        awaitWork();
        try {
          work.runPart(task, part, size());
        } catch (Throwable e) {
          failure = e;
        }
        if (pending.decrementAndGet() == 0 && callerParked) LockSupport.unpark(caller);
      }
    }

    private void awaitWork() {
      long deadline = System.nanoTime() + SPIN_NANOS;
      while (generation == seen) {
        if (System.nanoTime() < deadline) {
          Thread.onSpinWait();
        } else {
          parked = true;
          if (generation == seen) LockSupport.park(Team.this);
          parked = false;
        }
      }
      seen = generation;
    }
  }
}
