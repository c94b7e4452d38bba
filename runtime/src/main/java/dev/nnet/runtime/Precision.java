package dev.nnet.runtime;

/** The number type a trainer computes in. float64 exists for gradient checks and comparisons with references. */
public enum Precision {
  FLOAT32("float32", 4), FLOAT64("float64", 8);

  private final String keyword;
  private final int bytes;

  Precision(String keyword, int bytes) {
    this.keyword = keyword;
    this.bytes = bytes;
  }

  public String keyword() {
    return keyword;
  }

  public int bytes() {
    return bytes;
  }
}
