package dev.nnet.runtime;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Collectors;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Decompressed copies of gzip IDX files: used when they agree with the gzip file, never trusted when they do not. */
class IdxCacheTest {
  @TempDir
  Path dir;

  Path cache;
  long budget;

  @BeforeEach
  void on() {
    cache = dir.resolve("cache");
    System.setProperty(IdxReader.CACHE_PROPERTY, cache.toString());
    budget = IdxCache.budget;
  }

  @AfterEach
  void off() {
    System.clearProperty(IdxReader.CACHE_PROPERTY);
    IdxCache.budget = budget;
  }

  static byte[] gzip(byte[]... members) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] m : members) {
      ByteArrayOutputStream one = new ByteArrayOutputStream();
      try (GZIPOutputStream z = new GZIPOutputStream(one)) {
        z.write(m);
      }
      out.write(one.toByteArray());
    }
    return out.toByteArray();
  }

  /** An IDX file of {@code n} bytes counting up from {@code first}. */
  static byte[] counting(int n, int first) throws IOException {
    int[] dims = new int[1 + n];
    dims[0] = n;
    for (int i = 0; i < n; i++) dims[1 + i] = (first + i) & 0xff;
    return ReadersTest.idx(1, dims);
  }

  List<Path> entries() throws IOException {
    if (!Files.isDirectory(cache)) return List.of();
    try (var s = Files.list(cache)) {
      return s.sorted().collect(Collectors.toList());
    }
  }

  @Test
  void aSecondReadTakesTheCheckedCopy() throws IOException {
    byte[] raw = counting(1000, 3);
    Path gz = dir.resolve("a.idx.gz");
    Files.write(gz, gzip(raw));
    float[] first = IdxReader.read(gz).values();
    assertEquals(1, entries().size(), "the first read leaves one copy");
    assertArrayEquals(raw, Files.readAllBytes(entries().get(0)), "the copy is the decompressed file, byte for byte");
    int hits = IdxCache.hits;
    IdxReader.Idx second = IdxReader.read(gz);
    assertEquals(hits + 1, IdxCache.hits, "the second read is served by the copy");
    assertArrayEquals(first, second.values());
    assertArrayEquals(new int[] {1000}, second.dims());
    assertEquals(3f, second.values()[0]);
    assertEquals(1, entries().size());
  }

  @Test
  void aDamagedCopyIsNotTrustedAndIsReplaced() throws IOException {
    byte[] raw = counting(1000, 0);
    Path gz = dir.resolve("a.idx.gz");
    Files.write(gz, gzip(raw));
    IdxReader.read(gz);
    Path copy = entries().get(0);
    byte[] damaged = raw.clone();
    damaged[500] ^= 1; // same length, one value off by one: only the CRC-32 can tell
    Files.write(copy, damaged);
    int hits = IdxCache.hits;
    float[] read = IdxReader.read(gz).values();
    assertEquals(hits, IdxCache.hits, "a copy that fails its check is not a hit");
    assertEquals((500 - 4 - 4) & 0xff, (int) read[500 - 8], "the value comes from the gzip file");
    for (int i = 0; i < read.length; i++) assertEquals(i & 0xff, (int) read[i]);
    assertArrayEquals(raw, Files.readAllBytes(entries().get(0)), "and the copy is written again");

    Files.write(copy, java.util.Arrays.copyOf(raw, raw.length - 1)); // a short copy is not opened at all
    assertArrayEquals(read, IdxReader.read(gz).values());
    assertEquals(hits, IdxCache.hits);
    Files.write(copy, "not an idx file at all, the same len".getBytes());
    assertArrayEquals(read, IdxReader.read(gz).values());
    byte[] lying = raw.clone(); // the right length, but a header announcing 2^31 values: refused before allocating 8 GB
    lying[4] = 0x7f;
    lying[5] = lying[6] = lying[7] = (byte) 0xf0;
    Files.write(entries().get(0), lying);
    assertArrayEquals(read, IdxReader.read(gz).values());
    assertEquals(hits, IdxCache.hits);
  }

  @Test
  void aChangedFileGetsItsOwnCopy() throws IOException {
    Path gz = dir.resolve("a.idx.gz");
    Files.write(gz, gzip(counting(100, 0)));
    IdxReader.read(gz);
    Files.write(gz, gzip(counting(100, 7)));
    Files.setLastModifiedTime(gz, FileTime.fromMillis(Files.getLastModifiedTime(gz).toMillis() + 2000));
    assertEquals(7f, IdxReader.read(gz).values()[0], "the new file's values, not the old copy's");
    assertEquals(2, entries().size());
    assertEquals(7f, IdxReader.read(gz).values()[0]);
  }

  @Test
  void noCopyOfWhatTheTrailerCannotVouchFor() throws IOException {
    byte[] raw = counting(1000, 0);
    Path gz = dir.resolve("two-members.idx.gz"); // gzip's last trailer covers only the last member
    Files.write(gz, gzip(java.util.Arrays.copyOf(raw, 600), java.util.Arrays.copyOfRange(raw, 600, raw.length)));
    assertEquals(255f, IdxReader.read(gz).values()[255]);
    assertEquals(List.of(), entries(), "nothing kept");
    Path plain = dir.resolve("a.idx");
    Files.write(plain, raw);
    IdxReader.read(plain);
    assertEquals(List.of(), entries(), "an uncompressed file is read as it is");
  }

  @Test
  void offUnlessAFolderIsNamed() throws IOException {
    System.clearProperty(IdxReader.CACHE_PROPERTY);
    Path gz = dir.resolve("a.idx.gz");
    Files.write(gz, gzip(counting(10, 0)));
    IdxReader.read(gz);
    assertFalse(Files.exists(cache));
  }

  @Test
  void aCacheThatCannotBeWrittenChangesNothing() throws IOException {
    Path file = dir.resolve("a-file");
    Files.writeString(file, "in the way");
    System.setProperty(IdxReader.CACHE_PROPERTY, file.resolve("cache").toString()); // a folder that cannot be made
    Path gz = dir.resolve("a.idx.gz");
    Files.write(gz, gzip(counting(300, 5)));
    int hits = IdxCache.hits;
    for (int i = 0; i < 2; i++) assertEquals(5f, IdxReader.read(gz).values()[0]);
    assertEquals(hits, IdxCache.hits);
    assertEquals("in the way", Files.readString(file));
    DataException missing = assertThrows(DataException.class, () -> IdxReader.read(dir.resolve("gone.idx.gz")));
    assertTrue(missing.getMessage().contains("gone.idx.gz"), missing.getMessage());
  }

  @Test
  void theLeastRecentlyUsedCopiesGoFirst() throws IOException {
    IdxCache.budget = 2 * (1000 + 8) + 10; // room for two copies
    Path[] gz = new Path[3];
    for (int i = 0; i < 3; i++) {
      gz[i] = dir.resolve(i + ".idx.gz");
      Files.write(gz[i], gzip(counting(1000, i)));
    }
    IdxReader.read(gz[0]);
    IdxReader.read(gz[1]);
    for (Path p : entries()) Files.setLastModifiedTime(p, FileTime.fromMillis(System.currentTimeMillis() - 60_000));
    int hits = IdxCache.hits;
    IdxReader.read(gz[0]); // used again: now the most recent
    assertEquals(hits + 1, IdxCache.hits);
    IdxReader.read(gz[2]);
    assertEquals(2, entries().size());
    IdxReader.read(gz[0]);
    assertEquals(hits + 2, IdxCache.hits, "the copy used last is kept");
    IdxReader.read(gz[1]);
    assertEquals(hits + 2, IdxCache.hits, "the one not used since is gone");
  }
}
