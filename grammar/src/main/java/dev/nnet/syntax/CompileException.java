package dev.nnet.syntax;

import java.util.List;
import java.util.stream.Collectors;

/** A .nnet file that cannot be compiled, with every error found (each positioned and hinted). */
public final class CompileException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final transient List<Diagnostic> diagnostics;

  public CompileException(List<Diagnostic> diagnostics) {
    super(diagnostics.stream().map(Diagnostic::format).collect(Collectors.joining()).stripTrailing());
    this.diagnostics = List.copyOf(diagnostics);
  }

  public CompileException(Diagnostic diagnostic) {
    this(List.of(diagnostic));
  }

  public List<Diagnostic> diagnostics() {
    return diagnostics;
  }
}
