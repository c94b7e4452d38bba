package dev.nnet.runtime;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every schedule against its formula, computed here by hand. */
class ScheduleTest {
  static final double ETA = 0.1;
  static final int STEPS = 10; // per epoch

  static TrainingPlan.Stage stage(String kind, boolean perStep, double... args) {
    return new TrainingPlan.Stage(kind, perStep, args, "");
  }

  static double at(Schedule s, int epoch) {
    return s.rate((long) epoch * STEPS);
  }

  @Test
  void constantByDefault() {
    Schedule s = new Schedule(List.of(), ETA, STEPS, 5);
    assertEquals(ETA, s.rate(0));
    assertEquals(ETA, s.rate(49));
  }

  @Test
  void stepMultiStepExponential() {
    Schedule step = new Schedule(List.of(stage("step", false, 2, 0.5)), ETA, STEPS, 10);
    assertEquals(ETA, at(step, 1));
    assertEquals(ETA * 0.5, at(step, 2));
    assertEquals(ETA * 0.25, at(step, 5));
    assertEquals(ETA * 0.5, step.rate(2 * STEPS + 9), "the rate holds within an epoch");
    Schedule multi = new Schedule(List.of(stage("multistep", false, 0.7, 3, 5)), ETA, STEPS, 10);
    assertEquals(ETA, at(multi, 2));
    assertEquals(ETA * 0.7, at(multi, 3), 1e-15);
    assertEquals(ETA * 0.7 * 0.7, at(multi, 9), 1e-15);
    Schedule exp = new Schedule(List.of(stage("exponential", false, 0.99)), ETA, STEPS, 10);
    assertEquals(ETA * Math.pow(0.99, 7), at(exp, 7), 1e-15);
    Schedule perStep = new Schedule(List.of(stage("exponential", true, 0.99)), ETA, STEPS, 10);
    assertEquals(ETA * Math.pow(0.99, 13), perStep.rate(13), 1e-15);
  }

  @Test
  void cosineAndRestarts() {
    Schedule cos = new Schedule(List.of(stage("cosine", false, 10, 0.001)), ETA, STEPS, 20);
    assertEquals(ETA, at(cos, 0), 1e-15);
    assertEquals(0.001 + (ETA - 0.001) / 2, at(cos, 5), 1e-15);
    assertEquals(0.001, at(cos, 10), 1e-15);
    assertEquals(0.001, at(cos, 15), 1e-15, "stays at min after T");
    Schedule untilEnd = new Schedule(List.of(stage("cosine", false, 0, 0)), ETA, STEPS, 8);
    assertEquals(ETA / 2, at(untilEnd, 4), 1e-15, "T defaults to the training's length");
    Schedule sgdr = new Schedule(List.of(stage("cosine_restarts", false, 2, 2, 0)), ETA, STEPS, 20);
    assertEquals(ETA, at(sgdr, 0), 1e-15);
    assertEquals(ETA / 2, at(sgdr, 1), 1e-15);
    assertEquals(ETA, at(sgdr, 2), 1e-15, "restart after the first cycle of 2");
    assertEquals(ETA / 2, at(sgdr, 4), 1e-15, "the second cycle lasts 4");
    assertEquals(ETA, at(sgdr, 6), 1e-15, "restart after 2 + 4");
  }

  @Test
  void warmupRampsEveryStepThenHandsOver() {
    Schedule s = new Schedule(List.of(stage("warmup", false, 2, 0.001), stage("step", false, 1, 0.5)), ETA, STEPS, 10);
    assertEquals(0.001, s.rate(0), 1e-15);
    assertEquals(0.001 + (ETA - 0.001) * 5 / 20.0, s.rate(5), 1e-15);
    assertEquals(ETA, s.rate(20), 1e-15, "the next stage starts at its own time 0");
    assertEquals(ETA * 0.5, s.rate(30), 1e-15);
  }

  @Test
  void plateauReducesAfterPatienceAndRemembers() {
    TrainingPlan.Stage p = new TrainingPlan.Stage("plateau", false, new double[] {2, 0.5, 0.01, 1e-4}, "val_loss");
    Schedule s = new Schedule(List.of(p), ETA, STEPS, 30);
    double[] losses = {1.0, 0.9, 0.95, 0.95, 0.95, 0.8, 0.9, 0.9, 0.9};
    double[] rates = new double[losses.length];
    for (int e = 0; e < losses.length; e++) {
      rates[e] = s.rate((long) e * STEPS);
      s.endEpoch(Map.of("val_loss", losses[e]));
    }
    // 3 epochs without improvement (> patience 2) after epoch 1 → halved for epoch 5 on
    assertArrayEquals(new double[] {ETA, ETA, ETA, ETA, ETA, ETA / 2, ETA / 2, ETA / 2, ETA / 2}, rates, 1e-15);
    assertEquals(ETA / 4, s.rate(losses.length * STEPS), 1e-15);
    Schedule restored = new Schedule(List.of(p), ETA, STEPS, 30);
    restored.restore(s.state());
    assertEquals(s.rate(0), restored.rate(0));
  }
}
