package dev.nnet.runtime;

/** A data file that is missing, unreadable, corrupt or does not fit the network. */
public final class DataException extends NnetException {
  private static final long serialVersionUID = 1L;

  public DataException(String message, String hint) {
    super(message, hint);
  }

  public DataException(String message, String hint, Throwable cause) {
    super(message, hint, cause);
  }
}
