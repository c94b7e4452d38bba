package dev.nnet.syntax;

/**
 * Where a piece of syntax stands in its file: 1-based line and column of its first character,
 * and its length in characters on that line (at least 1) for underlining.
 */
public record Span(int line, int column, int length) {

  public static final Span NONE = new Span(0, 0, 0);

  /** The span from the start of {@code a} to the end of {@code b} when both are on one line, else {@code a}'s first line. */
  public static Span cover(Span a, Span b) {
    if (a.line != b.line || b.column < a.column) return a;
    return new Span(a.line, a.column, Math.max(a.length, b.column + b.length - a.column));
  }

  public boolean known() {
    return line > 0;
  }

  @Override
  public String toString() {
    return line + ":" + column;
  }
}
