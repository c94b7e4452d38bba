package dev.nnet.compile;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.codehaus.commons.compiler.CompileException;
import org.codehaus.janino.SimpleCompiler;
import org.codehaus.janino.util.ClassFile;

/**
 * Compiles generated source in memory with Janino. Compiled classes are cached by source text, so
 * compiling the same .nnet twice in one JVM costs nothing the second time; and, when the system property
 * {@value #CACHE_PROPERTY} names a folder (the CLI sets it), on disk too, keyed by a SHA-256 of the
 * source, Janino's version and the Java version: a later run of an unchanged file loads the class files
 * instead of compiling them again.
 */
public final class JaninoCompiler {
  private JaninoCompiler() {}

  /**
   * A loaded class, the bytecode size of each of its methods, and the entries of its constant pool (a class
   * file holds at most 65,535).
   */
  public record Compiled(Class<?> type, Map<String, Integer> methodSizes, int constants) {}

  /** Classes by source; a source being compiled is in here as its compilation, which other threads wait for. */
  private static final Map<String, java.util.concurrent.FutureTask<Compiled>> CACHE = new ConcurrentHashMap<>();

  /** The system property naming the folder of the on-disk class cache; unset (or empty): no disk cache. */
  public static final String CACHE_PROPERTY = "nnet.classCache";

  /**
   * A class and where it came from.
   *
   * @param cooked whether Janino compiled it for this call (not found in memory or on disk, nor being compiled by another thread)
   */
  public record Lookup(Compiled compiled, boolean cooked) {}

  public static Compiled compile(String className, String source) {
    return lookup(className, source).compiled();
  }

  /** As {@link #compile}, saying whether this call ran Janino: a search counts the compilations its trials shared. */
  public static Lookup lookup(String className, String source) {
    boolean[] cooked = {false};
    java.util.concurrent.FutureTask<Compiled> task = new java.util.concurrent.FutureTask<>(() -> {
      ClassCache disk = ClassCache.fromProperty();
      if (disk != null) {
        Map<String, byte[]> classes = disk.read(source);
        if (classes != null) {
          try {
            return load(className, classes);
          } catch (ClassNotFoundException | LinkageError e) {
            disk.forget(source); // a damaged entry: compile again, and replace it
          }
        }
      }
      cooked[0] = true;
      return cook(className, source, disk);
    });
    java.util.concurrent.FutureTask<Compiled> prior = CACHE.putIfAbsent(source, task);
    java.util.concurrent.FutureTask<Compiled> f = prior != null ? prior : task;
    if (prior == null) task.run();
    try {
      return new Lookup(f.get(), cooked[0]);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while " + className + " was compiled", e);
    } catch (java.util.concurrent.ExecutionException e) {
      CACHE.remove(source, f); // a failed compilation is not remembered: the caller sees its error each time
      if (e.getCause() instanceof RuntimeException re) throw re;
      if (e.getCause() instanceof Error err) throw err;
      throw new IllegalStateException(e.getCause());
    }
  }

  /** Classes by the compiler inputs that generated their source ({@link #linkInputs}). */
  private static final Map<String, Compiled> BY_INPUTS = new ConcurrentHashMap<>();

  /**
   * The class that {@code inputs} (a description of everything the generated source depends on: see
   * {@code NnetCompiler}) generated and compiled before, in this JVM or, through the disk cache, in an earlier
   * run; null when there is none. A hit skips generating the source as well as compiling it.
   */
  public static Compiled fromInputs(String className, String inputs) {
    Compiled known = BY_INPUTS.get(inputs);
    if (known != null && known.type().getName().equals(className)) return known;
    ClassCache disk = ClassCache.fromProperty();
    Map<String, byte[]> classes = disk == null ? null : disk.readLinked(inputs);
    if (classes == null) return null;
    try {
      Compiled c = load(className, classes);
      BY_INPUTS.put(inputs, c);
      return c;
    } catch (ClassNotFoundException | LinkageError e) {
      return null; // a damaged or foreign entry: the caller generates and compiles
    }
  }

