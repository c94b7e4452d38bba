package dev.nnet.syntax;

/**
 * Where a piece of syntax stands in its file: 1-based line and column of its first character,
 * and its length in characters on that line (at least 1) for underlining. Syntax copied out of a
 * {@code block} into a network keeps its place in the block and adds {@code via}, the use it was copied
 * for, so a message can name both ("in this use of `basic` at 12:5").
 */
public record Span(int line, int column, int length, Use via, SourceFile file) {

  /** A use of a block: its name and where it is used (itself perhaps inside another block's use). */
  public record Use(String block, Span at) {}

  public static final Span NONE = new Span(0, 0, 0);

  public Span(int line, int column, int length) {
    this(line, column, length, null, null);
  }

  /** This span, copied for the use {@code use} of a block (which keeps whatever uses this one was copied for already). */
  public Span via(Use use) {
    if (use == null) return this;
    return new Span(line, column, length, via == null ? use : new Use(via.block(), via.at().via(use)), file);
  }

  /** This span, in {@code imported}: a file the one being compiled imports (null: the file being compiled). */
  public Span in(SourceFile imported) {
    return new Span(line, column, length, via, imported);
  }

  /** The span from the start of {@code a} to the end of {@code b} when both are on one line, else {@code a}'s first line. */
  public static Span cover(Span a, Span b) {
    if (a.line != b.line || b.column < a.column) return a;
    return new Span(a.line, a.column, Math.max(a.length, b.column + b.length - a.column), a.via, a.file);
  }

  public boolean known() {
    return line > 0;
  }

  @Override
  public String toString() {
    return line + ":" + column;
  }
}
