package dev.nnet.runtime;

import java.io.*;
import java.nio.channels.FileChannel;
import java.util.List;
import java.nio.file.*;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * A trained network on disk: parameters, optimizer state and the training position, so training can
 * resume and eval/predict can load it. Written to a temporary file and renamed into place, so an
 * interrupted write never leaves a half-written checkpoint under the real name; a CRC detects corruption.
 *
 * <p>Layout (big-endian): magic "NNETCKP2", model name, signature, precision, parameter count and values,
 * optimizer-state count and values, optimizer steps, noise state, epochs done, steps done, shuffle state,
 * schedule state, early-stopping state, the best weights so far (for restore_best), augmentation state, the
 * fitted preprocessing, the class names, CRC32.
 */
public final class Checkpoint {
  private static final long MAGIC = 0x4E4E4554434B5032L; // "NNETCKP2"
  private static final long MAGIC_V1 = 0x4E4E4554434B5031L;
  /**
   * Marks the tensor directory (name, offset, shape, layout of every parameter tensor) between the class
   * names and the checksum, so another network can load tensors by name ({@code from "base.ckpt" load ...}).
   * Files written before it have none; a CRC32 stored as a long never equals it.
   */
  private static final long DIRECTORY = 0x4E4E455444495231L; // "NNETDIR1"

  /**
   * Marks the run's history (what {@code nnet report CKPT} draws; opaque bytes here) after the directory:
   * marker, length, bytes, length again, so it can be found from the end of the file and skipped from the front.
   */
  private static final long HISTORY = 0x4E4E455448495331L; // "NNETHIS1"

  /**
   * Where training stood when the checkpoint was written: enough to resume bit-identically.
   *
   * @param scheduleState the schedule's own state (plateau); may be empty
   * @param stopperState  early stopping's best value, epochs waited and best epoch; may be empty
   * @param bestParams    the weights of the best epoch so far when early stopping restores them; may be empty
   */
  public record Position(int epochsDone, long stepsDone, long shuffleState, double[] scheduleState, double[] stopperState,
                         double[] bestParams, long augmentState, double[] preprocessState, List<String> classNames) {
    public Position withPreprocessState(double[] state) {
      return new Position(epochsDone, stepsDone, shuffleState, scheduleState, stopperState, bestParams, augmentState, state, classNames);
    }

    public static Position start(long shuffleState, long augmentState) {
      return new Position(0, 0, shuffleState, new double[0], new double[0], new double[0], augmentState, new double[0], List.of());
    }
  }

  private Checkpoint() {}

  public static void save(Network net, Position position, Path path) {
    save(net, position, path, null);
  }

  /** {@link #save}, with the run's history (may be null) stored beside the weights. */
  public static void save(Network net, Position position, Path path, byte[] history) {
    write(net, position, path, net.spec().precision().keyword(), true, history);
  }

  /** The keyword of a weights file whose parameters are bf16: the top half of each float, rounded to nearest even. */
  public static final String BF16 = "bf16";

  /**
   * A weights-only checkpoint for inference: the parameters (in the trainer's precision, or bf16 for half the
   * bytes), the preprocessing statistics and class names, no optimizer state or best weights. Loads like a
   * checkpoint (the optimizer starts afresh) and into {@code <Model>Predictor} (generated with
   * {@code --weights-precision bf16} for the bf16 form).
   */
  public static void saveWeights(Network net, Position position, Path path, boolean bf16) {
    Position lean = new Position(position.epochsDone(), position.stepsDone(), position.shuffleState(), position.scheduleState(),
        position.stopperState(), new double[0], position.augmentState(), position.preprocessState(), position.classNames());
    write(net, lean, path, bf16 ? BF16 : net.spec().precision().keyword(), false, null);
  }

