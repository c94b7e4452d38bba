package dev.nnet.tests;

import static org.junit.jupiter.api.Assertions.*;

import dev.nnet.NnetCompiler;
import dev.nnet.runtime.*;
import dev.nnet.syntax.SourceFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training loop: early stopping, schedules across resumes, per-step logs, checkpoint cadence. */
class TrainingLoopTest {
  @TempDir
  Path dir;

  static NnetCompiler.Compiled compile(String text) {
    return NnetCompiler.defaults().compile(new SourceFile("loop.nnet", text, java.nio.file.Path.of("target"))); // its data comes from Java
  }

  static Dataset random(NetworkSpec spec, int rows, long seed) {
    return TrainingTest.randomSet(spec, rows, seed);
  }

  static final String OVERFITS = """
      input [10]
      network {
        dense(128) -> relu
        dense(3)
      }
      loss softmax_cross_entropy
      training {
        batch 16
        epochs 60
        optimizer adam(lr: 0.01)
        early_stopping(monitor: val_loss, patience: 3, restore_best: true)
      }
      data {
        train csv("unused.csv")
        validation 0.2
      }
      """;

  @Test
  void earlyStoppingStopsAndRestoresTheBestEpoch() {
    NnetCompiler.Compiled c = compile(OVERFITS);
    Trainer t = c.newTrainer();
    Dataset train = random(t.spec(), 64, 1), val = random(t.spec(), 64, 2); // unrelated labels: memorizing hurts validation
    List<Double> valLosses = new ArrayList<>();
    t.listener(new TrainingListener() {
      @Override
      public void onEpoch(EpochResult r) {
        valLosses.add(r.validation().loss());
      }
    });
    TrainingReport r = t.fit(train, val, null);
    assertTrue(r.stoppedEarly(), "stopped early");
    assertEquals(r.bestEpoch() + 3, r.epochs().size(), "three epochs without improvement after the best");
    double best = valLosses.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
    assertEquals(best, valLosses.get(r.bestEpoch() - 1));
    assertEquals(best, t.evaluate(val).loss(), 0.0, "the best epoch's weights are back");
  }

  static final String SCHEDULED = """
      input [4]
      network {
        dense(16) -> tanh
        dense(3)
      }
      loss softmax_cross_entropy
      training {
        batch 8
        epochs 8
        optimizer sgd(lr: 0.2, momentum: 0.9)
        schedule warmup(steps: 7, from: 0.01) then plateau(monitor: val_loss, patience: 0, factor: 0.5)
        early_stopping(monitor: val_accuracy, patience: 100, restore_best: true)
      }
      data {
        train csv("data/iris.csv", label: "species")
        validation 0.2
      }
      """;

  @Test
  void resumingMidScheduleIsBitIdentical() {
    // the text sits, as it were, in samples/, so data/iris.csv resolves
    NnetCompiler.Compiled c = NnetCompiler.defaults().compile(new SourceFile("scheduled.nnet", SCHEDULED, Samples.repo().resolve("samples")));
    Trainer straight = c.newTrainer();
    straight.fit();
    Path ckpt = dir.resolve("half.ckpt");
    Trainer first = c.newTrainer().epochs(4);
    first.fit();
    first.save(ckpt);
    Trainer resumed = c.newTrainer().load(ckpt).epochs(8);
    resumed.fit();
    Arena a = straight.network().parameters(), b = resumed.network().parameters();
    for (int i = 0; i < a.size(); i++) assertEquals(a.get(i), b.get(i), 0.0, "parameter " + i);
  }

