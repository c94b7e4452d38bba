package dev.nnet.tests;

import static org.junit.jupiter.api.Assertions.*;

import dev.nnet.Nnet;
import dev.nnet.NnetCompiler;
import dev.nnet.syntax.CompileException;
import dev.nnet.syntax.Diagnostic;
import dev.nnet.syntax.SourceFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * A fuzzer on what applications hand to {@code Nnet.compile(String)}: the samples, mutated with grammar-aware
 * edits (tokens of the language, hostile numbers, names and strings, spans deleted, duplicated and swapped).
 * The only outcomes allowed are a compiled trainer or a CompileException whose errors are positioned; and
 * what compiles carries nothing of the text into the generated code but validated names and escaped literals.
 */
class HostileTextTest {
  static final List<String> SAMPLES;

  static {
    try {
      List<Path> files = Samples.all().stream().filter(p -> !p.toString().contains("maven-consumer")).toList();
      java.util.ArrayList<String> texts = new java.util.ArrayList<>();
      for (Path p : files) texts.add(Files.readString(p));
      SAMPLES = List.copyOf(texts);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What the mutations insert: the language's own tokens, extreme values, and text built to escape its context. */
  static final String[] PIECES = {"{", "}", "(", ")", "[", "]", "->", ",", ":", "=", "\n", " ", "-", "*", "/", "then", "as", "let x = ",
      "dense(", "residual {", "relu", "batchnorm", "dropout(1.5)", "dense(0)", "0", "-1", "1e309", "NaN", "99999999999", "1e-320", ".5",
      "Math", "System", "_", "relu1Out", "dense1", "int", "class", "\"", "\"*/ System.exit(7); /*\"", "# */ System.exit(7); /*",
      "\\u002a/ System.exit(7);", "\"\\u0022); System.exit(7); //\"", "\u0000", "\uFEFF", "é", "\t", "model ", "input [", "loss mse",
      "precision float64", "training {", "batch 0", "epochs 1", "optimizer adam(lr: -1)", "schedule cosine()", "data {", "train csv(\"x.csv\")"};

  static String mutate(long seed) {
    Random r = new Random(seed);
    StringBuilder s = new StringBuilder(SAMPLES.get(r.nextInt(SAMPLES.size())));
    int edits = 1 + r.nextInt(4);
    for (int e = 0; e < edits && s.length() > 0; e++) {
      int at = r.nextInt(s.length() + 1);
      switch (r.nextInt(5)) {
        case 0 -> s.insert(at, PIECES[r.nextInt(PIECES.length)]);
        case 1 -> s.delete(at, Math.min(s.length(), at + 1 + r.nextInt(12)));
        case 2 -> { // duplicate a span
          int end = Math.min(s.length(), at + 1 + r.nextInt(40));
          s.insert(end, s.substring(at, end));
        }
        case 3 -> { // swap two lines
          String[] lines = s.toString().split("\n", -1);
          int a = r.nextInt(lines.length), b = r.nextInt(lines.length);
          String t = lines[a];
          lines[a] = lines[b];
          lines[b] = t;
          s = new StringBuilder(String.join("\n", lines));
        }
        default -> s.insert(at, PIECES[r.nextInt(PIECES.length)] + PIECES[r.nextInt(PIECES.length)]);
      }
    }
    return s.toString();
  }

  @Provide
  Arbitrary<Long> seeds() {
    return GeneratedNetworksTest.SEEDS;
  }

  @Property(tries = 300, seed = "15")
  void mutatedFilesCompileOrFailWithPositionedErrors(@ForAll("seeds") long seed) {
    String text = mutate(seed);
    try {
      NnetCompiler.Compiled c = NnetCompiler.defaults().compile(SourceFile.of("fuzz.nnet", text));
      String source = c.generated().source();
      assertFalse(UntrustedInputTest.hasUnicodeEscape(source), "a Unicode escape reached the generated code");
      String code = withoutLiterals(UntrustedInputTest.withoutComments(source));
      assertFalse(code.contains("System.exit"), "text of the file reached the generated code outside comments and string literals");
      c.newNetwork(); // it loads and instantiates
    } catch (CompileException e) {
      assertFalse(e.diagnostics().isEmpty(), "a CompileException lists its errors");
      for (Diagnostic d : e.diagnostics()) {
        if (d.isError()) assertTrue(d.span().line() >= 1, "every error is positioned: " + d.format());
      }
      assertTrue(e.getMessage().length() < 20_000, "the message quotes windows of lines, not the whole file");
    } catch (Throwable t) {
      throw new AssertionError("mutated file (seed " + seed + ") gave " + t + ":\n" + text, t);
    }
  }

  /** Hostile text through the convenience API too: only a trainer or a CompileException. */
  @Property(tries = 60, seed = "16")
  void theJavaApiThrowsOnlyCompileException(@ForAll("seeds") long seed) {
    String text = mutate(seed).replaceAll("(?m)^\\s*(train|test) .*$", ""); // no data files: compile, do not load
    try {
      Nnet.compile(text);
    } catch (CompileException e) {
      assertFalse(e.diagnostics().isEmpty());
    } catch (Throwable t) {
      throw new AssertionError("mutated file (seed " + seed + ") gave " + t + ":\n" + text, t);
    }
  }

  /** The code with string literals emptied: what remains came from the generator, or from validated names. */
  static String withoutLiterals(String code) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < code.length(); i++) {
      char c = code.charAt(i);
      if (c == '"') {
        int j = i + 1;
        while (code.charAt(j) != '"') j += code.charAt(j) == '\\' ? 2 : 1;
        out.append("\"\"");
        i = j;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
