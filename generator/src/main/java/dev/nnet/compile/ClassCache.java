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
 * name and bytes. The key covers the source, Janino's version and the Java version, so a changed file, a
 * new nnet or another JVM compiles afresh. A write goes to a temporary file that is then renamed; a file
 * that cannot be read is treated as absent. The cache is a convenience: every failure falls back to compiling.
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
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(source.getBytes(StandardCharsets.UTF_8));
      Class<?> janino = org.codehaus.janino.SimpleCompiler.class;
      String where = janino.getProtectionDomain().getCodeSource() == null ? "" : String.valueOf(janino.getProtectionDomain().getCodeSource().getLocation());
      sha.update(("\0janino " + janino.getPackage().getImplementationVersion() + " " + where + "\0java " + Runtime.version())
          .getBytes(StandardCharsets.UTF_8));
      return dir.resolve(HexFormat.of().formatHex(sha.digest()) + ".classes");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The classes compiled from {@code source}, or null when there are none (or they cannot be read). */
  Map<String, byte[]> read(String source) {
    Path f = file(source);
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
    Path f = file(source);
    Path tmp = null;
    try {
      Files.createDirectories(dir);
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        out.writeLong(MAGIC);
        out.writeInt(classes.size());
        for (Map.Entry<String, byte[]> e : classes.entrySet()) {
          out.writeUTF(e.getKey());
          out.writeInt(e.getValue().length);
          out.write(e.getValue());
        }
      }
      tmp = Files.createTempFile(dir, f.getFileName().toString(), ".tmp");
      Files.write(tmp, bytes.toByteArray());
      Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      prune();
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

  private void prune() throws IOException {
    java.util.List<Path> entries;
    try (java.util.stream.Stream<Path> files = Files.list(dir)) {
      entries = files.filter(p -> p.getFileName().toString().endsWith(".classes")).collect(java.util.stream.Collectors.toList());
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