  /** Records that {@code inputs} generated {@code source}, compiled by {@link #lookup}, for {@link #fromInputs}. */
  public static void linkInputs(String inputs, String source) {
    java.util.concurrent.FutureTask<Compiled> task = CACHE.get(source);
    if (task == null || !task.isDone()) return;
    try {
      BY_INPUTS.put(inputs, task.get());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    } catch (java.util.concurrent.ExecutionException e) {
      return;
    }
    ClassCache disk = ClassCache.fromProperty();
    if (disk != null) disk.link(inputs, source);
  }

  /** Forgets the classes held in memory, as a new JVM would start: for tests of the disk cache. */
  static void forgetMemory() {
    CACHE.clear();
    BY_INPUTS.clear();
  }

  /** Defines the classes of one compilation from their bytes, in a loader of their own. */
  private static Compiled load(String className, Map<String, byte[]> classes) throws ClassNotFoundException {
    return measured(define(className, classes, JaninoCompiler.class.getClassLoader()), classes.values());
  }

  /** Defines {@code className} from the class files of its compilation ({@link #classFiles}), in a loader of its own under {@code parent}. */
  public static Class<?> define(String className, Map<String, byte[]> classes, ClassLoader parent) throws ClassNotFoundException {
    ClassLoader loader = new ClassLoader(parent) {
      @Override
      protected Class<?> findClass(String name) throws ClassNotFoundException {
        byte[] b = classes.get(name);
        if (b == null) throw new ClassNotFoundException(name);
        return defineClass(name, b, 0, b.length);
      }
    };
    return loader.loadClass(className);
  }

  private static Compiled measured(Class<?> type, Iterable<byte[]> classFiles) {
    Map<String, Integer> sizes = new LinkedHashMap<>();
    int constants = 0;
    for (byte[] bytes : classFiles) {
      sizes.putAll(BytecodeSizes.of(bytes));
      constants = Math.max(constants, ((bytes[8] & 0xff) << 8 | (bytes[9] & 0xff)) - 1); // constant_pool_count is one more
    }
    return new Compiled(type, sizes, constants);
  }

  /**
   * The class files of {@code source} compiled by Janino, by class name, to be defined elsewhere (a cluster's
   * executors, which then need no compiler): nothing is loaded or cached here.
   */
  public static Map<String, byte[]> classFiles(String source) {
    SimpleCompiler compiler = new SimpleCompiler();
    compiler.setParentClassLoader(JaninoCompiler.class.getClassLoader());
    try {
      compiler.cook(source);
    } catch (CompileException e) {
      throw new GeneratedCodeException(e.getMessage(), source, e);
    }
    Map<String, byte[]> classes = new LinkedHashMap<>();
    for (ClassFile cf : compiler.getClassFiles()) classes.put(cf.getThisClassName(), cf.toByteArray());
    return classes;
  }

  private static Compiled cook(String className, String source, ClassCache disk) {
    SimpleCompiler compiler = new SimpleCompiler();
    compiler.setParentClassLoader(JaninoCompiler.class.getClassLoader());
    compiler.setDebuggingInformation(true, true, false);
    try {
      compiler.cook(source);
      Class<?> type = compiler.getClassLoader().loadClass(className);
      Map<String, byte[]> classes = new LinkedHashMap<>();
      for (ClassFile cf : compiler.getClassFiles()) classes.put(cf.getThisClassName(), cf.toByteArray());
      if (disk != null) disk.write(source, classes);
      return measured(type, classes.values());
    } catch (CompileException e) {
      throw new GeneratedCodeException(e.getMessage(), source, e);
    } catch (LinkageError e) { // e.g. a ClassFormatError: Janino accepted what the JVM refuses to define
      throw new GeneratedCodeException("the JVM refused the generated class " + className + ": " + e, source, e);
    } catch (ClassNotFoundException e) {
      throw new GeneratedCodeException("class " + className + " missing after compilation", source, e);
    }
  }
}
