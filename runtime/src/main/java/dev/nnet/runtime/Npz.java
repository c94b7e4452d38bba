package dev.nnet.runtime;

import java.io.*;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.*;

/**
 * NumPy's .npz files (a zip of .npy arrays, as {@code numpy.savez} writes them): float32 and float64
 * arrays, little- or big-endian, C or Fortran order. Written atomically, like checkpoints.
 */
public final class Npz {
  private Npz() {}

  /** An n-dimensional array in C order. */
  public record Array(int[] shape, double[] data) {
    public String shapeText() {
      return Arrays.toString(shape);
    }
  }

  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

  /** Writes {@code arrays} (name → array) as float32 or float64. */
  public static void write(Path path, Map<String, Array> arrays, boolean float64) {
    AtomicFile.write(path, "weights", tmp -> {
      try (ZipOutputStream zip = new ZipOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
        for (Map.Entry<String, Array> e : arrays.entrySet()) {
          zip.putNextEntry(new ZipEntry(e.getKey() + ".npy"));
          zip.write(npy(e.getValue(), float64));
          zip.closeEntry();
        }
      }
    });
  }

  static byte[] npy(Array a, boolean float64) {
    StringBuilder shape = new StringBuilder("(");
    for (int d : a.shape()) shape.append(d).append(", ");
    if (a.shape().length > 1) shape.setLength(shape.length() - 2);
    else if (a.shape().length == 1) shape.setLength(shape.length() - 1);
    shape.append(')');
    String header = "{'descr': '" + (float64 ? "<f8" : "<f4") + "', 'fortran_order': False, 'shape': " + shape + ", }";
    int total = MAGIC.length + 4 + header.length() + 1;
    header = header + " ".repeat((64 - total % 64) % 64) + "\n";
    int width = float64 ? 8 : 4;
    ByteBuffer b = ByteBuffer.allocate(MAGIC.length + 4 + header.length() + a.data().length * width).order(ByteOrder.LITTLE_ENDIAN);
    b.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length()).put(header.getBytes(StandardCharsets.US_ASCII));
    for (double v : a.data()) {
      if (float64) b.putDouble(v);
      else b.putFloat((float) v);
    }
    return b.array();
  }

  /** Reads every array of an .npz file, in file order. */
  public static Map<String, Array> read(Path path) {
    Map<String, Array> out = new LinkedHashMap<>();
    try (ZipInputStream zip = new ZipInputStream(new BufferedInputStream(Files.newInputStream(path)))) {
      for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
        String name = e.getName();
        if (!name.endsWith(".npy")) continue;
        out.put(name.substring(0, name.length() - 4), parse(zip.readAllBytes(), path + ":" + name));
      }
    } catch (NoSuchFileException e) {
      throw new NnetException("no such file: " + path, null);
    } catch (ZipException e) {
      throw new NnetException(path + " is not an .npz file (" + e.getMessage() + ")", "write it with numpy.savez");
    } catch (IOException e) {
      throw new NnetException("cannot read " + path + " (" + e.getMessage() + ")", null, e);
    }
    if (out.isEmpty()) throw new NnetException(path + " holds no arrays", "write it with numpy.savez(path, **state_dict)");
    return out;
  }

  private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([<>|=])([fi])(\\d)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order':\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

  static Array parse(byte[] bytes, String where) {
    if (bytes.length < 10 || !Arrays.equals(Arrays.copyOf(bytes, 6), MAGIC)) throw new NnetException(where + " is not a .npy array", null);
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int major = bytes[6];
    int headerLength = major == 1 ? b.getShort(8) & 0xffff : b.getInt(8);
    int start = major == 1 ? 10 : 12;
    if (start + headerLength > bytes.length) throw new NnetException(where + " is truncated", null);
    String header = new String(bytes, start, headerLength, StandardCharsets.US_ASCII);
    Matcher d = DESCR.matcher(header), f = FORTRAN.matcher(header), s = SHAPE.matcher(header);
    if (!d.find() || !f.find() || !s.find()) throw new NnetException(where + ": unreadable .npy header " + header.strip(), null);
    if (!d.group(2).equals("f") || !(d.group(3).equals("4") || d.group(3).equals("8"))) {
      throw new NnetException(where + ": values of type " + d.group(2) + d.group(3) + " are not supported", "save float32 or float64 arrays");
    }
    int width = Integer.parseInt(d.group(3));
    ByteOrder order = d.group(1).equals(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    String[] dims = s.group(1).split(",");
    List<Integer> shape = new ArrayList<>();
    for (String dim : dims) if (!dim.isBlank()) shape.add(Integer.parseInt(dim.strip()));
    int[] sh = shape.stream().mapToInt(Integer::intValue).toArray();
    long n = 1;
    for (int x : sh) n *= x;
    int data = start + headerLength;
    if (data + n * width != bytes.length) throw new NnetException(where + ": " + (bytes.length - data) + " bytes of data for shape " + Arrays.toString(sh), "the file is truncated or corrupt");
    ByteBuffer v = ByteBuffer.wrap(bytes, data, bytes.length - data).order(order);
    double[] values = new double[(int) n];
    for (int i = 0; i < n; i++) values[i] = width == 4 ? v.getFloat() : v.getDouble();
    if (f.group(1).equals("True") && sh.length == 2) { // column-major: transpose into C order
      double[] c = new double[values.length];
      for (int i = 0; i < sh[0]; i++) for (int j = 0; j < sh[1]; j++) c[i * sh[1] + j] = values[j * sh[0] + i];
      values = c;
    }
    return new Array(sh, values);
  }
}
