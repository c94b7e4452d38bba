package dev.nnet.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;

/**
 * Decompressed copies of gzip-compressed IDX files. Inflating Fashion-MNIST's training images takes a core
 * 0.3 s on the AMD EPYC VM, on the critical path of every start; reading the 47 MB copy takes a tenth of it.
 * On only when the system property {@value #PROPERTY} names a folder (the CLI sets it to
 * {@code ~/.cache/nnet/data}), as torchvision keeps MNIST's files decompressed.
 *
 * <p>An entry is named by a SHA-256 of the gzip file's path, size and modification time and of its trailer
 * (the CRC-32 and length of the data it decompresses to), and its bytes are checked against that CRC-32 as
 * they are read: an entry that fails is removed and the gzip file read instead. Every failure falls back to
 * decompressing; the cache never makes a read fail. At most 2 GiB are kept, the least
 * recently used removed first.
 */
final class IdxCache {
  static final String PROPERTY = "nnet.dataCache";
  static final long MAX_ENTRY = 1L << 30;
  /** Bytes kept at most (a field so tests can lower it). */
  static volatile long budget = 2L << 30;
  /** Reads served from the cache, for tests. */
  static volatile int hits;

  private final Path dir;

  private IdxCache(Path dir) {
    this.dir = dir;
  }

  /** The cache the system property names, or null. */
  static IdxCache fromProperty() {
    String p = System.getProperty(PROPERTY);
    return p == null || p.isBlank() ? null : new IdxCache(Path.of(p));
  }

  /** Where the decompressed copy of {@code gz} lives (whether or not it exists yet), or null when it cannot be named. */
  Entry entry(Path gz) {
    try (RandomAccessFile f = new RandomAccessFile(gz.toFile(), "r")) {
      long size = f.length();
      if (size < 18) return null; // shorter than a gzip header and trailer
      f.seek(size - 8);
      byte[] t = new byte[8];
      f.readFully(t);
      long crc = littleEndian(t, 0), isize = littleEndian(t, 4);
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update((gz.toAbsolutePath().normalize() + "\0" + size + "\0" + Files.getLastModifiedTime(gz).toMillis()
          + "\0" + crc + "\0" + isize).getBytes(StandardCharsets.UTF_8));
      return new Entry(dir.resolve(HexFormat.of().formatHex(sha.digest()) + ".idx"), crc, isize);
    } catch (IOException | NoSuchAlgorithmException e) {
      return null;
    }
  }

  private static long littleEndian(byte[] b, int at) {
    return (b[at] & 0xffL) | (b[at + 1] & 0xffL) << 8 | (b[at + 2] & 0xffL) << 16 | (b[at + 3] & 0xffL) << 24;
  }

  /** One gzip file's decompressed copy, and the trailer it must agree with. */
  final class Entry {
    final Path file;
    private final long crc, isize;

    private Entry(Path file, long crc, long isize) {
      this.file = file;
      this.crc = crc;
      this.isize = isize;
    }

    /** The copy as a stream that checks it, or null when there is none of the right length. */
    Checked open() {
      try {
        if (!Files.isRegularFile(file) || (Files.size(file) & 0xffffffffL) != isize) return null;
        Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis())); // recently used
        return new Checked(Files.newInputStream(file));
      } catch (IOException e) {
        return null;
      }
    }

    /** A reader's view of the copy: whether every byte it read agreed with the gzip file's CRC-32. */
    final class Checked extends CheckedInputStream {
      Checked(InputStream in) {
        super(in, new CRC32());
      }

      boolean matches() {
        return getChecksum().getValue() == crc;
      }
    }

    /** Removes a copy that failed its check. */
    void discard() {
      try {
        Files.deleteIfExists(file);
      } catch (IOException ignored) {
        // the next read checks it again and falls back again
      }
    }

    /** Starts writing the copy of {@code bytes} bytes, or returns null when it would be too large or cannot start. */
    Copy write(long bytes) {
      if (bytes > MAX_ENTRY) return null;
      try {
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        return new Copy(tmp, Files.newOutputStream(tmp));
      } catch (IOException e) {
        return null;
      }
    }

    /**
     * A copy being written beside the final name while the gzip file is decompressed; renamed into place
     * only when it is complete and agrees with the trailer. A write error abandons it, never the read.
     */
    final class Copy {
      private final Path tmp;
      private OutputStream out;
      private final CRC32 sum = new CRC32();
      private long length;

      private Copy(Path tmp, OutputStream out) {
        this.tmp = tmp;
        this.out = new java.io.BufferedOutputStream(out, 1 << 16);
      }

      void write(byte[] b, int off, int len) {
        if (out == null) return;
        try {
          out.write(b, off, len);
          sum.update(b, off, len);
          length += len;
        } catch (IOException e) {
          abandon();
        }
      }

      /** Puts the copy in place if it holds what the trailer describes (a gzip file of several members does not). */
      void commit() {
        if (out == null) return;
        try {
          out.close();
          out = null;
          if (sum.getValue() != crc || (length & 0xffffffffL) != isize) {
            Files.deleteIfExists(tmp);
            return;
          }
          Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
          trim();
        } catch (IOException e) {
          abandon();
        }
      }

      void abandon() {
        try {
          if (out != null) out.close();
        } catch (IOException ignored) {
          // being thrown away anyway
        }
        out = null;
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // a stray temporary file; harmless
        }
      }
    }
  }

  /** Removes the least recently used copies until the rest fit the budget. */
  private void trim() throws IOException {
    record Held(Path file, long size, long used) {}
    List<Held> held = new ArrayList<>();
    try (var s = Files.list(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (p.getFileName().toString().endsWith(".idx")) held.add(new Held(p, Files.size(p), Files.getLastModifiedTime(p).toMillis()));
      }
    }
    held.sort(java.util.Comparator.comparingLong(Held::used));
    long total = held.stream().mapToLong(Held::size).sum();
    for (Held h : held) {
      if (total <= budget) break;
      Files.deleteIfExists(h.file());
      total -= h.size();
    }
  }
}
