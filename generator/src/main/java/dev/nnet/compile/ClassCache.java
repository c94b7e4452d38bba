package dev.nnet.compile;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Compiled classes on disk, one file per generated source: {@code <sha-256>.classes} holding each class's
 * name and bytes. The key covers the source and the build that compiles and runs it (Janino's, nnet's
 * generator and runtime jars, the Java version), so a changed file, a rebuilt nnet or another JVM compiles
 * afresh. Beside them, {@code <sha-256>.inputs} files name the entry that a set of compiler inputs (a .nnet
 * text, its imports, the options) generated, so an unchanged file skips generating its source as well.
 * A write goes to a temporary file that is then renamed; a file that cannot be read is treated as absent.
 * The cache is a convenience: every failure falls back to compiling.
 */
final class ClassCache {
  private static final long MAGIC = 0x4E4E4554434C5331L; // "NNETCLS1"
  private final Path dir;

  private ClassCache(Path dir) {
    this.dir = dir;
  }

  /** The cache the system property names, or null. */
  static ClassCache fromProperty() {
    String p = System.getProperty(JaninoCompiler.CACHE_PROPERTY);
    return p == null || p.isBlank() ? null : new ClassCache(Path.of(p));
  }

  private Path file(String source) {
    return dir.resolve(digest(source) + ".classes");
  }

  /** SHA-256 of {@code text} and of the build that compiles and runs the classes, in hex. */
  private static String digest(String text) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(text.getBytes(StandardCharsets.UTF_8));
      sha.update(BUILD.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * What the stored classes depend on besides their source: Janino, which compiled them; nnet's runtime,
   * which they link against (its constants are copied into them); the generator, which wrote the source an
   * {@code .inputs} entry stands for; and the JVM. A development build's version never changes, so each jar
   * (or class folder) is named by its files' sizes and modification times.
   */
  private static final String BUILD = "\0janino " + origin(org.codehaus.janino.SimpleCompiler.class)
      + "\0runtime " + origin(dev.nnet.runtime.Network.class) + "\0generator " + origin(ClassCache.class) + "\0java " + Runtime.version();

  private static String origin(Class<?> c) {
    StringBuilder b = new StringBuilder(String.valueOf(c.getPackage().getImplementationVersion()));
    try {
      java.security.CodeSource cs = c.getProtectionDomain().getCodeSource();
      if (cs == null || cs.getLocation() == null) return b.toString();
      Path at = Path.of(cs.getLocation().toURI());
      b.append(' ').append(at);
      if (Files.isRegularFile(at)) {
        b.append(' ').append(Files.size(at)).append(' ').append(Files.getLastModifiedTime(at).toMillis());
      } else if (Files.isDirectory(at)) {
        try (java.util.stream.Stream<Path> files = Files.walk(at)) {
          for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
            b.append(' ').append(at.relativize(f)).append(':').append(Files.size(f)).append(':').append(Files.getLastModifiedTime(f).toMillis());
          }
        }
      }
    } catch (IOException | java.net.URISyntaxException | RuntimeException e) {
      b.append(" unknown ").append(System.nanoTime()); // a key no later run repeats: nothing stale is ever loaded
    }
    return b.toString();
  }

  /** The classes compiled from {@code source}, or null when there are none (or they cannot be read). */
  Map<String, byte[]> read(String source) {
    return readEntry(file(source));
  }

  /** The classes of the source that {@code inputs} generated ({@link #link}), or null. */
  Map<String, byte[]> readLinked(String inputs) {
    try {
      String entry = Files.readString(dir.resolve(digest(inputs) + ".inputs"), StandardCharsets.US_ASCII).strip();
      return entry.matches("[0-9a-f]{64}") ? readEntry(dir.resolve(entry + ".classes")) : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** Records that {@code inputs} generated {@code source}, whose classes are stored. */
  void link(String inputs, String source) {
    writeAtomically(dir.resolve(digest(inputs) + ".inputs"), digest(source).getBytes(StandardCharsets.US_ASCII));
  }

  private static Map<String, byte[]> readEntry(Path f) {
    if (!Files.isRegularFile(f)) return null;
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(Files.readAllBytes(f)))) {
      if (in.readLong() != MAGIC) return null;
      int n = in.readInt();
      if (n < 1 || n > 1000) return null;
      Map<String, byte[]> classes = new LinkedHashMap<>();
      for (int i = 0; i < n; i++) {
        String name = in.readUTF();
        int len = in.readInt();
        if (len < 10 || len > 64 << 20) return null;
        byte[] b = new byte[len];
        in.readFully(b);
        classes.put(name, b);
      }
      return classes;
    } catch (IOException e) {
      return null;
    }
  }

  void write(String source, Map<String, byte[]> classes) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeLong(MAGIC);
      out.writeInt(classes.size());
      for (Map.Entry<String, byte[]> e : classes.entrySet()) {
        out.writeUTF(e.getKey());
        out.writeInt(e.getValue().length);
        out.write(e.getValue());
      }
    } catch (IOException e) {
      return; // not for a byte array
    }
    writeAtomically(file(source), bytes.toByteArray());
  }

  private void writeAtomically(Path f, byte[] content) {
    Path tmp = null;
    try {
      Files.createDirectories(dir);
      tmp = Files.createTempFile(dir, f.getFileName().toString(), ".tmp");
      Files.write(tmp, content);
      Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      prune(f.getFileName().toString().substring(f.getFileName().toString().lastIndexOf('.')));
    } catch (IOException | RuntimeException e) {
      // no cache this time: the class is compiled and works the same
      try {
        if (tmp != null) Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // nothing more to do
      }
    }
  }

  /** Entries kept at most; beyond it the least recently written go (a trainer class is 0.1–1 MB). */
  static final int MAX_ENTRIES = 200;

  private void prune(String suffix) throws IOException {
    java.util.List<Path> entries;
    try (java.util.stream.Stream<Path> files = Files.list(dir)) {
      entries = files.filter(p -> p.getFileName().toString().endsWith(suffix)).collect(java.util.stream.Collectors.toList());
    }
    if (entries.size() <= MAX_ENTRIES) return;
    entries.sort(java.util.Comparator.comparing(p -> p.toFile().lastModified()));
    for (Path p : entries.subList(0, entries.size() - MAX_ENTRIES * 3 / 4)) Files.deleteIfExists(p);
  }

  void forget(String source) {
    try {
      Files.deleteIfExists(file(source));
    } catch (IOException ignored) {
      // a later write replaces it
    }
  }
}
