package dev.nnet.runtime;

/** Follows training: progress bars, JSON logs, plots. Called on the training thread; keep it quick. */
public interface TrainingListener {

  default void onStart(NetworkSpec spec, int epochs, int stepsPerEpoch, int trainRows) {}

  /**
   * After every optimizer step. Takes primitives only, so the loop stays allocation-free.
   *
   * @param step global 0-based step number
   */
  default void onStep(int epoch, long step, int stepInEpoch, int stepsPerEpoch, double loss, double accuracy,
                      double learningRate, double samplesPerSecond) {}

  default void onEpoch(EpochResult result) {}

  default void onTest(Metrics test) {}

  TrainingListener NONE = new TrainingListener() {};
}
