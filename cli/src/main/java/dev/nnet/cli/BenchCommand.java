package dev.nnet.cli;

import dev.nnet.NnetCompiler;
import dev.nnet.analysis.Op;
import dev.nnet.runtime.*;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "bench", header = "Measure samples/s and GFLOP/s of the generated trainer.", description = "Measures the generated trainer (on --threads N threads): training and inference samples/s, GFLOP/s (2 flops per multiply-add; training counts 3x the forward multiply-adds), bytes allocated per step, the compile time from .nnet text to a ready class, and the time from JVM start to the end of the first training step. The JIT warm-up is run first and discarded. Uses the file's training data when it is available, otherwise random data of the right shape (and says so).")
final class BenchCommand implements Callable<Integer> {
  @Mixin
  Common common;

  @Mixin
  ThreadsOption threads;

  @Option(names = "--seconds", paramLabel = "S", description = "how long to measure training, and then inference (default: ${DEFAULT-VALUE})")
  double seconds = 5;

  @Option(names = "--warmup", paramLabel = "S", description = "seconds of warm-up, discarded (default: ${DEFAULT-VALUE})")
  double warmup = 6;

  @Option(names = "--latency", description = "measure instead the JDK-only predictor (nnet generate --inference) on one sample at a time: "
      + "p50 and p99 latency over --calls calls, after as many warm-up calls, and the bytes each call allocates")
  boolean latency;

  @Option(names = "--online", description = "measure instead online training from application code: Trainer.trainBatch on one batch at a time "
      + "(samples/s over --seconds after --warmup), and its overhead per call over the generated step alone")
  boolean online;

  @Option(names = "--calls", paramLabel = "N", description = "calls timed by --latency (default: ${DEFAULT-VALUE})")
  int calls = 100_000;

