package dev.nnet.runtime;

/**
 * A flat array of numbers owned by a generated trainer (parameters, gradients, optimizer state), seen
 * element by element whatever its precision. For checkpoints, gradient checks and tests, not the hot path.
 */
public interface Arena {
  int size();

  double get(int i);

  void set(int i, double value);
}
