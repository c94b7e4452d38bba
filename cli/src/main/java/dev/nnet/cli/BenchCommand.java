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

  @Mixin
  JsonOption output;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
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
    long firstStepMs = java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime();
    Benchmark.Result r = Benchmark.run(net, data, (float) ns.plan().data().scale(), macs, warmup, seconds);
    if (output.json) {
      out.printf(Locale.ROOT, "{\"model\":\"%s\",\"kernels\":\"%s\",\"threads\":%d,\"batch\":%d,\"synthetic\":%s,\"train_samples_per_s\":%.1f,\"infer_samples_per_s\":%.1f,"
              + "\"gflops\":%.2f,\"infer_gflops\":%.2f,\"alloc_bytes_per_step\":%d,\"trainer_bytes\":%d,\"compile_ms\":%d,\"first_step_ms\":%d}%n",
          ns.modelName(), ns.kernels(), net.threads(), ns.batchSize(), source.startsWith("synthetic"), r.trainSamplesPerSecond(), r.inferSamplesPerSecond(),
          r.trainGflops(), r.inferGflops(), r.allocatedBytesPerStep(), Benchmark.footprint(net), c.compileMillis(), firstStepMs);
    } else {
      out.printf(Locale.ROOT, "train_samples_per_s   %,12.0f   (%.1f GFLOP/s)%n", r.trainSamplesPerSecond(), r.trainGflops());
      out.printf(Locale.ROOT, "infer_samples_per_s   %,12.0f   (%.1f GFLOP/s)%n", r.inferSamplesPerSecond(), r.inferGflops());
      out.printf(Locale.ROOT, "alloc_bytes_per_step  %12d%n", r.allocatedBytesPerStep());
      out.printf(Locale.ROOT, "trainer_bytes         %,12d   (parameters, gradients, optimizer state, activations and the products' copies)%n",
          Benchmark.footprint(net));
      out.printf(Locale.ROOT, "compile_ms            %12d   (.nnet text to a loaded class, this JVM's first compile)%n", c.compileMillis());
      out.printf(Locale.ROOT, "first_step_ms         %12d   (JVM start to the end of the first training step, data loading included)%n", firstStepMs);
    }
    out.flush();
    return 0;
  }
}
