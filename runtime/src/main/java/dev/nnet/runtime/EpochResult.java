package dev.nnet.runtime;

/**
 * One finished epoch.
 *
 * @param validation metrics on the validation split, or null without one
 */
public record EpochResult(int epoch, long steps, double trainLoss, double trainAccuracy, Metrics validation,
                          double learningRate, double samplesPerSecond, double seconds) {}
