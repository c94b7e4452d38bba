package dev.nnet.cli;

import dev.nnet.runtime.NnetException;
import dev.nnet.syntax.Formatter;
import dev.nnet.syntax.SourceFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "fmt", header = "Print a .nnet file in the canonical layout.",
    description = "Prints the file with only its whitespace changed: two spaces per open brace, one space around '->' and after ',' "
        + "and ':', comments kept where they are, at most one blank line in a row. Formatting twice changes nothing. "
        + "With --write, replaces the file (through a temporary file, so an interrupted write loses nothing); with --check, "
        + "prints nothing and exits 1 when the file is not in the canonical layout (for CI).")
final class FmtCommand implements Callable<Integer> {
  @Mixin
  Common common;

  @Option(names = {"-w", "--write"}, description = "rewrite the file in place instead of printing it")
  boolean write;

  @Option(names = "--check", description = "exit 1 if the file would change, 0 if it is already formatted; print nothing")
  boolean check;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    SourceFile source = common.source();
    String formatted = Formatter.format(source);
    if (check) {
      if (formatted.equals(source.text())) return 0;
      spec.commandLine().getErr().println(source.name() + ": not in the canonical layout (nnet fmt --write " + source.name() + " fixes it)");
      return 1;
    }
    if (!write) {
      PrintWriter out = spec.commandLine().getOut();
      out.print(formatted);
      out.flush();
      return 0;
    }
    if (formatted.equals(source.text())) return 0;
    Path file = common.file, tmp = file.resolveSibling(file.getFileName() + ".fmt.tmp");
    try {
      Files.writeString(tmp, formatted, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      Files.deleteIfExists(tmp);
      throw new NnetException("cannot write " + file + " (" + e.getMessage() + ")", "the file is unchanged");
    }
    spec.commandLine().getErr().println("formatted " + file);
    return 0;
  }
}
