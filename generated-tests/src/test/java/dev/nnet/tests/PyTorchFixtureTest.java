package dev.nnet.tests;

import static org.junit.jupiter.api.Assertions.*;

import dev.nnet.NnetCompiler;
import dev.nnet.runtime.*;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * nnet against PyTorch 1.13 without PyTorch: bench/pytorch/make_fixtures.sh trained a CNN (conv, per-channel
 * batchnorm, maxpool, a residual block with a stride-2 projection shortcut, avgpool, dense) for 40 float64 steps
 * on the first Fashion-MNIST images in file order and kept its initial weights and each step's loss and
 * gradient norm. nnet, from those weights on the same batches, must agree to 1e-9 relative at every step.
 */
class PyTorchFixtureTest {
  static final Path FIXTURES = Path.of("src/test/resources/pytorch");

  @Test
  void aCnnTrainsStepForStepAsPyTorchDoes() throws Exception {
    Assumptions.assumeTrue(Samples.fashionMnistInstalled(), "SKIPPED: Fashion-MNIST is not installed (scripts/setup.sh)");
    List<double[]> torch = new ArrayList<>();
    for (String line : Files.readAllLines(FIXTURES.resolve("cnn-steps.txt"))) {
      String[] f = line.trim().split("\\s+");
      torch.add(new double[] {Double.parseDouble(f[1]), Double.parseDouble(f[2])});
    }
    assertTrue(torch.size() >= 30, "at least 30 steps");
    for (NnetCompiler.Kernels k : Samples.kernels()) {
      NnetCompiler.Compiled c = NnetCompiler.defaults().kernels(k).compile(Samples.read(FIXTURES.resolve("cnn.nnet")));
      List<double[]> ours = new ArrayList<>();
      Trainer t = c.newTrainer().maxSteps(torch.size()).importWeights(FIXTURES.resolve("cnn-init.npz")).listener(new TrainingListener() {
        @Override
        public boolean wantsStepDetail(long step) {
          return true;
        }

        @Override
        public void onStepDetail(int epoch, long step, double batchLoss, double gradientNorm, double learningRate) {
          ours.add(new double[] {batchLoss, gradientNorm});
        }
      });
      t.fit(DataLoader.load(t.spec(), c.dataDirectory()).train(), null, null);
      assertEquals(torch.size(), ours.size(), "steps");
      for (int s = 0; s < torch.size(); s++) {
        double[] a = torch.get(s), b = ours.get(s);
        assertEquals(a[0], b[0], 1e-9 * Math.abs(a[0]), k + " step " + s + ": loss");
        assertEquals(a[1], b[1], 1e-9 * Math.abs(a[1]), k + " step " + s + ": gradient norm");
      }
    }
  }
}
