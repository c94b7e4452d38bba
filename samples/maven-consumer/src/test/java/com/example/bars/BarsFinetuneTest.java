package com.example.bars;

import static org.junit.jupiter.api.Assertions.*;

import dev.nnet.runtime.DataLoader;
import dev.nnet.runtime.Metrics;
import dev.nnet.runtime.Npz;
import dev.nnet.runtime.ParamTensor;
import dev.nnet.runtime.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fine-tuning trainer generated at build time: loads the base weights, keeps the frozen ones, unfreezes on time, in bf16. */
class BarsFinetuneTest {

  static double[] tensor(Trainer t, String name) {
    ParamTensor p = t.spec().tensor(name);
    double[] v = new double[p.size()];
    for (int i = 0; i < v.length; i++) v[i] = t.network().parameters().get(p.offset() + i);
    return v;
  }

  @Test
  void fineTunesFromTheBaseWeights(@TempDir Path dir) throws Exception {
    BarsNetTest.writeBars(dir, new Random(2), 320);
    Path base = Path.of("src/main/nnet/com/example/bars/bars-base.npz");
    Files.copy(base, dir.resolve("bars-base.npz"));
    Map<String, Npz.Array> file = Npz.read(base);

    Trainer trainer = new Trainer(new BarsFinetune()).dataDirectory(dir);
    assertEquals("bf16", trainer.spec().mixed(), "generated with bf16 products: " + trainer.spec().kernels());
    double[][] conv2AfterEpoch = new double[5][];
    trainer.listener(new dev.nnet.runtime.TrainingListener() {
      @Override
      public void onEpoch(dev.nnet.runtime.EpochResult e) {
        conv2AfterEpoch[e.epoch()] = tensor(trainer, "conv2.weight");
      }
    });
    DataLoader.Splits data = DataLoader.load(trainer.spec(), dir);
    trainer.fit(data.train(), null, null);

    for (String name : new String[] {"conv1.weight", "conv1.bias", "batchnorm1.weight", "batchnorm1.running_var"}) {
      double[] want = file.get(name).data(), got = tensor(trainer, name);
      assertArrayEquals(want, got, 1e-7, name + " stays at bars-base.npz's values");
    }
    assertArrayEquals(file.get("conv2.weight").data(), conv2AfterEpoch[2], 1e-7, "conv2 frozen through epoch 2");
    assertFalse(java.util.Arrays.equals(conv2AfterEpoch[2], conv2AfterEpoch[4]), "conv2 learns from epoch 3");
    Metrics m = trainer.evaluate(data.train());
    assertTrue(m.accuracy() >= 0.95, "accuracy " + m.accuracy());
  }
}
