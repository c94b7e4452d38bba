package dev.nnet.tests;

import static org.junit.jupiter.api.Assertions.*;

import dev.nnet.Nnet;
import dev.nnet.NnetCompiler;
import dev.nnet.runtime.*;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Learning on real data, determinism, and the step's allocation-freedom. */
class TrainingTest {

  @ParameterizedTest
  @EnumSource(value = NnetCompiler.Kernels.class, names = {"VECTOR", "PLAIN"})
  void learnsIris(NnetCompiler.Kernels kernels) {
    NnetCompiler.Compiled c = NnetCompiler.defaults().kernels(kernels).compile(Samples.read(Samples.sample("iris.nnet")));
    Trainer t = c.newTrainer();
    DataLoader.Splits data = DataLoader.load(t.spec(), c.dataDirectory());
    TrainingReport r = t.fit(data.train(), null, null);
    Metrics m = t.evaluate(data.train());
    assertEquals(150, m.count());
    assertTrue(m.accuracy() >= 0.95, "Iris accuracy " + m.accuracy());
    assertTrue(r.last().trainLoss() < r.epochs().get(0).trainLoss() / 3, "the loss fell: " + r.epochs().get(0).trainLoss() + " → " + r.last().trainLoss());
  }

  @Test
  void learnsFashionMnistInOneEpoch() {
    Assumptions.assumeTrue(Samples.fashionMnistInstalled(),
        "SKIPPED: Fashion-MNIST is not installed (sudo apt-get install dataset-fashion-mnist, or scripts/setup.sh)");
    Trainer t = Nnet.compile(Samples.sample("fashion-quick.nnet"));
    assertEquals(1, t.spec().plan().epochs());
    TrainingReport r = t.fit();
    assertNotNull(r.test());
    assertEquals(10_000, r.test().count());
    assertTrue(r.test().accuracy() >= 0.85, "Fashion-MNIST test accuracy after one epoch: " + r.test().accuracy());
  }

  @ParameterizedTest
  @EnumSource(value = NnetCompiler.Kernels.class, names = {"VECTOR", "PLAIN"})
  void sameSeedSameWeights(NnetCompiler.Kernels kernels) {
    double[] a = trainedParams(kernels, 3), b = trainedParams(kernels, 3), c = trainedParams(kernels, 4);
    assertArrayEquals(a, b, 0.0, "same seed, bit-identical weights");
    assertFalse(java.util.Arrays.equals(a, c), "another seed, other weights");
  }

  private static double[] trainedParams(NnetCompiler.Kernels kernels, long seed) {
    NnetCompiler.Compiled c = NnetCompiler.defaults().kernels(kernels).compile(Samples.read(Samples.sample("gradcheck/relu-dropout-ce.nnet")));
    Trainer t = c.newTrainer().reinitialize(seed).epochs(3);
    Dataset d = randomSet(t.spec(), 60, seed);
    t.fit(d, null, null);
    Arena p = t.network().parameters();
    double[] out = new double[p.size()];
    for (int i = 0; i < out.length; i++) out[i] = p.get(i);
    return out;
  }

