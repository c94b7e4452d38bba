package dev.nnet.tests;

import static org.junit.jupiter.api.Assertions.*;

import dev.nnet.NnetCompiler;
import dev.nnet.runtime.*;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Weights as PyTorch's state_dict in NumPy's .npz: names, [out, in] layout, exact round trips, clear mismatches. */
class WeightsInterchangeTest {
  @TempDir
  Path dir;

  Trainer iris() {
    return NnetCompiler.defaults().compile(Samples.read(Samples.sample("iris.nnet"))).newTrainer();
  }

  @Test
  void exportsTorchNamesAndLayout() {
    Trainer t = iris();
    Map<String, Npz.Array> sd = StateDict.export(t.network());
    assertEquals(java.util.List.of("dense1.weight", "dense1.bias", "dense2.weight", "dense2.bias"), java.util.List.copyOf(sd.keySet()));
    assertArrayEquals(new int[] {16, 4}, sd.get("dense1.weight").shape(), "[out, in] as torch.nn.Linear");
    assertArrayEquals(new int[] {16}, sd.get("dense1.bias").shape());
    // torch's weight[o][i] is nnet's stored W[i][o]
    ParamTensor w = t.spec().tensor("dense1.weight");
    assertEquals(t.network().parameters().get(w.offset() + 2 * 16 + 5), sd.get("dense1.weight").data()[5 * 4 + 2]);
  }

  @Test
  void roundTripIsExact() {
    Trainer a = iris(), b = iris().reinitialize(99);
    Path npz = dir.resolve("w.npz");
    a.exportWeights(npz);
    b.importWeights(npz);
    Arena pa = a.network().parameters(), pb = b.network().parameters();
    for (int i = 0; i < pa.size(); i++) assertEquals(pa.get(i), pb.get(i), 0.0);
    float[] x = {5.9f, 3.0f, 5.1f, 1.8f};
    assertArrayEquals(a.predict(x), b.predict(x), "the transposed copies were refreshed too");
  }

  @Test
  void writesNumpysFormat() throws IOException {
    Path npz = dir.resolve("one.npz");
    Npz.write(npz, Map.of("w", new Npz.Array(new int[] {2, 3}, new double[] {1, 2, 3, 4, 5, 6})), false);
    byte[] npy;
    try (var zip = new java.util.zip.ZipInputStream(Files.newInputStream(npz))) {
      assertEquals("w.npy", zip.getNextEntry().getName());
      npy = zip.readAllBytes();
    }
    int headerLength = (npy[8] & 0xff) | (npy[9] & 0xff) << 8;
    String header = new String(npy, 10, headerLength, StandardCharsets.US_ASCII);
    assertEquals("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", header.strip());
    assertEquals(0, (10 + headerLength) % 64, "the data starts 64-byte aligned, as numpy writes it");
    assertEquals(6f, ByteBuffer.wrap(npy, 10 + headerLength + 20, 4).order(ByteOrder.LITTLE_ENDIAN).getFloat());
  }

  @Test
  void readsFortranOrderAndBigEndian() throws IOException {
    Path npz = dir.resolve("f.npz");
    String header = "{'descr': '>f8', 'fortran_order': True, 'shape': (2, 3), }";
    header = header + " ".repeat(128 - 10 - header.length() - 1) + "\n";
    ByteBuffer b = ByteBuffer.allocate(10 + header.length() + 48).order(ByteOrder.BIG_ENDIAN);
    b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).put((byte) header.length()).put((byte) 0).put(header.getBytes(StandardCharsets.US_ASCII));
    for (double v : new double[] {1, 4, 2, 5, 3, 6}) b.putDouble(v); // column-major of [[1,2,3],[4,5,6]]
    try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(npz))) {
      zip.putNextEntry(new ZipEntry("m.npy"));
      zip.write(b.array());
    }
    Npz.Array m = Npz.read(npz).get("m");
    assertArrayEquals(new int[] {2, 3}, m.shape());
    assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6}, m.data());
  }

  @Test
  void aMismatchListsBothLayoutsAndChangesNothing() {
    Trainer t = iris();
    Map<String, Npz.Array> sd = new LinkedHashMap<>(StateDict.export(t.network()));
    sd.put("dense1.weight", new Npz.Array(new int[] {4, 16}, new double[64]));
    sd.remove("dense2.bias");
    sd.put("head.weight", new Npz.Array(new int[] {3}, new double[3]));
    Path npz = dir.resolve("bad.npz");
    Npz.write(npz, sd, false);
    double before = t.network().parameters().get(0);
    NnetException e = assertThrows(NnetException.class, () -> t.importWeights(npz));
    String m = e.getMessage();
    assertTrue(m.contains("dense1.weight is [4, 16], expected [16, 4]"), m);
    assertTrue(m.contains("missing dense2.bias [3]"), m);
    assertTrue(m.contains("unexpected head.weight [3]"), m);
    assertTrue(m.contains("the model has:") && m.contains("the file has:"), m);
    assertEquals(before, t.network().parameters().get(0), "nothing was loaded");
  }
}
