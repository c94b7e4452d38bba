package dev.nnet.runtime;

/** Training cannot go on: a loss or gradient became NaN or infinite. */
public final class TrainingException extends NnetException {
  private static final long serialVersionUID = 1L;

  public TrainingException(String message, String hint) {
    super(message, hint);
  }
}
