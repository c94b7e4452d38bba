package dev.nnet.compile;

import static org.junit.jupiter.api.Assertions.*;

import dev.nnet.NnetCompiler;
import dev.nnet.analysis.Op;
import dev.nnet.syntax.SourceFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A compile whose inputs (the .nnet text, its imports, the options) are unchanged loads the class an earlier
 * run stored without generating its source; any change to them generates and compiles afresh.
 */
class CacheByInputsTest {
  @TempDir
  Path dir;
  Path cache;

  @BeforeEach
  void on() throws Exception {
    cache = Files.createDirectories(dir.resolve("cache"));
    System.setProperty(JaninoCompiler.CACHE_PROPERTY, cache.toString());
    Files.writeString(dir.resolve("blocks.nnet"), "let width = 6\nblock mlp(w) {\n  dense(w) -> tanh\n}\n");
    Files.writeString(dir.resolve("net.nnet"), "import \"blocks.nnet\"\ninput [4]\nnetwork {\n  mlp(width)\n  dense(3)\n}\nloss softmax_cross_entropy\n");
  }

  @AfterEach
  void off() {
    System.clearProperty(JaninoCompiler.CACHE_PROPERTY);
  }

  private NnetCompiler.Compiled compile(NnetCompiler compiler) throws Exception {
    return compiler.compile(SourceFile.read(dir.resolve("net.nnet")));
  }

  /** Whether the compile generated the Java source (it is generated on demand). */
  private static boolean sourceGenerated(NnetCompiler.Compiled c) throws Exception {
    java.lang.reflect.Field f = NnetCompiler.Generated.class.getDeclaredField("emitted");
    f.setAccessible(true);
    return f.get(c.generated()) != null;
  }

  private static long parametersOfModel(NnetCompiler.Compiled c) {
    return c.model().layers().stream().mapToLong(Op::parameterCount).sum();
  }

  private long entries(String suffix) throws Exception {
    try (var files = Files.list(cache)) {
      return files.filter(p -> p.toString().endsWith(suffix)).count();
    }
  }

  @Test
  void anUnchangedFileLoadsItsClassWithoutGeneratingTheSource() throws Exception {
    NnetCompiler.Compiled first = compile(NnetCompiler.defaults());
    assertTrue(sourceGenerated(first));
    assertEquals(1, entries(".inputs"));
    assertEquals(1, entries(".classes"));

    JaninoCompiler.forgetMemory(); // as a new run of the command line
    NnetCompiler.Compiled again = compile(NnetCompiler.defaults());
    assertFalse(sourceGenerated(again), "found by its inputs: no source generated");
    assertFalse(again.newClass());
    assertNotSame(first.type(), again.type(), "defined afresh from the stored bytes, not taken from memory");
    assertEquals(first.type().getName(), again.type().getName());
    assertEquals(first.methodSizes(), again.methodSizes());
    assertEquals(first.newNetwork().spec().parameterCount(), again.newNetwork().spec().parameterCount());
    assertTrue(again.generated().source().contains("class Net"), "the source is still there when asked for");

    NnetCompiler.Compiled inMemory = compile(NnetCompiler.defaults());
    assertSame(again.type(), inMemory.type(), "a third compile in the same JVM takes the same class");
  }

