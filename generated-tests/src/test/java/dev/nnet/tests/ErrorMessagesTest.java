package dev.nnet.tests;

import static org.junit.jupiter.api.Assertions.*;

import dev.nnet.NnetCompiler;
import dev.nnet.syntax.CompileException;
import dev.nnet.syntax.Diagnostic;
import dev.nnet.syntax.SourceFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each malformed file under resources/errors states on its first line the error it must produce and its
 * hint ({@code # expect: line:col: message # hint: text}). The compiler must report exactly that position,
 * message and hint, quote the line, underline the span, and never throw anything but a CompileException.
 */
class ErrorMessagesTest {

  static Stream<Path> files() throws IOException {
    return Files.list(Path.of("src/test/resources/errors")).filter(p -> p.toString().endsWith(".nnet")).sorted();
  }

  @Test
  void thereAreAtLeastTwentyMalformedFiles() throws IOException {
    assertTrue(files().count() >= 20, "the corpus of malformed files shrank");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("files")
  void positionedMessage(Path file) throws IOException {
    SourceFile src = SourceFile.read(file);
    String[] expectAndHint = src.line(1).replaceFirst("^# expect: ", "").split(" # hint: ", 2);
    assertEquals(2, expectAndHint.length, "the first line states the hint too: # expect: line:col: message # hint: text");
    String expect = expectAndHint[0], hint = expectAndHint[1];
    String[] parts = expect.split(": ", 2);
    CompileException e = assertThrows(CompileException.class, () -> NnetCompiler.defaults().compile(src));
    Diagnostic first = e.diagnostics().get(0);
    assertTrue(first.isError());
    String formatted = first.format();
    assertTrue(formatted.startsWith(file + ":" + parts[0] + ": error: " + parts[1]), () -> "expected " + expect + "\ngot:\n" + formatted);
    List<String> lines = formatted.lines().toList();
    assertTrue(lines.size() >= 3, "the source line and its underline are shown");
    assertTrue(lines.get(2).strip().matches("\\^+"), () -> "underline: " + lines.get(2));
    int col = Integer.parseInt(parts[0].split(":")[1]);
    assertEquals(col - 1 + 2, lines.get(2).indexOf('^'), "the underline starts under the column");
    assertTrue(lines.size() >= 4 && lines.get(3).equals("  hint: " + hint), () -> "the hint line: expected '  hint: " + hint + "'\ngot:\n" + formatted);
  }
}
