package dev.nnet.compile;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The on-disk class cache: a later compile of the same source loads the stored classes; damage means compiling again. */
class ClassCacheTest {
  @AfterEach
  void off() {
    System.clearProperty(JaninoCompiler.CACHE_PROPERTY);
  }

  static String source(String name, int marker) {
    return "package c; public class " + name + " { public static int marker() { return " + marker + "; } }";
  }

  static int marker(JaninoCompiler.Compiled c) throws Exception {
    return (int) c.type().getMethod("marker").invoke(null);
  }

  @Test
  void aSecondCompileLoadsWhatTheFirstStored(@TempDir Path dir) throws Exception {
    System.setProperty(JaninoCompiler.CACHE_PROPERTY, dir.toString());
    String name = "Stored" + System.nanoTime();
    JaninoCompiler.Compiled first = JaninoCompiler.compile("c." + name, source(name, 1));
    assertEquals(1, marker(first));
    assertEquals(1, Files.list(dir).filter(p -> p.toString().endsWith(".classes")).count(), "one entry written");
    assertTrue(first.methodSizes().containsKey("marker()I"), first.methodSizes().toString());

    // the entry of source 2 replaced by source 3's classes: compiling source 2 then answers 3, so it read the disk
    ClassCache cache = ClassCache.fromProperty();
    String other = "Other" + System.nanoTime();
    JaninoCompiler.compile("c." + other, source(other, 2)); // stored under source(other, 2)
    Map<String, byte[]> three = compiledWithoutCache("c." + other, source(other, 3));
    cache.write(source(other, 2) + " ", three); // a source nobody compiled yet, a space apart
    JaninoCompiler.Compiled fromDisk = JaninoCompiler.compile("c." + other, source(other, 2) + " ");
    assertEquals(3, marker(fromDisk), "loaded from the cache, not compiled");
    assertEquals(first.methodSizes().keySet(), fromDisk.methodSizes().keySet(), "method sizes measured from the stored bytes too");
  }

  @Test
  void aDamagedEntryIsCompiledAgainAndReplaced(@TempDir Path dir) throws Exception {
    System.setProperty(JaninoCompiler.CACHE_PROPERTY, dir.toString());
    String name = "Damaged" + System.nanoTime();
    String src = source(name, 7);
    ClassCache cache = ClassCache.fromProperty();
    cache.write(src, Map.of("c." + name, new byte[] {(byte) 0xCA, (byte) 0xFE, 0, 0, 0, 0, 0, 0, 0, 9, 9, 9}));
    assertEquals(7, marker(JaninoCompiler.compile("c." + name, src)), "a class file the JVM refuses: compiled instead");
    assertNotNull(cache.read(src));
    assertTrue(cache.read(src).get("c." + name).length > 12, "the entry now holds the compiled class");
    Path entry = Files.list(dir).filter(p -> p.toString().endsWith(".classes")).findFirst().orElseThrow();
    Files.write(entry, new byte[] {1, 2, 3});
    assertNull(cache.read(src), "a truncated file reads as absent");
  }

  @Test
  void withoutThePropertyNothingIsWritten(@TempDir Path dir) throws Exception {
    String name = "Unstored" + System.nanoTime();
    assertEquals(5, marker(JaninoCompiler.compile("c." + name, source(name, 5))));
    assertNull(ClassCache.fromProperty());
    assertEquals(0, Files.list(dir).count());
  }

  private static Map<String, byte[]> compiledWithoutCache(String className, String src) throws Exception {
    org.codehaus.janino.SimpleCompiler c = new org.codehaus.janino.SimpleCompiler();
    c.cook(src);
    Map<String, byte[]> out = new java.util.LinkedHashMap<>();
    for (org.codehaus.janino.util.ClassFile cf : c.getClassFiles()) out.put(cf.getThisClassName(), cf.toByteArray());
    return out;
  }
}
