package dev.nnet.runtime;

import java.util.List;

/**
 * The outcome of {@link Trainer#fit}: every epoch, and the test metrics (null without a test set).
 *
 * @param bestEpoch   with early stopping, the epoch whose monitored metric was best (its weights are restored
 *                    when restore_best is on); else 0
 * @param stoppedEarly whether early stopping ended training before the last epoch
 */
public record TrainingReport(List<EpochResult> epochs, Metrics test, long steps, double seconds, int bestEpoch, boolean stoppedEarly) {

  public EpochResult last() {
    return epochs.isEmpty() ? null : epochs.get(epochs.size() - 1);
  }
}
