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

  /**
   * After a step this listener asked {@link #wantsStepDetail} for: that step's own batch loss, and the global
   * L2 norm of its gradient (before any clipping).
   */
  default void onStepDetail(int epoch, long step, double batchLoss, double gradientNorm, double learningRate) {}

  /** Whether {@link #onStepDetail} should be called for this step (the gradient norm costs a pass over the gradients). */
  default boolean wantsStepDetail(long step) {
    return false;
  }

  /** When early stopping ends training: the epoch it stopped after, and the best epoch. */
  default void onEarlyStop(int stoppedAfter, int bestEpoch, String monitor, double best) {}

  /** At the start of the epoch from which the layers of an {@code unfreeze ... at epoch} line learn. */
  default void onUnfreeze(int epoch, java.util.List<String> layers) {}

  default void onEpoch(EpochResult result) {}

  /** Mixed precision with fp16: after an epoch in which {@code skipped} steps overflowed (each skipped, the scale halved). */
  default void onOverflow(int epoch, long skipped, double lossScale) {}

  default void onTest(Metrics test) {}

  /** After each fold of cross-validation: its metrics on the rows it held out. */
  default void onFold(int fold, int folds, Metrics heldOut) {}

  TrainingListener NONE = new TrainingListener() {};
}
