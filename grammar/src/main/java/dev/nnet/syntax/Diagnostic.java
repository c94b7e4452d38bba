package dev.nnet.syntax;

/**
 * One error or warning about a .nnet file, positioned so a person can find it:
 * {@code file:line:col: error: message}, the source line with the span underlined, and a hint.
 */
public record Diagnostic(Severity severity, SourceFile source, Span span, String message, String hint) {

  public enum Severity {
    ERROR, WARNING;

    String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public static Diagnostic error(SourceFile source, Span span, String message, String hint) {
    return new Diagnostic(Severity.ERROR, source, span, message, hint);
  }

  public static Diagnostic warning(SourceFile source, Span span, String message, String hint) {
    return new Diagnostic(Severity.WARNING, source, span, message, hint);
  }

  public boolean isError() {
    return severity == Severity.ERROR;
  }

  /** The rustc/Elm-style rendering: location, message, quoted line, underline, hint. */
  /** The most characters of the offending line a message quotes. */
  static final int QUOTE_WIDTH = 120;

  public String format() {
    StringBuilder sb = new StringBuilder();
    SourceFile source = span.file() != null ? span.file() : this.source;
    sb.append(source.name());
    if (span.known()) sb.append(':').append(span.line()).append(':').append(span.column());
    sb.append(": ").append(severity.label()).append(": ").append(message).append('\n');
    if (span.known()) {
      String line = source.line(span.line()).replace('\t', ' ');
      int col = Math.min(span.column() - 1, line.length());
      // a long line is shown as a window around the column (a hostile file may hold megabytes on one line)
      int from = line.length() <= QUOTE_WIDTH ? 0 : Math.max(0, Math.min(col - QUOTE_WIDTH / 2, line.length() - QUOTE_WIDTH));
      int to = Math.min(line.length(), from + QUOTE_WIDTH);
      String prefix = from > 0 ? "..." : "";
      sb.append("  ").append(prefix).append(line, from, to).append(to < line.length() ? "..." : "").append('\n');
      int len = Math.max(1, Math.min(span.length(), Math.max(1, to - col)));
      sb.append("  ").append(" ".repeat(prefix.length() + col - from)).append("^".repeat(len)).append('\n');
    }
    for (Span.Use use = span.via(); use != null; use = use.at().via()) {
      SourceFile at = use.at().file() != null ? use.at().file() : this.source;
      sb.append("  in this use of `").append(use.block()).append("` at ").append(at.name()).append(':').append(use.at()).append('\n');
    }
    if (hint != null && !hint.isEmpty()) sb.append("  hint: ").append(hint).append('\n');
    return sb.toString();
  }

  @Override
  public String toString() {
    return format();
  }
}
