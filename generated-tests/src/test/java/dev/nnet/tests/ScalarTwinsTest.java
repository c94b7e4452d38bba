package dev.nnet.tests;

import static org.junit.jupiter.api.Assertions.*;

import dev.nnet.NnetCompiler;
import dev.nnet.runtime.*;
import dev.nnet.syntax.SourceFile;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The products' scalar twins, which a trainer runs while its vector tiles warm up: the same bits as the tiles,
 * on any thread count and with the switch at any step; and the warm-up that switches a trainer to the tiles.
 */
class ScalarTwinsTest {
  private static final Path RESOURCES = Path.of("src/test/resources");

  private static NnetCompiler vector() {
    return NnetCompiler.defaults().kernels(NnetCompiler.Kernels.VECTOR);
  }

  /** Dense layers with uneven tails (float32), convolutions whose weight gradient runs in k blocks, a float64 residual CNN. */
  private static final List<Path> FILES = List.of(RESOURCES.resolve("threads/shared.nnet"), RESOURCES.resolve("threads/cnn.nnet"),
      RESOURCES.resolve("pytorch/cnn.nnet"));

  @Test
  void theTwinsGiveTheTilesBits() {
    for (Path file : FILES) {
      String source = vector().generate(Samples.read(file)).source();
      assertTrue(source.contains("ScalarTwins.product("), file + " has twins");
      NnetCompiler.Compiled c = vector().compile(Samples.read(file));
      double[] tiles = train(c, 1, -1), twins = train(c, 1, Integer.MAX_VALUE);
      assertArrayEquals(tiles, twins, 0.0, file + ": twins against tiles, one thread");
      assertArrayEquals(tiles, train(c, 2, Integer.MAX_VALUE), 0.0, file + ": twins on two threads");
      assertArrayEquals(tiles, train(c, 3, 5), 0.0, file + ": switched to the tiles after 5 steps, three threads");
    }
  }

  /** Parameters and an evaluation loss after 10 steps on random data; the twins run for the first {@code twinSteps}. */
  private static double[] train(NnetCompiler.Compiled c, int threads, int twinSteps) {
    Network net = c.newNetwork();
    net.setThreads(threads);
    NetworkSpec spec = net.spec();
    net.initialize(spec.plan().seed());
    int b = spec.batchSize();
    Dataset d = Dataset.random(spec, 4 * b, spec.inputSize(), new Rng(5));
    int[] order = Dataset.identity(d.rows());
    for (int s = 0; s < 10; s++) {
      net.useVectorTiles(s >= twinSteps);
      net.stage(d, order, (s % 4) * b, b, 1);
      net.trainStep(spec.plan().learningRate());
    }
    Arena p = net.parameters();
    double[] out = new double[p.size() + 1];
    for (int i = 0; i < p.size(); i++) out[i] = p.get(i);
    net.stage(d, order, 0, b, 1);
    out[p.size()] = net.evaluate(b);
    return out;
  }

  private static final String PROBE = """
      model %s
      input [784]
      network {
        dense(%d) -> relu
        dense(10)
      }
      loss softmax_cross_entropy
      training {
        batch 64
        optimizer adam(lr: 1e-3)
      }
      """;

  private static boolean onTiles(Network net) throws ReflectiveOperationException {
    java.lang.reflect.Field f = net.getClass().getDeclaredField("vectorTiles");
    f.setAccessible(true);
    return f.getBoolean(net);
  }

  @Test
  void aTrainerStartsOnTheTwinsAndSwitchesOnceTheTilesAreWarm() throws Exception {
    System.setProperty(TileWarmup.PROPERTY, "true");
    try {
      NnetCompiler.Compiled c = vector().compile(SourceFile.of("<probe>", PROBE.formatted("WarmupProbe", 256)));
      Network net = c.newNetwork();
      assertFalse(TileWarmup.isWarm(net.getClass()));
      assertFalse(onTiles(net), "a new trainer of a class not yet warm starts on the twins");
      net.initialize(1);
      Dataset d = Dataset.random(net.spec(), 64, 784, new Rng(1));
      net.stage(d, Dataset.identity(64), 0, 64, 1);
      net.trainStep(1e-3); // the first update lets the warm-up start
      long deadline = System.nanoTime() + 120_000_000_000L;
      while (!TileWarmup.isWarm(net.getClass()) && System.nanoTime() < deadline) Thread.sleep(10);
      assertTrue(TileWarmup.isWarm(net.getClass()), "warmed within two minutes");
      assertTrue(onTiles(net), "switched to the tiles");
      assertTrue(onTiles(c.newNetwork()), "a later trainer of a warm class starts on the tiles");
    } finally {
      System.clearProperty(TileWarmup.PROPERTY);
    }
  }

  @Test
  void withoutThePropertyOrBelowAMegabyteTrainersRunTheTiles() throws Exception {
    Network plain = vector().compile(SourceFile.of("<probe>", PROBE.formatted("UnwarmedProbe", 256))).newNetwork();
    assertTrue(onTiles(plain), "no warm-up unless asked for");
    System.setProperty(TileWarmup.PROPERTY, "true");
    try {
      Network small = vector().compile(SourceFile.of("<probe>", PROBE.formatted("SmallProbe", 16))).newNetwork();
      assertTrue(plain.hasScalarTwins() && small.hasScalarTwins());
      assertTrue(Benchmark.footprint(small) < 1 << 20);
      assertTrue(onTiles(small), "a trainer under 1 MB starts fast anyway: on the tiles");
    } finally {
      System.clearProperty(TileWarmup.PROPERTY);
    }
  }
}
