package dev.nnet.compile;

/**
 * Generated source that does not compile: always nnet's bug, never the user's. The message carries the
 * compiler's complaint and the source with line numbers, so the report pinpoints it.
 */
public final class GeneratedCodeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String source;

  public GeneratedCodeException(String problem, String source, Throwable cause) {
    super("internal error: the generated trainer does not compile (" + problem + ")\n"
        + "this is a bug in nnet; please report it with the .nnet file", cause);
    this.source = source;
  }

  /** The generated source, its lines numbered as the compiler's message counts them. */
  public String numberedSource() {
    return numbered(source);
  }

  static String numbered(String source) {
    StringBuilder sb = new StringBuilder();
    String[] lines = source.split("\n", -1);
    for (int i = 0; i < lines.length; i++) sb.append(String.format("%5d  %s%n", i + 1, lines[i]));
    return sb.toString();
  }
}