  /** f as bf16 bits, rounded to nearest even (a NaN stays NaN or becomes an infinity: never finite). */
  public static short bf16(float f) {
    int x = Float.floatToRawIntBits(f), a = x & 0x7fffffff;
    return (short) (Math.min((a + 0x7fff + ((a >>> 16) & 1)) >>> 16, 0x7fc0) | ((x >>> 16) & 0x8000));
  }

  private static void write(Network net, Position position, Path path, String keyword, boolean withOptimizer, byte[] history) {
    NetworkSpec spec = net.spec();
    Path dir = path.toAbsolutePath().getParent();
    Path tmp = null;
    try {
      Files.createDirectories(dir);
      tmp = Files.createTempFile(dir, path.getFileName().toString(), ".tmp");
      CRC32 crc = new CRC32();
      try (OutputStream file = Files.newOutputStream(tmp);
           DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new CheckedOutputStream(file, crc), 1 << 16))) {
        out.writeLong(MAGIC);
        out.writeUTF(spec.modelName());
        out.writeUTF(spec.signature());
        out.writeUTF(keyword);
        if (keyword.equals(BF16)) {
          Arena a = net.parameters();
          out.writeInt(a.size());
          for (int i = 0; i < a.size(); i++) out.writeShort(bf16((float) a.get(i)));
        } else {
          writeArena(out, net.parameters(), spec.precision());
        }
        if (withOptimizer) writeArena(out, net.optimizerState(), spec.precision());
        else out.writeInt(0);
        out.writeInt(net.optimizerSteps());
        out.writeLong(net.noiseState());
        out.writeInt(position.epochsDone());
        out.writeLong(position.stepsDone());
        out.writeLong(position.shuffleState());
        writeDoubles(out, position.scheduleState());
        writeDoubles(out, position.stopperState());
        writeDoubles(out, position.bestParams());
        out.writeLong(position.augmentState());
        writeDoubles(out, position.preprocessState());
        out.writeInt(position.classNames().size());
        for (String c : position.classNames()) out.writeUTF(c);
        out.writeLong(DIRECTORY);
        out.writeInt(spec.tensors().size());
        for (ParamTensor t : spec.tensors()) {
          out.writeUTF(t.name());
          out.writeInt(t.offset());
          out.writeBoolean(t.storedTransposed());
          out.writeInt(t.shape().length);
          for (int d : t.shape()) out.writeInt(d);
        }
        if (history != null) writeHistory(out, history);
        out.flush();
        out.writeLong(crc.getValue());
      }
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // the temp file is harmless; the real checkpoint is untouched
        }
      }
      throw new NnetException("cannot write checkpoint " + path + " (" + e.getMessage() + ")",
          "check that the folder is writable and the disk has space; the previous checkpoint, if any, is unchanged", e);
    }
  }

  private static void writeDoubles(DataOutputStream out, double[] v) throws IOException {
    out.writeInt(v.length);
    for (double d : v) out.writeDouble(d);
  }

  private static double[] readDoubles(DataInputStream in, Path path) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > 1 << 28) throw new NnetException(path + " is corrupt (bad length)", "use an earlier checkpoint or train again");
    double[] v = new double[n];
    for (int i = 0; i < n; i++) v[i] = in.readDouble();
    return v;
  }

  private static List<String> readNames(DataInputStream in, Path path) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > 1 << 20) throw new NnetException(path + " is corrupt (bad length)", "use an earlier checkpoint or train again");
    List<String> names = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) names.add(in.readUTF());
    return List.copyOf(names);
  }

  private static void writeArena(DataOutputStream out, Arena a, Precision p) throws IOException {
    out.writeInt(a.size());
    for (int i = 0; i < a.size(); i++) {
      if (p == Precision.FLOAT32) out.writeFloat((float) a.get(i));
      else out.writeDouble(a.get(i));
    }
  }

  /** Loads a checkpoint into {@code net}, which must have the same parameter layout. */
  public static Position load(Network net, Path path) {
    NetworkSpec spec = net.spec();
    CRC32 crc = new CRC32();
    try (DataInputStream in = new DataInputStream(new CheckedInputStream(new BufferedInputStream(Files.newInputStream(path), 1 << 16), crc))) {
      long magic = in.readLong();
      if (magic == MAGIC_V1) throw new NnetException(path + " was written by an older nnet", "train again with this version");
      if (magic != MAGIC) throw new NnetException(path + " is not an nnet checkpoint", "give the file written by 'nnet train'");
      String model = in.readUTF();
      String signature = in.readUTF();
      String precision = in.readUTF();
      boolean bf16 = precision.equals(BF16) && spec.precision() == Precision.FLOAT32;
      if (!signature.equals(spec.signature()) || !(bf16 || precision.equals(spec.precision().keyword()))) {
        throw new NnetException(path + " was written by model '" + model + "' (" + precision + ", layout " + signature
            + ") and does not fit '" + spec.modelName() + "' (" + spec.precision().keyword() + ", layout " + spec.signature() + ")",
            "a checkpoint loads only into the network that wrote it: same layers, sizes and precision");
      }
      Precision p = spec.precision();
      double[] params = bf16 ? readBf16(in, net.parameters().size(), path) : readArena(in, net.parameters().size(), p, path, "parameters");
      double[] opt = readOptimizerState(in, net.optimizerState().size(), p, path);
      int optSteps = in.readInt();
      long noise = in.readLong();
      Position pos = new Position(in.readInt(), in.readLong(), in.readLong(), readDoubles(in, path), readDoubles(in, path), readDoubles(in, path),
          in.readLong(), readDoubles(in, path), readNames(in, path));
      long expected = crc.getValue(); // the buffer sits below the checksum, so only bytes read so far count
      long stored = in.readLong();
      if (stored == DIRECTORY) {
        readDirectory(in, path);
        expected = crc.getValue();
        stored = in.readLong();
      }
      if (stored == HISTORY) {
        skipHistory(in, path);
        expected = crc.getValue();
        stored = in.readLong();
      }
      if (expected != stored) throw new NnetException(path + " is corrupt (checksum mismatch)", "use an earlier checkpoint or train again");
      for (int i = 0; i < params.length; i++) {
        if (!Double.isFinite(params[i])) {
          throw new NnetException(path + " holds a non-finite parameter (" + params[i] + " at arena offset " + i + ")",
              "it was written by a run that diverged; use an earlier checkpoint or train again");
        }
      }
      Arena pa = net.parameters(), oa = net.optimizerState();
      for (int i = 0; i < params.length; i++) pa.set(i, params[i]);
      for (int i = 0; i < opt.length; i++) oa.set(i, opt[i]);
      net.setOptimizerSteps(optSteps);
      net.setNoiseState(noise);
      net.parametersChanged();
      return pos;
    } catch (IOException e) {
      throw unreadable(path, e, "train first: nnet train FILE  writes one");
    }
  }

  /** Why a checkpoint could not be read, for a person: missing, truncated, corrupt, or the system's reason. */
  private static NnetException unreadable(Path path, IOException e, String whenMissing) {
    if (e instanceof NoSuchFileException) return new NnetException("checkpoint not found: " + path, whenMissing);
    if (e instanceof EOFException) return new NnetException(path + " is truncated", "the write may have been interrupted; use an earlier checkpoint or train again", e);
    if (e instanceof UTFDataFormatException) return new NnetException(path + " is corrupt", "use an earlier checkpoint or train again", e);
    return new NnetException("cannot read checkpoint " + path + " (" + e.getMessage() + ")", null, e);
  }

  /**
   * A training's hold on its checkpoint: an OS lock on {@code <checkpoint>.lock}, which the OS releases
   * however the process ends (even {@code kill -9}). A second training into the same checkpoint is refused
   * while the first runs; the first to take the lock removes the temporary files a killed run left beside
   * the checkpoint (only a holder of the lock can be writing them).
   */
  public static final class Lock implements AutoCloseable {
    private final Path file;
    private final FileChannel channel;
    private final java.nio.channels.FileLock lock;

    private Lock(Path file, FileChannel channel, java.nio.channels.FileLock lock) {
      this.file = file;
      this.channel = channel;
      this.lock = lock;
    }

    @Override
    public void close() {
      try {
        Files.deleteIfExists(file); // before the release: a waiting run then creates a fresh file and locks that
        lock.release();
        channel.close();
      } catch (IOException ignored) {
        // the OS drops the lock with the process anyway
      }
    }
  }

  /** Takes the lock of the checkpoint {@code path} and removes stale temporaries; see {@link Lock}. */
  public static Lock lock(Path path) {
    Path abs = path.toAbsolutePath();
    Path file = abs.resolveSibling(abs.getFileName() + ".lock");
    FileChannel channel = null;
    try {
      Files.createDirectories(abs.getParent());
      channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      java.nio.channels.FileLock lock = channel.tryLock();
      if (lock == null) {
        channel.close();
        throw new NnetException("another training is writing " + path + " (it holds " + file.getFileName() + ")",
            "wait for it to finish, or write this one elsewhere with --out FILE");
      }
      String stale = java.util.regex.Pattern.quote(abs.getFileName().toString()) + "\\d+\\.tmp";
      try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(abs.getParent(), p -> p.getFileName().toString().matches(stale))) {
        for (Path p : leftovers) Files.deleteIfExists(p);
      }
      return new Lock(file, channel, lock);
    } catch (java.nio.channels.OverlappingFileLockException e) {
      closeQuietly(channel);
      throw new NnetException("this program is already training into " + path, "give each trainer its own checkpoint");
    } catch (IOException e) {
      closeQuietly(channel);
      throw new NnetException("cannot lock checkpoint " + path + " (" + e.getMessage() + ")", "check that the folder is writable", e);
    }
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      if (channel != null) channel.close();
    } catch (IOException ignored) {
      // nothing held
    }
  }

  /**
   * The optimizer steps a checkpoint holds, read from its header without loading it; -1 when the file is
   * not a readable nnet checkpoint.
   */
  public static long stepsIn(Path path) {
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(path), 1 << 16))) {
      if (in.readLong() != MAGIC) return -1;
      in.readUTF();
      in.readUTF();
      String precision = in.readUTF();
      int width = precision.equals(Precision.FLOAT64.keyword()) ? 8 : 4;
      for (int arena = 0; arena < 2; arena++) {
        int n = in.readInt();
        if (n < 0) return -1;
        in.skipNBytes((long) n * width);
      }
      in.readInt();
      in.readLong();
      in.readInt();
      return in.readLong();
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** One tensor as the directory records it. */
  private record Entry(String name, int offset, boolean transposed, int[] shape) {}

  private static List<Entry> readDirectory(DataInputStream in, Path path) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > 1 << 20) throw new NnetException(path + " is corrupt (bad tensor count)", "use an earlier checkpoint or train again");
    List<Entry> entries = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      String name = in.readUTF();
      int offset = in.readInt();
      boolean transposed = in.readBoolean();
      int rank = in.readInt();
      if (rank < 1 || rank > 8) throw new NnetException(path + " is corrupt (bad tensor rank)", "use an earlier checkpoint or train again");
      int[] shape = new int[rank];
      for (int r = 0; r < rank; r++) shape[r] = in.readInt();
      entries.add(new Entry(name, offset, transposed, shape));
    }
    return entries;
  }

  /**
   * The parameter tensors of any nnet checkpoint, by name, in PyTorch's layout (as a .npz state_dict holds
   * them): what {@code from "base.ckpt" load ...} reads, without the network that wrote it.
   */
  public static java.util.Map<String, Npz.Array> tensors(Path path) {
    CRC32 crc = new CRC32();
    try (DataInputStream in = new DataInputStream(new CheckedInputStream(new BufferedInputStream(Files.newInputStream(path), 1 << 16), crc))) {
      long magic = in.readLong();
      if (magic == MAGIC_V1) throw new NnetException(path + " was written by an older nnet", "train again with this version");
      if (magic != MAGIC) throw new NnetException(path + " is not an nnet checkpoint", "give the file written by 'nnet train'");
      in.readUTF();
      in.readUTF();
      String keyword = in.readUTF();
      Precision p = keyword.equals(Precision.FLOAT64.keyword()) ? Precision.FLOAT64 : Precision.FLOAT32;
      int size = in.readInt();
      if (size < 0 || size > 1 << 28) throw new NnetException(path + " is corrupt (bad length)", "use an earlier checkpoint or train again");
      double[] params = new double[size];
      for (int i = 0; i < size; i++) {
        params[i] = keyword.equals(BF16) ? Float.intBitsToFloat(in.readShort() << 16) : p == Precision.FLOAT32 ? in.readFloat() : in.readDouble();
      }
      int opt = in.readInt();
      if (opt < 0 || opt > 1 << 28) throw new NnetException(path + " is corrupt (bad length)", "use an earlier checkpoint or train again");
      in.skipNBytes((long) opt * (p == Precision.FLOAT32 ? 4 : 8));
      in.readInt();
      in.readLong();
      in.readInt();
      in.readLong();
      in.readLong();
      for (int i = 0; i < 3; i++) readDoubles(in, path);
      in.readLong();
      readDoubles(in, path);
      readNames(in, path);
      long next = in.readLong();
      if (next != DIRECTORY) {
        throw new NnetException(path + " does not name its tensors (it was written before checkpoints did)",
            "train the base model again, or load the .npz that 'nnet train --save-weights' writes");
      }
      List<Entry> entries = readDirectory(in, path);
      long expected = crc.getValue();
      long stored = in.readLong();
      if (stored == HISTORY) {
        skipHistory(in, path);
        expected = crc.getValue();
        stored = in.readLong();
      }
      if (stored != expected) throw new NnetException(path + " is corrupt (checksum mismatch)", "use an earlier checkpoint or train again");
      java.util.Map<String, Npz.Array> out = new java.util.LinkedHashMap<>();
      for (Entry e : entries) {
        int count = 1;
        for (int d : e.shape()) count *= d;
        if (e.offset() < 0 || e.offset() + count > size) throw new NnetException(path + " is corrupt (tensor " + e.name() + " out of range)", null);
        double[] v = new double[count];
        int[] s = e.shape();
        // stored [rows][cols]; PyTorch's layout is the transpose for these: element (r, c) goes to (c, r)
        for (int i = 0; i < count; i++) v[i] = params[e.offset() + (e.transposed() ? (i % s[0]) * s[1] + i / s[0] : i)];
        out.put(e.name(), new Npz.Array(e.transposed() ? new int[] {s[1], s[0]} : s.clone(), v));
      }
      return out;
    } catch (IOException e) {
      throw unreadable(path, e, "train the base model first: nnet train base.nnet  writes one");
    }
  }

  private static void writeHistory(DataOutputStream out, byte[] history) throws IOException {
    out.writeLong(HISTORY);
    out.writeInt(history.length);
    out.write(history);
    out.writeInt(history.length);
  }

  private static void skipHistory(DataInputStream in, Path path) throws IOException {
    int n = in.readInt();
    if (n < 0) throw new NnetException(path + " is corrupt (bad history length)", "use an earlier checkpoint or train again");
    in.skipNBytes(n);
    if (in.readInt() != n) throw new NnetException(path + " is corrupt (bad history length)", "use an earlier checkpoint or train again");
  }

  /** Where a checkpoint's history section starts (its marker) and how long its bytes are; start -1 when it has none. */
  private record HistorySpan(int start, int length) {}

  /** The whole file, its checksum verified. */
  private static byte[] verified(Path path) {
    byte[] all;
    try {
      all = Files.readAllBytes(path);
    } catch (IOException e) {
      throw unreadable(path, e, "train first: nnet train FILE  writes one");
    }
    if (all.length < 16 || java.nio.ByteBuffer.wrap(all).getLong() != MAGIC) {
      throw new NnetException(path + " is not a checkpoint this nnet reads", "give the file written by 'nnet train'");
    }
    CRC32 crc = new CRC32();
    crc.update(all, 0, all.length - 8);
    if (crc.getValue() != java.nio.ByteBuffer.wrap(all, all.length - 8, 8).getLong()) {
      throw new NnetException(path + " is corrupt (checksum mismatch)", "use an earlier checkpoint or train again");
    }
    return all;
  }

  private static HistorySpan historySpan(byte[] all) {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(all);
    int end = all.length - 8; // the checksum
    if (end < 24) return new HistorySpan(-1, 0);
    int n = b.getInt(end - 4);
    long start = (long) end - 4 - n - 4 - 8;
    if (n < 0 || start < 8 || b.getLong((int) start) != HISTORY || b.getInt((int) start + 8) != n) return new HistorySpan(-1, 0);
    return new HistorySpan((int) start, n);
  }

  /** The run's history a checkpoint holds (see {@link Trainer#history}), or null when it holds none. */
  public static byte[] history(Path path) {
    byte[] all = verified(path);
    HistorySpan h = historySpan(all);
    return h.start() < 0 ? null : java.util.Arrays.copyOfRange(all, h.start() + 12, h.start() + 12 + h.length());
  }

  /** Replaces the history a checkpoint holds (weights and everything else unchanged), atomically. */
  public static void replaceHistory(Path path, byte[] history) {
    byte[] all = verified(path);
    HistorySpan h = historySpan(all);
    int keep = h.start() >= 0 ? h.start() : all.length - 8;
    AtomicFile.write(path, "checkpoint", tmp -> {
      CRC32 crc = new CRC32();
      try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new CheckedOutputStream(Files.newOutputStream(tmp), crc), 1 << 16))) {
        out.write(all, 0, keep);
        writeHistory(out, history);
        out.flush();
        out.writeLong(crc.getValue());
      }
    });
  }

  /** The optimizer state, or zeros when the file is weights only (it holds none). */
  private static double[] readOptimizerState(DataInputStream in, int expected, Precision p, Path path) throws IOException {
    int n = in.readInt();
    if (n == 0) return new double[expected];
    if (n != expected) throw new NnetException(path + ": optimizer state holds " + n + " values, expected " + expected, "the checkpoint is corrupt or from another model");
    double[] v = new double[n];
    for (int i = 0; i < n; i++) v[i] = p == Precision.FLOAT32 ? in.readFloat() : in.readDouble();
    return v;
  }

  private static double[] readBf16(DataInputStream in, int expected, Path path) throws IOException {
    int n = in.readInt();
    if (n != expected) throw new NnetException(path + ": parameters hold " + n + " values, expected " + expected, "the checkpoint is corrupt or from another model");
    double[] v = new double[n];
    for (int i = 0; i < n; i++) v[i] = Float.intBitsToFloat(in.readShort() << 16);
    return v;
  }

  private static double[] readArena(DataInputStream in, int expected, Precision p, Path path, String what) throws IOException {
    int n = in.readInt();
    if (n != expected) throw new NnetException(path + ": " + what + " hold " + n + " values, expected " + expected, "the checkpoint is corrupt or from another model");
    double[] v = new double[n];
    for (int i = 0; i < n; i++) v[i] = p == Precision.FLOAT32 ? in.readFloat() : in.readDouble();
    return v;
  }
}
