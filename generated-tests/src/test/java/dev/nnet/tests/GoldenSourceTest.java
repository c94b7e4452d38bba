package dev.nnet.tests;

import static org.junit.jupiter.api.Assertions.*;

import dev.nnet.NnetCompiler;
import dev.nnet.emit.EmitOptions;
import dev.nnet.emit.NetworkEmitter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The generated source of representative samples, committed under resources/golden/ so that a change to
 * generated code shows in review as a diff of the code itself. Generated for 16-lane vectors (AVX-512) or
 * the plain path whatever this machine has, so the files do not depend on where the tests run.
 * {@code mvn verify -Dnnet.updateGolden=true} rewrites them after an intended change.
 */
class GoldenSourceTest {
  static final Path GOLDEN = Path.of("src/test/resources/golden");

  @ParameterizedTest(name = "{0}, {1} lanes")
  @CsvSource({"fashion-mlp.nnet, 16", "fashion-residual.nnet, 16", "iris.nnet, 0"})
  void generatedSourceIsAsCommitted(String sample, int lanes) throws IOException {
    NnetCompiler.Generated g = NnetCompiler.defaults().generate(Samples.read(Samples.sample(sample)));
    // the samples' own path, whatever folder the tests run from, so the comments read the same everywhere
    String source = NetworkEmitter.emit(g.model(), g.layout(), new EmitOptions(EmitOptions.DEFAULT_PACKAGE, lanes)).toString()
        .replace(Samples.repo().toString() + "/", "");
    Path golden = GOLDEN.resolve(sample.replace(".nnet", "") + (lanes == 0 ? "-plain" : "") + ".java.txt");
    if (Boolean.getBoolean("nnet.updateGolden")) {
      Files.createDirectories(GOLDEN);
      Files.writeString(golden, source);
    }
    assertTrue(Files.exists(golden), golden + " is missing: run the tests once with -Dnnet.updateGolden=true");
    String expected = Files.readString(golden);
    if (!expected.equals(source)) {
      String[] a = expected.split("\n", -1), b = source.split("\n", -1);
      int line = 0;
      while (line < Math.min(a.length, b.length) && a[line].equals(b[line])) line++;
      fail("the generated source of " + sample + " changed at line " + (line + 1) + ":\n  committed: "
          + (line < a.length ? a[line] : "(end)") + "\n  generated: " + (line < b.length ? b[line] : "(end)")
          + "\nif the change is intended, rerun with -Dnnet.updateGolden=true and commit " + golden);
    }
  }
}