  @Mixin
  JsonOption output;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
    java.lang.management.RuntimeMXBean jvm = java.lang.management.ManagementFactory.getRuntimeMXBean();
    long startMs = jvm.getUptime(); // what the first step waits for, in order: the JVM and the command line, the compile, the data
    NnetCompiler.Compiled c = common.compileReadingData(err);
    Network net = c.newNetwork();
    threads.applyTo(net);
    NetworkSpec ns = net.spec();
    net.initialize(ns.plan().seed());
    Dataset data;
    String source;
    try {
      data = c.data().train();
      source = data.name() + " (" + data.rows() + " samples)";
    } catch (NnetException e) {
      // enough rows that the network cannot learn them by heart: a memorized random set drives the
      // gradients into subnormal numbers, which x86 computes 10-100x slower, and the figure would measure that
      int rows = Math.max(ns.batchSize() * 64, Math.min(1 << 17, (1 << 24) / ns.inputSize()));
      data = Dataset.random(ns, rows, ns.inputSize(), new Rng(1));
      source = "synthetic: the file's data is not available (" + e.getMessage() + ")";
    }
    long dataMs = jvm.getUptime();
    if (latency) return latency(c, data, source, out, err);
    if (online) return online(c, data, source, out, err);
    long macs = 0;
    for (Op op : c.model().layers()) macs += op.multiplyAdds();
    if (!output.json) {
      err.printf("benchmarking %s: batch %d, %s, %s kernels, %d thread%s; data: %s%n", ns.modelName(), ns.batchSize(),
          ns.mixed().isEmpty() ? ns.precision().keyword() : "mixed(" + ns.mixed() + ")", ns.kernels(), net.threads(), net.threads() == 1 ? "" : "s", source);
      err.flush();
    }
    // start-up as a user meets it: JVM start, .nnet compile, data loaded, first training step done
    net.stage(data, Dataset.identity(data.rows()), 0, Math.min(ns.batchSize(), data.rows()), (float) ns.plan().data().scale());
    net.trainStep(ns.plan().learningRate());
    long firstStepMs = jvm.getUptime();
    Benchmark.Result r = Benchmark.run(net, data, (float) ns.plan().data().scale(), macs, warmup, seconds);
    if (output.json) {
      out.printf(Locale.ROOT, "{\"model\":\"%s\",\"kernels\":\"%s\",\"threads\":%d,\"batch\":%d,\"synthetic\":%s,\"train_samples_per_s\":%.1f,\"infer_samples_per_s\":%.1f,"
              + "\"gflops\":%.2f,\"infer_gflops\":%.2f,\"alloc_bytes_per_step\":%d,\"trainer_bytes\":%d,\"start_ms\":%d,\"compile_ms\":%d,\"data_ready_ms\":%d,\"first_step_ms\":%d}%n",
          ns.modelName(), ns.kernels(), net.threads(), ns.batchSize(), source.startsWith("synthetic"), r.trainSamplesPerSecond(), r.inferSamplesPerSecond(),
          r.trainGflops(), r.inferGflops(), r.allocatedBytesPerStep(), Benchmark.footprint(net), startMs, c.compileMillis(), dataMs, firstStepMs);
    } else {
      out.printf(Locale.ROOT, "train_samples_per_s   %,12.0f   (%.1f GFLOP/s)%n", r.trainSamplesPerSecond(), r.trainGflops());
      out.printf(Locale.ROOT, "infer_samples_per_s   %,12.0f   (%.1f GFLOP/s)%n", r.inferSamplesPerSecond(), r.inferGflops());
      out.printf(Locale.ROOT, "alloc_bytes_per_step  %12d%n", r.allocatedBytesPerStep());
      out.printf(Locale.ROOT, "trainer_bytes         %,12d   (parameters, gradients, optimizer state, activations and the products' copies)%n",
          Benchmark.footprint(net));
      out.printf(Locale.ROOT, "start_ms              %12d   (JVM start to the command's first line)%n", startMs);
      out.printf(Locale.ROOT, "compile_ms            %12d   (.nnet text to a loaded class, this JVM's first compile)%n", c.compileMillis());
      out.printf(Locale.ROOT, "data_ready_ms         %12d   (JVM start to the training data read and preprocessed; read while compiling)%n", dataMs);
      out.printf(Locale.ROOT, "first_step_ms         %12d   (JVM start to the end of the first training step, data loading included)%n", firstStepMs);
    }
    out.flush();
    return 0;
  }

  /**
   * A trainer after one step on {@code data}: its preprocessing is fitted, as a trained model's checkpoint holds it.
   * A few of the rows stand in for validation data, which a file's early stopping or plateau schedule may ask for.
   */
  private Trainer trainedOneStep(NnetCompiler.Compiled c, Dataset data) {
    Trainer t = c.newTrainer().maxSteps(1);
    threads.applyTo(t.network());
    t.fit(data, data.select("validation", Dataset.identity(Math.min(data.rows(), 256))), null);
    return t;
  }

  /**
   * The predictor's one-sample latency: a model trained one step (so its checkpoint holds the fitted
   * preprocessing, as a trained model's does), its predictor generated and loaded, then {@link #calls} timed
   * calls on rows of the data after as many untimed ones.
   */
  private Integer latency(NnetCompiler.Compiled c, Dataset data, String source, PrintWriter out, PrintWriter err) {
    Options.atLeastOne(spec, "--calls", calls);
    NetworkSpec ns = c.spec();
    Trainer t = trainedOneStep(c, data);
    try {
      java.nio.file.Path ckpt = java.nio.file.Files.createTempFile("nnet-latency", ".ckpt");
      byte[] bytes;
      try {
        t.save(ckpt);
        bytes = java.nio.file.Files.readAllBytes(ckpt);
      } finally {
        java.nio.file.Files.deleteIfExists(ckpt);
      }
      var g = c.generated();
      String name = "dev.nnet.latency." + g.model().name() + "Predictor";
      int lanes = common.kernels == NnetCompiler.Kernels.VECTOR ? g.lanes() : 0; // the predictor is plain Java unless asked
      Class<?> type = dev.nnet.compile.JaninoCompiler.compile(name,
          dev.nnet.emit.PredictorEmitter.emit(g.model(), g.layout(), "dev.nnet.latency", false, lanes).toString()).type();
      Object predictor = type.getMethod("load", java.io.InputStream.class).invoke(null, new java.io.ByteArrayInputStream(bytes));
      java.lang.invoke.MethodHandle predict = java.lang.invoke.MethodHandles.publicLookup()
          .findVirtual(type, "predict", java.lang.invoke.MethodType.methodType(void.class, float[].class, float[].class))
          .asType(java.lang.invoke.MethodType.methodType(void.class, Object.class, float[].class, float[].class));
      int width = data.featureSize(), rows = Math.min(data.rows(), 1024);
      float[][] inputs = new float[rows][];
      for (int i = 0; i < rows; i++) inputs[i] = java.util.Arrays.copyOfRange(data.features(), i * width, (i + 1) * width);
      float[] dst = new float[ns.outputSize()];
      if (!output.json) {
        err.printf("latency of %sPredictor (%s, one sample a call): %,d calls after %,d warm-up calls; data: %s%n", g.model().name(),
            lanes > 0 ? "Vector API kernels" : "JDK only, plain Java", calls, calls, source);
        err.flush();
      }
      for (int i = 0; i < calls; i++) predict.invokeExact(predictor, inputs[i % rows], dst);
      long[] nanos = new long[calls];
      var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
      long allocated = threads.getCurrentThreadAllocatedBytes();
      for (int i = 0; i < calls; i++) {
        long t0 = System.nanoTime();
        predict.invokeExact(predictor, inputs[i % rows], dst);
        nanos[i] = System.nanoTime() - t0;
      }
      allocated = threads.getCurrentThreadAllocatedBytes() - allocated;
      java.util.Arrays.sort(nanos);
      double p50 = nanos[calls / 2] / 1e3, p99 = nanos[(int) Math.min(calls - 1, (long) calls * 99 / 100)] / 1e3;
      double total = 0;
      for (long n : nanos) total += n;
      double perSecond = calls / (total * 1e-9);
      if (output.json) {
        out.printf(Locale.ROOT, "{\"model\":\"%s\",\"predictor_p50_us\":%.2f,\"predictor_p99_us\":%.2f,\"predictor_calls_per_s\":%.1f,\"alloc_bytes_per_call\":%d,\"calls\":%d}%n",
            ns.modelName(), p50, p99, perSecond, allocated / calls, calls);
      } else {
        out.printf(Locale.ROOT, "predictor_p50_us      %12.2f%n", p50);
        out.printf(Locale.ROOT, "predictor_p99_us      %12.2f%n", p99);
        out.printf(Locale.ROOT, "predictor_calls_per_s %,12.0f   (one sample a call, on this thread)%n", perSecond);
        out.printf(Locale.ROOT, "alloc_bytes_per_call  %12d%n", allocated / calls);
      }
      out.flush();
      return 0;
    } catch (Throwable e) {
      if (e instanceof RuntimeException r) throw r;
      throw new IllegalStateException("the latency measurement failed: " + e, e);
    }
  }

  /**
   * Online training as an application does it: a {@link Trainer} handed one batch at a time
   * ({@link Trainer#trainBatch}), against the generated step alone on the same rows (staging and step, as the
   * training figure measures), so the difference is what the API costs per call.
   */
  private Integer online(NnetCompiler.Compiled c, Dataset data, String source, PrintWriter out, PrintWriter err) {
    NetworkSpec ns = c.spec();
    if (ns.task() != NetworkSpec.Task.CLASSIFICATION) throw new NnetException("--online measures classifiers (Trainer.trainBatch takes class labels)", null);
    boolean plain = ns.plan().data().preprocess().kind().equals("none");
    Trainer t = plain ? c.newTrainer() : trainedOneStep(c, data); // trainBatch needs the fitted preprocessing
    threads.applyTo(t.network());
    // every row of the data set in turn (a few hundred batches over and over would be memorized), within 64 MB
    int b = ns.batchSize(), raw = data.featureSize(), batches = Math.max(1, Math.min(data.rows() / b, (16 << 20) / (b * raw)));
    float[][][] x = new float[batches][b][];
    int[][] y = new int[batches][b];
    for (int k = 0; k < batches; k++) {
      for (int r = 0; r < b; r++) {
        int row = k * b + r;
        x[k][r] = java.util.Arrays.copyOfRange(data.features(), row * raw, (row + 1) * raw);
        y[k][r] = data.labels()[row];
      }
    }
    if (!output.json) {
      err.printf("online training of %s: Trainer.trainBatch, %d rows a call; data: %s%n", ns.modelName(), b, source);
      err.flush();
    }
    // the two alternate in chunks of 100 calls, timed apart, so both meet the same state of the JIT and of the
    // weights (a network that has memorized its rows computes on subnormal numbers, which is slower)
    Network net = t.network();
    int[] order = Dataset.identity(data.rows());
    float scale = (float) ns.plan().data().scale();
    double lr = ns.plan().learningRate();
    long apiNanos = 0, stepNanos = 0, apiCalls = 0, stepCalls = 0, k = 0;
    long measureFrom = System.nanoTime() + (long) (warmup * 1e9), end = measureFrom + (long) (seconds * 1e9);
    while (true) {
      long t0 = System.nanoTime();
      // on a slow machine a single chunk can outlast a short window: stop only once both kinds were timed
      if (t0 >= end && apiCalls > 0 && (!plain || stepCalls > 0)) break;
      boolean measured = t0 >= measureFrom;
      for (int i = 0; i < 100; i++, k++) t.trainBatch(x[(int) (k % batches)], y[(int) (k % batches)]);
      long t1 = System.nanoTime();
      if (measured) {
        apiNanos += t1 - t0;
        apiCalls += 100;
      }
      if (!plain) continue;
      for (int i = 0; i < 100; i++, k++) {
        net.stage(data, order, (int) (k % batches) * b, b, scale);
        net.trainStep(lr);
      }
      if (measured) {
        stepNanos += System.nanoTime() - t1;
        stepCalls += 100;
      }
    }
    double apiRate = apiCalls / (apiNanos * 1e-9), stepRate = plain ? stepCalls / (stepNanos * 1e-9) : Double.NaN;
    var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    for (int i = 0; i < 1000; i++) t.trainBatch(x[i % batches], y[i % batches]);
    long allocated = (threads.getCurrentThreadAllocatedBytes() - before) / 1000;
    double overheadNs = Double.isNaN(stepRate) ? Double.NaN : 1e9 / apiRate - 1e9 / stepRate;
    if (output.json) {
      out.printf(Locale.ROOT, "{\"model\":\"%s\",\"batch\":%d,\"online_samples_per_s\":%.1f,\"step_samples_per_s\":%s,\"overhead_ns_per_call\":%s,\"alloc_bytes_per_call\":%d}%n",
          ns.modelName(), b, apiRate * b, Double.isNaN(stepRate) ? "null" : String.format(Locale.ROOT, "%.1f", stepRate * b),
          Double.isNaN(overheadNs) ? "null" : String.format(Locale.ROOT, "%.0f", overheadNs), allocated);
    } else {
      out.printf(Locale.ROOT, "online_samples_per_s  %,12.0f   (Trainer.trainBatch, %d rows a call)%n", apiRate * b, b);
      if (!Double.isNaN(stepRate)) {
        out.printf(Locale.ROOT, "step_samples_per_s    %,12.0f   (the generated step alone, same rows)%n", stepRate * b);
        out.printf(Locale.ROOT, "overhead_ns_per_call  %12.0f   (copying the rows in, checks)%n", overheadNs);
      }
      out.printf(Locale.ROOT, "alloc_bytes_per_call  %12d%n", allocated);
    }
    out.flush();
    return 0;
  }
}
