package dev.nnet.tests;

import static org.junit.jupiter.api.Assertions.*;

import dev.nnet.NnetCompiler;
import dev.nnet.compile.BytecodeSizes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every sample compiles through the whole pipeline on both kernel paths (Janino accepts the generated
 * subset of Java), every generated method stays under HotSpot's 8,000-byte JIT limit, and the source
 * {@code nnet generate} writes also compiles with plain javac against the runtime.
 */
class SamplesCompileTest {

  static Stream<Arguments> cases() {
    return Samples.all().stream().flatMap(p -> Samples.kernels().stream().map(k -> Arguments.of(Samples.repo().relativize(p).toString(), p, k)));
  }

  @ParameterizedTest(name = "{0} {2}")
  @MethodSource("cases")
  void compilesWithJaninoAndStaysUnderTheJitLimit(String name, Path file, NnetCompiler.Kernels kernels) {
    NnetCompiler.Compiled c = NnetCompiler.defaults().kernels(kernels).compile(Samples.read(file));
    assertNotNull(c.newNetwork());
    Map<String, Integer> sizes = c.methodSizes();
    assertFalse(sizes.isEmpty());
    sizes.forEach((method, bytes) -> assertTrue(bytes < BytecodeSizes.HUGE_METHOD_LIMIT,
        () -> name + ": " + method + " is " + bytes + " bytes of bytecode; HotSpot would never JIT-compile it"));
    assertEquals(kernels == NnetCompiler.Kernels.VECTOR, c.generated().source().contains("FloatVector") || c.generated().source().contains("DoubleVector"));
  }

  @ParameterizedTest(name = "{0} {2}")
  @MethodSource("cases")
  void generatedSourceCompilesWithJavac(String name, Path file, NnetCompiler.Kernels kernels, @TempDir Path dir) throws IOException {
    NnetCompiler.Generated g = NnetCompiler.defaults().kernels(kernels).packageName("com.example.models").generate(Samples.read(file));
    Path src = g.file().writeToPath(dir.resolve("src"));
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    List<String> args = new java.util.ArrayList<>(List.of("-d", dir.resolve("classes").toString(),
        "-cp", System.getProperty("java.class.path"), "-Xlint:none"));
    if (kernels == NnetCompiler.Kernels.VECTOR) args.addAll(List.of("--add-modules", "jdk.incubator.vector"));
    args.add(src.toString());
    int rc = javac.run(null, null, err, args.toArray(String[]::new));
    assertEquals(0, rc, () -> "javac failed:\n" + err);
    assertTrue(Files.exists(dir.resolve("classes/com/example/models/" + g.model().name() + ".class")));
  }
}
