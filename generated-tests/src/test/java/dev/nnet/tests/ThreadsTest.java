package dev.nnet.tests;

import static org.junit.jupiter.api.Assertions.*;

import dev.nnet.NnetCompiler;
import dev.nnet.runtime.*;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Steps shared among threads: the same bits as on one thread, no allocation on any thread. */
class ThreadsTest {
  private static final Path FILE = Path.of("src/test/resources/threads/shared.nnet");
  private static final Path RUNS = Path.of("src/test/resources/threads/runs.nnet");
  private static final Path CNN = Path.of("src/test/resources/threads/cnn.nnet");

  private static NnetCompiler.Compiled compile() {
    return compile(FILE);
  }

  private static NnetCompiler.Compiled compile(Path file) {
    return NnetCompiler.defaults().kernels(NnetCompiler.Kernels.VECTOR).compile(Samples.read(file));
  }

  @Test
  void theGeneratedTrainerSharesItsLargeProducts() {
    String src = NnetCompiler.defaults().kernels(NnetCompiler.Kernels.VECTOR).generate(Samples.read(FILE)).source();
    for (String task : List.of("TASK_DENSE1_FORWARD", "TASK_DENSE1_WEIGHT_GRAD", "TASK_DENSE2_INPUT_GRAD", "TASK_UPDATE_PARTS",
        "TASK_DENSE2_REFRESH_COPIES")) {
      assertTrue(src.contains("split(" + task + ")"), task + " is shared");
    }
    Network net = compile().newNetwork();
    net.setThreads(2);
    assertEquals(2, net.threads());
    net.setThreads(1);
    assertEquals(1, net.threads());
  }

  @Test
  void aConvolutionSharesItsPatchesAndProducts() {
    String src = NnetCompiler.defaults().kernels(NnetCompiler.Kernels.VECTOR).generate(Samples.read(CNN)).source();
    for (String task : List.of("TASK_CONV1_IM2COL", "TASK_CONV2_PRODUCT", "TASK_CONV2_WEIGHT_GRAD", "TASK_CONV2_PATCH_GRAD", "TASK_CONV2_COL2IM",
        "TASK_BATCHNORM1_MEAN", "TASK_BATCHNORM1_INPUT_GRAD", "TASK_MAXPOOL1_FORWARD_SAMPLES", "TASK_MAXPOOL1_BACKWARD_SAMPLES")) {
      assertTrue(src.contains("split(" + task + ")"), task + " is shared");
    }
  }

  @Test
  void aColumnwiseRunBesideASmallProductIsSharedOnItsOwn() {
    String src = NnetCompiler.defaults().kernels(NnetCompiler.Kernels.VECTOR).generate(Samples.read(RUNS)).source();
    assertTrue(src.contains("split(TASK_DROPOUT1_BACKWARD_PARTS)"), "dropout1, relu1, batchnorm1 backward as one shared task");
    assertTrue(src.contains("split(TASK_DENSE1_FORWARD)"), "their forward rides on dense1's parts");
  }

  @Test
  void resultsAreBitIdenticalForAnyThreadCount() {
    for (Path file : List.of(FILE, RUNS, CNN)) {
      double[] one = train(file, 1), two = train(file, 2), three = train(file, 3);
      assertArrayEquals(one, two, 0.0, file + ", 2 threads");
      assertArrayEquals(one, three, 0.0, file + ", 3 threads (uneven parts)");
    }
  }

  private static double[] train(Path file, int threads) {
    Trainer t = compile(file).newTrainer().threads(threads);
    assertEquals(threads, t.network().threads());
    Dataset d = Dataset.random(t.spec(), 400, t.spec().inputSize(), new Rng(5));
    t.fit(d, null, null);
    Arena p = t.network().parameters();
    double[] out = new double[p.size() + 1];
    for (int i = 0; i < p.size(); i++) out[i] = p.get(i);
    out[p.size()] = t.network().evaluate(t.spec().batchSize());
    return out;
  }

  @Test
  void aSharedStepAllocatesNothingOnAnyThread() {
    Network net = compile().newNetwork();
    net.initialize(1);
    net.setThreads(2);
    Dataset d = Dataset.random(net.spec(), 96, net.spec().inputSize(), new Rng(1));
    int[] order = Dataset.identity(d.rows());
    int batch = net.spec().batchSize();
    var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long allocated = -1;
    for (int round = 0; round < 8 && allocated != 0; round++) {
      for (int i = 0; i < 10_000; i++) step(net, d, order, (i % 3) * batch, batch);
      long[] ids = teamThreads();
      assertTrue(ids.length >= 2, "the step runs on the caller and a helper");
      long before = allocated(mx, ids);
      for (int i = 0; i < 1_000; i++) step(net, d, order, (i % 3) * batch, batch);
      allocated = allocated(mx, ids) - before;
    }
    assertEquals(0, allocated, "bytes allocated by 1,000 shared steps on the caller and the helper");
  }

  private static void step(Network net, Dataset d, int[] order, int from, int batch) {
    net.stage(d, order, from, batch, 1f);
    net.trainStep(1e-3);
  }

  /** This thread and the helpers of the 2-thread team. */
  private static long[] teamThreads() {
    List<Long> ids = new ArrayList<>();
    ids.add(Thread.currentThread().getId());
    for (Thread t : Thread.getAllStackTraces().keySet()) if (t.getName().startsWith("nnet-team-2-")) ids.add(t.getId());
    return ids.stream().mapToLong(Long::longValue).toArray();
  }

  /** One thread at a time: the array-returning form would allocate its answer on this thread. */
  private static long allocated(com.sun.management.ThreadMXBean mx, long[] ids) {
    long s = 0;
    for (long id : ids) s += mx.getThreadAllocatedBytes(id);
    return s;
  }
}
