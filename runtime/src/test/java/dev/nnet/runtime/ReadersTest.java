package dev.nnet.runtime;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** IDX and CSV readers: good files read exactly; every kind of bad file gets a clear error naming it. */
class ReadersTest {
  @TempDir
  Path dir;

  /** An unsigned-byte IDX file with {@code ndims} dimensions, then the values. */
  static byte[] idx(int ndims, int... dimsThenValues) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(b);
    out.writeShort(0);
    out.writeByte(0x08);
    out.writeByte(ndims);
    for (int i = 0; i < ndims; i++) out.writeInt(dimsThenValues[i]);
    for (int i = ndims; i < dimsThenValues.length; i++) out.writeByte(dimsThenValues[i]);
    return b.toByteArray();
  }

  @Test
  void readsRawAndGzippedIdx() throws IOException {
    byte[] raw = idx(2, 2, 3, 0, 1, 2, 253, 254, 255);
    Files.write(dir.resolve("a.idx"), raw);
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
      z.write(raw);
    }
    Files.write(dir.resolve("a.idx.gz"), gz.toByteArray());
    for (String f : new String[] {"a.idx", "a.idx.gz"}) {
      IdxReader.Idx x = IdxReader.read(dir.resolve(f));
      assertArrayEquals(new int[] {2, 3}, x.dims());
      assertArrayEquals(new float[] {0, 1, 2, 253, 254, 255}, x.values());
    }
  }

  @Test
  void aPrefetchedFileIsReadOnceInTheBackgroundAndItsErrorsSurfaceAtRead() throws IOException {
    Path p = dir.resolve("p.idx");
    Files.write(p, idx(1, 3, 7, 8, 9));
    IdxReader.prefetch(p);
    IdxReader.Idx first = IdxReader.read(p);
    assertArrayEquals(new float[] {7, 8, 9}, first.values());
    Files.write(p, idx(1, 2, 5, 6));
    assertArrayEquals(new float[] {5, 6}, IdxReader.read(p).values(), "a prefetch is used once; the next read reads the file");
    Path missing = dir.resolve("missing.idx");
    IdxReader.prefetch(missing);  // no error yet: it belongs to the read
    DataException e = assertThrows(DataException.class, () -> IdxReader.read(missing));
    assertTrue(e.getMessage().contains("missing.idx"), e.getMessage());
  }

  @Test
  void aPrefetchAfterAnotherWaitsForIt() throws Exception {
    Path p = dir.resolve("later.idx");
    Files.write(p, idx(1, 2, 3, 4));
    java.util.concurrent.CompletableFuture<Void> first = new java.util.concurrent.CompletableFuture<>();
    java.util.concurrent.CompletableFuture<IdxReader.Idx> later = IdxReader.prefetch(p, first);
    Thread.sleep(300);
    assertFalse(later.isDone(), "not read before the other is done");
    Files.write(p, idx(1, 2, 5, 6)); // what the file holds when the read starts is what is read
    first.completeExceptionally(new IllegalStateException("however it ends"));
    assertArrayEquals(new float[] {5, 6}, IdxReader.read(p).values());
  }

  @Test
  void badIdxFilesAreNamed() throws IOException {
    Path p = dir.resolve("bad.idx");
    Files.write(p, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
    assertTrue(assertThrows(DataException.class, () -> IdxReader.read(p)).getMessage().contains("bad.idx: not an IDX file"));
    byte[] truncated = idx(1, 10, 1, 2, 3);
    Files.write(p, truncated);
    assertTrue(assertThrows(DataException.class, () -> IdxReader.read(p)).getMessage().contains("truncated"));
    // a gzip file whose header announces a billion values: refused before anything that size is allocated
    Path lying = dir.resolve("lying.gz");
    try (java.io.OutputStream out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(lying))) {
      out.write(new byte[] {0, 0, 8, 1, 0x40, 0, 0, 0, 1, 2, 3});
    }
    String said = assertThrows(DataException.class, () -> IdxReader.read(lying)).getMessage();
    assertTrue(said.contains("lying.gz: IDX file is truncated or corrupt: its header announces 1073741824 values"), said);
    DataException missing = assertThrows(DataException.class, () -> IdxReader.read(dir.resolve("nope.gz")));
    assertTrue(missing.getMessage().startsWith("data file not found"));
    assertNotNull(missing.hint());
  }

  @Test
  void csvWithHeaderAndWordLabels() throws IOException {
    Path p = dir.resolve("f.csv");
    Files.writeString(p, "a,b,kind\n1,2,cat\n3,4,dog\n5,6,cat\n");
    Dataset d = CsvReader.read(p, "kind", null, false);
    assertEquals(3, d.rows());
    assertEquals(2, d.featureSize());
    assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, d.features());
    assertArrayEquals(new int[] {0, 1, 0}, d.labels(), "classes in sorted order of their names");
    assertEquals(2, d.classes());
    assertEquals(java.util.List.of("cat", "dog"), d.classNames());
    Path test = dir.resolve("t.csv");
    Files.writeString(test, "a,b,kind\n1,2,dog\n");
    assertArrayEquals(new int[] {1}, CsvReader.read(test, "kind", null, false, d.classNames()).labels(), "a test file maps names as the training file did");
    Files.writeString(test, "a,b,kind\n1,2,bird\n");
    DataException e = assertThrows(DataException.class, () -> CsvReader.read(test, "kind", null, false, d.classNames()));
    assertTrue(e.getMessage().contains("t.csv:2: class 'bird' does not occur in the training data"), e.getMessage());
  }

  @Test
  void csvErrorsNameTheRecord() throws IOException {
    Path p = dir.resolve("g.csv");
    Files.writeString(p, "a,b,y\n1,2,0\n3,oops,1\n");
    DataException e = assertThrows(DataException.class, () -> CsvReader.read(p, null, null, false));
    assertTrue(e.getMessage().contains("g.csv:3: 'b' holds 'oops'"), e.getMessage());
    Files.writeString(p, "1,2,0\n3,4\n");
    e = assertThrows(DataException.class, () -> CsvReader.read(p, null, null, false));
    assertTrue(e.getMessage().contains("g.csv:2: row has 2 columns, expected 3"), e.getMessage());
    Files.writeString(p, "1,2,0\n3,NaN,1\n");
    e = assertThrows(DataException.class, () -> CsvReader.read(p, null, null, false));
    assertTrue(e.getMessage().contains("not a finite number"), e.getMessage());
  }
}