  @Test
  void divergenceStopsWithTheStepAndLayerAndKeepsTheLastGoodCheckpoint() {
    String sane = SCHEDULED.replace("dense(16) -> tanh", "dense(16) -> relu").replace("loss softmax_cross_entropy", "loss mse")
        .replace("optimizer sgd(lr: 0.2, momentum: 0.9)", "optimizer sgd(lr: 0.01)")
        .replace("schedule warmup(steps: 7, from: 0.01) then plateau(monitor: val_loss, patience: 0, factor: 0.5)", "schedule constant");
    Path samples = Samples.repo().resolve("samples");
    Path ckpt = dir.resolve("good.ckpt");
    NnetCompiler.Compiled good = NnetCompiler.defaults().compile(new SourceFile("sane.nnet", sane, samples));
    Trainer first = good.newTrainer().epochs(1).checkpointTo(ckpt);
    first.fit();
    // the same layers with an absurd learning rate: the checkpoint fits, and the second epoch diverges
    String absurd = sane.replace("optimizer sgd(lr: 0.01)", "optimizer sgd(lr: 1e12)");
    NnetCompiler.Compiled bad = NnetCompiler.defaults().compile(new SourceFile("absurd.nnet", absurd, samples));
    Trainer t = bad.newTrainer().load(ckpt).checkpointTo(ckpt);
    TrainingException e = assertThrows(TrainingException.class, t::fit);
    assertTrue(e.getMessage().matches("the loss became (NaN|Infinity) at step \\d+ \\(epoch 2\\); the first layer with non-finite values is 'dense1 \\(output\\)'.*"), e.getMessage());
    assertTrue(e.getMessage().endsWith("the last checkpoint (" + ckpt + ") is from before it and is kept"), e.getMessage());
    Trainer restored = good.newTrainer().load(ckpt);
    assertEquals(1, restored.epochsDone());
    Arena a = first.network().parameters(), b = restored.network().parameters();
    for (int i = 0; i < a.size(); i++) assertEquals(a.get(i), b.get(i), 0.0, "the checkpoint still holds the first epoch's weights");
  }

  @Test
  void stepLogsCarryTheStepsOwnLossRateAndGradientNorm() {
    NnetCompiler.Compiled c = compile(SCHEDULED.replace("data/iris.csv", "x.csv"));
    Trainer t = c.newTrainer().maxSteps(9);
    List<double[]> logged = new ArrayList<>();
    t.listener(new TrainingListener() {
      @Override
      public boolean wantsStepDetail(long step) {
        return true;
      }

      @Override
      public void onStepDetail(int epoch, long step, double loss, double norm, double lr) {
        logged.add(new double[] {step, epoch, loss, norm, lr});
      }
    });
    Dataset d = random(t.spec(), 40, 3);
    t.fit(d, random(t.spec(), 16, 4), null);
    assertEquals(9, logged.size());
    for (int i = 0; i < 9; i++) {
      assertEquals(i, logged.get(i)[0], "steps count from 0");
      assertEquals(i < 5 ? 1 : 2, logged.get(i)[1], "5 steps per epoch");
      assertTrue(logged.get(i)[3] > 0 && Double.isFinite(logged.get(i)[3]));
    }
    assertEquals(0.01, logged.get(0)[4], 1e-15, "the warm-up starts at 'from'");
    assertEquals(0.01 + (0.2 - 0.01) * 3 / 7, logged.get(3)[4], 1e-15);
    assertEquals(0.2, logged.get(7)[4], 1e-15, "then the plateau stage at the full rate");
  }

  /** Online training from application code: trainBatch is the generated step on those rows, and refuses a wrong batch. */
  @org.junit.jupiter.api.Test
  void trainBatchIsOneStepOnTheRowsItIsGiven() {
    dev.nnet.NnetCompiler.Compiled c = dev.nnet.NnetCompiler.defaults().compile(Samples.read(Samples.sample("tabular.nnet")));
    dev.nnet.runtime.Trainer online = c.newTrainer();
    dev.nnet.runtime.Network direct = c.newNetwork();
    direct.initialize(online.spec().plan().seed());
    java.util.Random r = new java.util.Random(4);
    float[] all = new float[8 * 16];
    int[] labels = new int[8];
    float[][] rows = new float[8][16];
    for (int i = 0; i < 8; i++) {
      labels[i] = r.nextInt(2);
      for (int j = 0; j < 16; j++) all[i * 16 + j] = rows[i][j] = (float) r.nextGaussian();
    }
    dev.nnet.runtime.Dataset d = dev.nnet.runtime.Dataset.classification("rows", 16, all, labels, 2);
    for (int step = 0; step < 3; step++) {
      double a = online.trainBatch(rows, labels);
      direct.stage(d, dev.nnet.runtime.Dataset.identity(8), 0, 8, 1f);
      double b = direct.trainStep(online.spec().plan().learningRate());
      assertEquals(b, a, "step " + step + "'s loss");
    }
    for (int i = 0; i < direct.parameters().size(); i++) assertEquals(direct.parameters().get(i), online.network().parameters().get(i));
    assertThrows(IllegalArgumentException.class, () -> online.trainBatch(new float[7][16], new int[7]));
    assertThrows(IllegalArgumentException.class, () -> online.trainBatch(new float[8][15], new int[8]));
  }
}
