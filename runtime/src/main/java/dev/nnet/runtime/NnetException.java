package dev.nnet.runtime;

/** A failure a user can act on: a missing data file, a corrupt checkpoint, a NaN in training. Carries a hint. */
public class NnetException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String hint;

  public NnetException(String message, String hint) {
    super(message);
    this.hint = hint;
  }

  public NnetException(String message, String hint, Throwable cause) {
    super(message, cause);
    this.hint = hint;
  }

  /** One line telling the user what to do, or null. */
  public String hint() {
    return hint;
  }
}
