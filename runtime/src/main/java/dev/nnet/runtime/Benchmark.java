package dev.nnet.runtime;

import java.lang.management.ManagementFactory;

/**
 * Measures a network's steady-state speed: training steps and evaluation-mode forward passes, after a
 * JIT warm-up that is discarded. GFLOP/s counts 2 flops per multiply-add and, for training, three times
 * the forward multiply-adds (forward, input gradient, weight gradient), the convention PyTorch figures
 * are quoted in.
 */
public final class Benchmark {
  private Benchmark() {}

  /**
   * @param forwardMacsPerSample multiply-adds of one sample's forward pass
   * @param allocatedBytesPerStep bytes the training loop allocated per step while measured (-1 if unknown)
   */
  public record Result(double trainSamplesPerSecond, double inferSamplesPerSecond, double trainGflops, double inferGflops,
                       long allocatedBytesPerStep, long forwardMacsPerSample, long trainSteps, long inferBatches) {}

  /**
   * The bytes of the arrays a trainer holds (parameters, gradients, optimizer state, activations, their
   * gradients, and the copies its products read): what a step's passes range over. Array headers left out.
   */
  public static long footprint(Network net) {
    long bytes = 0;
    for (Class<?> c = net.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
      for (java.lang.reflect.Field f : c.getDeclaredFields()) {
        if (java.lang.reflect.Modifier.isStatic(f.getModifiers()) || !f.getType().isArray()) continue;
        try {
          f.setAccessible(true);
          bytes += arrayBytes(f.get(net));
        } catch (ReflectiveOperationException | RuntimeException e) {
          // a field this JVM will not show: left out
        }
      }
    }
    return bytes;
  }

  private static long arrayBytes(Object a) {
    if (a == null) return 0;
    Class<?> t = a.getClass().getComponentType();
    int n = java.lang.reflect.Array.getLength(a);
    if (!t.isPrimitive()) {
      long sum = 0;
      for (int i = 0; i < n; i++) sum += arrayBytes(java.lang.reflect.Array.get(a, i));
      return sum;
    }
    int width = t == double.class || t == long.class ? 8 : t == float.class || t == int.class ? 4 : t == short.class || t == char.class ? 2 : 1;
    return (long) n * width;
  }

  public static Result run(Network net, Dataset data, float scale, long forwardMacsPerSample, double warmupSeconds, double seconds) {
    NetworkSpec spec = net.spec();
    int b = spec.batchSize();
    int steps = Math.max(1, data.rows() / b);
    int[] order = Dataset.identity(data.rows());
    new Rng(1).shuffle(order);
    double lr = spec.plan().learningRate();
    // warm-up: C2 compiles each method after some thousands of calls. Until it has, the Vector API code
    // runs in C1, boxes every vector and allocates; so the warm-up goes on, a second at a time (at most 30
    // more), while a step still allocates: kernels called once per step (a leftover tile) reach C2 last.
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long end = System.nanoTime() + (long) (warmupSeconds * 1e9), cap = end + 30_000_000_000L;
    long bytes = threads.getCurrentThreadAllocatedBytes();
    for (int i = 0; ; i++) {
      net.stage(data, order, (i % steps) * b, b, scale);
      net.trainStep(lr);
      net.evaluate(b);
      long now = System.nanoTime();
      if (now < end) continue;
      long allocated = threads.getCurrentThreadAllocatedBytes() - bytes;
      if (allocated == 0 || now > cap) break;
      bytes += allocated;
      end = now + 1_000_000_000L;
    }
    long bytes0 = threads.getCurrentThreadAllocatedBytes();
    long t0 = System.nanoTime(), trainSteps = 0;
    end = t0 + (long) (seconds * 1e9);
    while (System.nanoTime() < end) {
      for (int k = 0; k < 16; k++, trainSteps++) {
        net.stage(data, order, (int) (trainSteps % steps) * b, b, scale);
        net.trainStep(lr);
      }
    }
    double trainSeconds = (System.nanoTime() - t0) * 1e-9;
    long allocated = (threads.getCurrentThreadAllocatedBytes() - bytes0) / trainSteps;
    long t1 = System.nanoTime(), batches = 0;
    end = t1 + (long) (seconds * 1e9);
    while (System.nanoTime() < end) {
      for (int k = 0; k < 16; k++, batches++) {
        net.stage(data, order, (int) (batches % steps) * b, b, scale);
        net.evaluate(b);
      }
    }
    double inferSeconds = (System.nanoTime() - t1) * 1e-9;
    double trainSps = trainSteps * b / trainSeconds, inferSps = batches * b / inferSeconds;
    return new Result(trainSps, inferSps, trainSps * 6.0 * forwardMacsPerSample * 1e-9, inferSps * 2.0 * forwardMacsPerSample * 1e-9,
        allocated, forwardMacsPerSample, trainSteps, batches);
  }
}
