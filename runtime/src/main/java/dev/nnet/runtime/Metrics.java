package dev.nnet.runtime;

/** Mean loss and accuracy over {@code count} samples (accuracy is NaN for regression). */
public record Metrics(int count, double loss, double accuracy) {}
