package dev.nnet.runtime;

import java.util.List;

/** The outcome of {@link Trainer#fit}: every epoch, and the test metrics (null without a test set). */
public record TrainingReport(List<EpochResult> epochs, Metrics test, long steps, double seconds) {

  public EpochResult last() {
    return epochs.isEmpty() ? null : epochs.get(epochs.size() - 1);
  }
}