  @Test
  void aChangedImportOrOptionCompilesAfresh() throws Exception {
    NnetCompiler.Compiled first = compile(NnetCompiler.defaults());
    assertEquals(4 * 6 + 6 + 6 * 3 + 3, first.newNetwork().spec().parameterCount());
    JaninoCompiler.forgetMemory();

    // the importing file is unchanged: a key of its text alone would load the 6-wide class
    Files.writeString(dir.resolve("blocks.nnet"), "let width = 7\nblock mlp(w) {\n  dense(w) -> tanh\n}\n");
    NnetCompiler.Compiled wider = compile(NnetCompiler.defaults());
    assertTrue(sourceGenerated(wider));
    assertEquals(4 * 7 + 7 + 7 * 3 + 3, wider.newNetwork().spec().parameterCount());
    assertEquals(parametersOfModel(wider), wider.newNetwork().spec().parameterCount());

    JaninoCompiler.forgetMemory();
    NnetCompiler.Compiled plain = compile(NnetCompiler.defaults().kernels(NnetCompiler.Kernels.PLAIN));
    assertTrue(sourceGenerated(plain), "other kernels: other source");
    assertEquals(0, plain.generated().lanes());
    assertFalse(plain.generated().source().contains("Vector"));
    JaninoCompiler.forgetMemory();
    NnetCompiler.Compiled plainAgain = compile(NnetCompiler.defaults().kernels(NnetCompiler.Kernels.PLAIN));
    assertFalse(sourceGenerated(plainAgain));
    assertEquals(plain.methodSizes(), plainAgain.methodSizes(), "the plain class, not the vector one stored beside it");

    NnetCompiler.Compiled batch = compile(NnetCompiler.defaults().maxBatch(2));
    assertTrue(sourceGenerated(batch), "another batch size: other shapes");
    assertEquals(2, batch.newNetwork().spec().batchSize());
  }

  @Test
  void aDamagedLinkFallsBackToGenerating() throws Exception {
    compile(NnetCompiler.defaults());
    try (var files = Files.list(cache)) {
      for (Path p : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".inputs"))::iterator) Files.writeString(p, "not a digest");
    }
    JaninoCompiler.forgetMemory();
    NnetCompiler.Compiled c = compile(NnetCompiler.defaults());
    assertTrue(sourceGenerated(c));
    assertEquals(parametersOfModel(c), c.newNetwork().spec().parameterCount());
    JaninoCompiler.forgetMemory();
    assertFalse(sourceGenerated(compile(NnetCompiler.defaults())), "the link was written again");
  }

  @Test
  void importsTooManyToListGetNoKey() throws Exception {
    // ten files of seven imports each: the list of imported files stops following them after 64, so the last
    // file's imports, one of which sets the width, would be missing from a key
    StringBuilder net = new StringBuilder("import \"blocks.nnet\"\n");
    for (int a = 1; a <= 10; a++) {
      StringBuilder mid = new StringBuilder();
      for (int b = 1; b <= 7; b++) {
        Files.writeString(dir.resolve("v" + a + "_" + b + ".nnet"), "let v" + a + "_" + b + " = " + (a * 10 + b) + "\n");
        mid.append("import \"v").append(a).append('_').append(b).append(".nnet\"\n");
      }
      Files.writeString(dir.resolve("m" + a + ".nnet"), mid.toString());
      net.append("import \"m").append(a).append(".nnet\"\n");
    }
    net.append("input [4]\nnetwork {\n  mlp(v10_7)\n  dense(3)\n}\nloss softmax_cross_entropy\n");
    Files.writeString(dir.resolve("net.nnet"), net.toString());
    NnetCompiler.Compiled c = compile(NnetCompiler.defaults());
    assertEquals(4 * 107 + 107 + 107 * 3 + 3, c.newNetwork().spec().parameterCount());
    assertEquals(0, entries(".inputs"), "more imports than the list follows: a key could miss a change, so there is none");

    JaninoCompiler.forgetMemory();
    Files.writeString(dir.resolve("v10_7.nnet"), "let v10_7 = 5\n");
    assertEquals(4 * 5 + 5 + 5 * 3 + 3, compile(NnetCompiler.defaults()).newNetwork().spec().parameterCount());
  }

  @Test
  void aSearchClassIsNotKeyedByItsInputs() throws Exception {
    NnetCompiler.Compiled c = compile(NnetCompiler.defaults().forSearch());
    assertNotNull(c.generated().arguments());
    assertEquals(0, entries(".inputs"));
  }
}