  /** Dropout's draws are hashes of a per-step seed and the unit's index: they must still drop p of the units, fresh each step. */
  @ParameterizedTest
  @EnumSource(value = NnetCompiler.Kernels.class, names = {"VECTOR", "PLAIN"})
  void dropoutDropsTheFractionAskedForAndDrawsAnewEachStep(NnetCompiler.Kernels kernels) {
    String text = "input [50]\nnetwork {\n  dense(300, init: normal(std: 1)) -> dropout(0.3)\n  dense(4)\n}\n"
        + "loss softmax_cross_entropy\ntraining { batch 40 }\n";
    Network net = NnetCompiler.defaults().kernels(kernels).compile(dev.nnet.syntax.SourceFile.of("dropout.nnet", text)).newNetwork();
    net.initialize(2);
    Dataset d = randomSet(net.spec(), 40, 2);
    net.stage(d, Dataset.identity(40), 0, 40, 1f);
    java.util.Set<Integer> dropped = new java.util.HashSet<>();
    int count = 0, steps = 5, n = 40 * 300;
    for (int s = 0; s < steps; s++) {
      net.computeGradients();
      Arena before = net.layerOutput(0), after = net.layerOutput(1);
      for (int i = 0; i < n; i++) {
        if (after.get(i) == 0) {
          count++;
          dropped.add(i);
        } else {
          assertEquals(before.get(i) / 0.7, after.get(i), 1e-5 * Math.abs(after.get(i)), "kept units are scaled by 1/(1 - p)");
        }
      }
    }
    double fraction = count / (double) (steps * n);
    assertEquals(0.3, fraction, 0.01, "fraction dropped");  // σ ≈ 0.002 over 60,000 draws
    assertTrue(dropped.size() > 0.3 * n * 1.5, "other units are dropped at other steps: " + dropped.size() + " distinct of " + n);
    net.evaluate(40);
    for (int i = 0; i < n; i++) assertEquals(net.layerOutput(0).get(i), net.layerOutput(1).get(i), 0.0, "evaluation keeps every unit");
  }

  static Dataset randomSet(NetworkSpec spec, int rows, long seed) {
    return Dataset.random(spec, rows, spec.inputSize(), new Rng(seed));
  }

  static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> allocationCases() {
    return java.util.stream.Stream.of("relu-dropout-ce", "residual", "layernorm-prelu", "softmax-maxout", "losses", "unfreeze")
        .flatMap(s -> java.util.stream.Stream.of(NnetCompiler.Kernels.VECTOR, NnetCompiler.Kernels.PLAIN)
            .map(k -> org.junit.jupiter.params.provider.Arguments.of(s, k)));
  }

  /** Every operation, both kernel paths: after warm-up, a step allocates nothing. */
  @ParameterizedTest(name = "{0} {1}")
  @org.junit.jupiter.params.provider.MethodSource("allocationCases")
  void aTrainingStepAllocatesNothing(String sample, NnetCompiler.Kernels kernels) {
    NnetCompiler.Compiled c = NnetCompiler.defaults().kernels(kernels).compile(Samples.read(Samples.sample("gradcheck/" + sample + ".nnet")));
    Network net = c.newNetwork();
    net.initialize(1);
    // unfreeze.nnet: one phase on (its layers gated in), one off (its layers still frozen), and layers frozen throughout
    if (!net.spec().plan().unfreezes().isEmpty()) net.setLearning(1, true, 0);
    Dataset d = randomSet(net.spec(), 60, 1);
    int[] order = Dataset.identity(d.rows());
    int batch = net.spec().batchSize(), steps = d.rows() / batch;
    var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    // C2 compiles in the background, so the steady state arrives at no fixed step: warm up, measure, and
    // warm up more while anything is still allocated (the Vector API allocates until its code is compiled);
    // on a loaded machine the compiler thread may get little time, so the rounds go on for up to a minute
    long allocated = -1, deadline = System.nanoTime() + 60_000_000_000L;
    for (int round = 0; allocated != 0 && (round < 8 || System.nanoTime() < deadline); round++) {
      for (int i = 0; i < 20_000; i++) step(net, d, order, (i % steps) * batch, batch);
      long before = threads.getCurrentThreadAllocatedBytes();
      for (int i = 0; i < 1_000; i++) step(net, d, order, (i % steps) * batch, batch);
      allocated = threads.getCurrentThreadAllocatedBytes() - before;
    }
    assertEquals(0, allocated, "bytes allocated by 1,000 training steps, after warm-up");
  }

  private static void step(Network net, Dataset d, int[] order, int from, int batch) {
    net.stage(d, order, from, batch, 1f);
    net.trainStep(1e-3);
    net.correct(batch);
  }
}
