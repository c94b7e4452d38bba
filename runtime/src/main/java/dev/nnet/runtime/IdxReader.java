package dev.nnet.runtime;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Reads the IDX format of MNIST and Fashion-MNIST (unsigned bytes), gzip-compressed or raw. */
public final class IdxReader {
  private IdxReader() {}

  /** The system property naming the folder that keeps decompressed copies of gzip-compressed files ({@link IdxCache}); unset or empty: none. */
  public static final String CACHE_PROPERTY = IdxCache.PROPERTY;

  /** An IDX file's dimensions and its values as floats. */
  public record Idx(int[] dims, float[] values) {
    public int count() {
      return dims[0];
    }

    public int itemSize() {
      int n = 1;
      for (int i = 1; i < dims.length; i++) n *= dims[i];
      return n;
    }
  }

  private static final java.util.Map<Path, java.util.concurrent.CompletableFuture<Idx>> PREFETCHED =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Starts reading {@code path} on a background thread; the next {@link #read} of the same path takes that
   * result (once) instead of reading again. The command line reads the data this way while it compiles
   * the trainer: decompressing Fashion-MNIST takes as long as the compile.
   */
  public static java.util.concurrent.CompletableFuture<Idx> prefetch(Path path) {
    return prefetch(path, null);
  }

  /**
   * The same, starting once {@code after} is done (however it ends): the test set is read after the training
   * set, which the first step waits for, instead of sharing two cores with it.
   */
  public static java.util.concurrent.CompletableFuture<Idx> prefetch(Path path, java.util.concurrent.CompletableFuture<?> after) {
    return PREFETCHED.computeIfAbsent(path.toAbsolutePath().normalize(), p -> {
      // a thread of its own per file, not the common pool: on two cores that pool has one thread, and the
      // training labels would wait for the training images
      java.util.concurrent.CompletableFuture<Idx> f = new java.util.concurrent.CompletableFuture<>();
      Thread t = new Thread(() -> {
        try {
          if (after != null) after.handle((r, e) -> null).join();
          f.complete(readNow(p));
        } catch (Throwable e) {
          f.completeExceptionally(e);
        }
      }, "nnet-read-" + p.getFileName());
      t.setDaemon(true);
      t.start();
      return f;
    });
  }

  public static Idx read(Path path) {
    java.util.concurrent.CompletableFuture<Idx> pending = PREFETCHED.remove(path.toAbsolutePath().normalize());
    if (pending == null) return readNow(path);
    try {
      return pending.join();
    } catch (java.util.concurrent.CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) throw r;
      throw e;
    }
  }

  private static void widen(byte[] bytes, int n, float[] values, int at) {
    for (int i = 0; i < n; i++) values[at + i] = bytes[i] & 0xff;
  }

  private static Idx readNow(Path path) {
    boolean gzip = isGzip(path);
    IdxCache cache = IdxCache.fromProperty();
    IdxCache.Entry entry = cache == null || !gzip ? null : cache.entry(path);
    if (entry != null) {
      IdxCache.Entry.Checked copy = entry.open();
      if (copy != null) {
        try (InputStream in = new BufferedInputStream(copy, 1 << 16)) {
          Idx idx = parse(path, in, false, entry.file.toFile().length(), null); // a damaged header cannot ask for more than the copy holds
          if (copy.matches()) {
            IdxCache.hits++;
            return idx;
          }
        } catch (DataException | IOException e) {
          // a damaged copy: read the gzip file as if there were none
        }
        entry.discard();
      }
    }
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(path), 1 << 16)) {
      InputStream in = gzip ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw;
      return parse(path, in, gzip, Files.size(path), entry);
    } catch (java.nio.file.NoSuchFileException e) {
      throw DataLoader.missing(path);
    } catch (java.util.zip.ZipException e) {
      throw new DataException(path + ": corrupt gzip data (" + e.getMessage() + ")", "download or install it again", e);
    } catch (IOException e) {
      throw new DataException(path + ": cannot read (" + e.getMessage() + ")", null, e);
    }
  }

  /** Whether the file starts with gzip's magic number (false when it cannot be opened: the read proper reports that). */
  private static boolean isGzip(Path path) {
    try (InputStream in = Files.newInputStream(path)) {
      return in.read() == 0x1f && in.read() == 0x8b;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Reads an IDX file's header and values from {@code in} ({@code path} names it in errors; {@code size}
   * is the file's length, which bounds what a header may announce). When {@code cacheAs} is given, the
   * decompressed bytes are copied into it as they pass.
   */
  private static Idx parse(Path path, InputStream in, boolean gzip, long size, IdxCache.Entry cacheAs) throws IOException {
    try {
      DataInputStream data = new DataInputStream(in);
      int zero = data.readUnsignedShort();
      int type = data.readUnsignedByte();
      int ndims = data.readUnsignedByte();
      if (zero != 0 || ndims < 1 || ndims > 4) {
        throw new DataException(path + ": not an IDX file (bad magic number)",
            "IDX files start with 0x0000, a type byte and a dimension count; is this the right file?");
      }
      if (type != 0x08) {
        throw new DataException(path + ": IDX value type 0x" + Integer.toHexString(type) + " is not supported",
            "only unsigned-byte IDX files (type 0x08, as MNIST and Fashion-MNIST) are read");
      }
      int[] dims = new int[ndims];
      long total = 1;
      for (int i = 0; i < ndims; i++) {
        dims[i] = data.readInt();
        if (dims[i] < 0) throw new DataException(path + ": negative dimension in IDX header", null);
        total *= dims[i];
      }
      if (total > Integer.MAX_VALUE - 8) throw new DataException(path + ": IDX file too large (" + total + " values)", null);
      // before allocating 4 bytes a value: a damaged header must not ask for gigabytes (deflate expands at most ~1032:1)
      if (total > (gzip ? size * 1032 : size)) {
        throw new DataException(path + ": IDX file is truncated or corrupt: its header announces " + total + " values, more than "
            + size + (gzip ? " bytes of gzip data" : " bytes") + " can hold", "download or install it again");
      }
      IdxCache.Entry.Copy copy = cacheAs == null ? null : cacheAs.write(4 + 4L * ndims + total);
      try {
        if (copy != null) {
          java.nio.ByteBuffer header = java.nio.ByteBuffer.allocate(4 + 4 * ndims);
          header.put((byte) 0).put((byte) 0).put((byte) type).put((byte) ndims);
          for (int d : dims) header.putInt(d);
          copy.write(header.array(), 0, header.capacity());
        }
        // widened a chunk at a time as it is decompressed: one pass, and no second copy of the file in memory
        float[] values = new float[(int) total];
        byte[] chunk = new byte[1 << 16];
        for (int at = 0; at < values.length; ) {
          int n = Math.min(chunk.length, values.length - at);
          data.readFully(chunk, 0, n);
          widen(chunk, n, values, at);
          if (copy != null) copy.write(chunk, 0, n);
          at += n;
        }
        if (data.read() != -1) {
          throw new DataException(path + ": IDX file has data past the " + total + " values its header announces",
              "the file may be corrupt or concatenated");
        }
        if (copy != null) copy.commit(); // after the read above made the gzip stream check its own CRC
        copy = null;
        return new Idx(dims, values);
      } finally {
        if (copy != null) copy.abandon();
      }
    } catch (EOFException e) {
      throw new DataException(path + ": IDX file is truncated (ends before the data its header announces)",
          "download or install it again", e);
    }
  }
}
