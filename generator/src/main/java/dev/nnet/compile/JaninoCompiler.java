package dev.nnet.compile;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.codehaus.commons.compiler.CompileException;
import org.codehaus.janino.SimpleCompiler;
import org.codehaus.janino.util.ClassFile;

/**
 * Compiles generated source in memory with Janino. Compiled classes are cached by source text, so
 * compiling the same .nnet twice in one JVM costs nothing the second time.
 */
public final class JaninoCompiler {
  private JaninoCompiler() {}

  /**
   * A loaded class, the bytecode size of each of its methods, and the entries of its constant pool (a class
   * file holds at most 65,535).
   */
  public record Compiled(Class<?> type, Map<String, Integer> methodSizes, int constants) {}

  private static final Map<String, Compiled> CACHE = new ConcurrentHashMap<>();

  public static Compiled compile(String className, String source) {
    Compiled cached = CACHE.get(source);
    if (cached != null) return cached;
    SimpleCompiler compiler = new SimpleCompiler();
    compiler.setParentClassLoader(JaninoCompiler.class.getClassLoader());
    compiler.setDebuggingInformation(true, true, false);
    try {
      compiler.cook(source);
      Class<?> type = compiler.getClassLoader().loadClass(className);
      Map<String, Integer> sizes = new LinkedHashMap<>();
      int constants = 0;
      for (ClassFile cf : compiler.getClassFiles()) {
        byte[] bytes = cf.toByteArray();
        sizes.putAll(BytecodeSizes.of(bytes));
        constants = Math.max(constants, ((bytes[8] & 0xff) << 8 | (bytes[9] & 0xff)) - 1); // constant_pool_count is one more
      }
      Compiled c = new Compiled(type, sizes, constants);
      CACHE.put(source, c);
      return c;
    } catch (CompileException e) {
      throw new GeneratedCodeException(e.getMessage(), source, e);
    } catch (LinkageError e) { // e.g. a ClassFormatError: Janino accepted what the JVM refuses to define
      throw new GeneratedCodeException("the JVM refused the generated class " + className + ": " + e, source, e);
    } catch (ClassNotFoundException e) {
      throw new GeneratedCodeException("class " + className + " missing after compilation", source, e);
    }
  }
}
