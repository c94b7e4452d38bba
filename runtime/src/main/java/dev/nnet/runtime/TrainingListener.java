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

  /**
   * Whether to measure every layer at the end of each epoch ({@link #onLayerStats}): one forward and backward
   * pass over one batch, which leaves training exactly as it would have been.
   */
  default boolean wantsLayerStats() {
    return false;
  }

  /** At the end of an epoch, before {@link #onEpoch}, when {@link #wantsLayerStats} says so: what {@code nnet diagnose} measures. */
  default void onLayerStats(int epoch, java.util.List<Diagnosis.LayerStats> stats) {}

  /** When a step's loss is not finite and training stops: the step, the loss, and the first layer holding non-finite values (or null). */
  default void onNonFinite(int epoch, long step, double loss, String layer) {}

  /** After each fold of cross-validation: its metrics on the rows it held out. */
  default void onFold(int fold, int folds, Metrics heldOut) {}

  TrainingListener NONE = new TrainingListener() {};

  /** Both listeners, each told everything, {@code first} first (progress on the terminal and a report, say). */
  static TrainingListener both(TrainingListener first, TrainingListener second) {
    return new TrainingListener() {
      @Override
      public void onStart(NetworkSpec spec, int epochs, int stepsPerEpoch, int trainRows) {
        first.onStart(spec, epochs, stepsPerEpoch, trainRows);
        second.onStart(spec, epochs, stepsPerEpoch, trainRows);
      }

      @Override
      public void onStep(int epoch, long step, int stepInEpoch, int stepsPerEpoch, double loss, double accuracy, double learningRate, double samplesPerSecond) {
        first.onStep(epoch, step, stepInEpoch, stepsPerEpoch, loss, accuracy, learningRate, samplesPerSecond);
        second.onStep(epoch, step, stepInEpoch, stepsPerEpoch, loss, accuracy, learningRate, samplesPerSecond);
      }

      @Override
      public void onStepDetail(int epoch, long step, double batchLoss, double gradientNorm, double learningRate) {
        if (first.wantsStepDetail(step)) first.onStepDetail(epoch, step, batchLoss, gradientNorm, learningRate);
        if (second.wantsStepDetail(step)) second.onStepDetail(epoch, step, batchLoss, gradientNorm, learningRate);
      }

      @Override
      public boolean wantsStepDetail(long step) {
        return first.wantsStepDetail(step) || second.wantsStepDetail(step);
      }

      @Override
      public void onEarlyStop(int stoppedAfter, int bestEpoch, String monitor, double best) {
        first.onEarlyStop(stoppedAfter, bestEpoch, monitor, best);
        second.onEarlyStop(stoppedAfter, bestEpoch, monitor, best);
      }

      @Override
      public void onUnfreeze(int epoch, java.util.List<String> layers) {
        first.onUnfreeze(epoch, layers);
        second.onUnfreeze(epoch, layers);
      }

      @Override
      public void onEpoch(EpochResult result) {
        first.onEpoch(result);
        second.onEpoch(result);
      }

      @Override
      public void onOverflow(int epoch, long skipped, double lossScale) {
        first.onOverflow(epoch, skipped, lossScale);
        second.onOverflow(epoch, skipped, lossScale);
      }

      @Override
      public void onTest(Metrics test) {
        first.onTest(test);
        second.onTest(test);
      }

      @Override
      public void onFold(int fold, int folds, Metrics heldOut) {
        first.onFold(fold, folds, heldOut);
        second.onFold(fold, folds, heldOut);
      }

      @Override
      public boolean wantsLayerStats() {
        return first.wantsLayerStats() || second.wantsLayerStats();
      }

      @Override
      public void onLayerStats(int epoch, java.util.List<Diagnosis.LayerStats> stats) {
        if (first.wantsLayerStats()) first.onLayerStats(epoch, stats);
        if (second.wantsLayerStats()) second.onLayerStats(epoch, stats);
      }

      @Override
      public void onNonFinite(int epoch, long step, double loss, String layer) {
        first.onNonFinite(epoch, step, loss, layer);
        second.onNonFinite(epoch, step, loss, layer);
      }
    };
  }
}
