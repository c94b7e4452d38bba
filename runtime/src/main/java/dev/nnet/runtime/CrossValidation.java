package dev.nnet.runtime;

import java.util.List;

/**
 * The outcome of k-fold cross-validation: each fold's metrics on the rows it held out, and the mean and
 * (population) standard deviation of {@code metric} over the folds.
 */
public record CrossValidation(List<Metrics> folds, String metric, double mean, double std) {

  static CrossValidation of(List<Metrics> folds, boolean classification) {
    double[] v = folds.stream().mapToDouble(m -> classification ? m.accuracy() : m.loss()).toArray();
    double mean = java.util.Arrays.stream(v).average().orElse(Double.NaN);
    double var = java.util.Arrays.stream(v).map(x -> (x - mean) * (x - mean)).average().orElse(Double.NaN);
    return new CrossValidation(List.copyOf(folds), classification ? "val_accuracy" : "val_loss", mean, Math.sqrt(var));
  }
}
