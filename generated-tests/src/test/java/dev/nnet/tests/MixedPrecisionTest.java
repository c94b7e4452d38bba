package dev.nnet.tests;

import static org.junit.jupiter.api.Assertions.*;

import dev.nnet.NnetCompiler;
import dev.nnet.runtime.Arena;
import dev.nnet.runtime.Dataset;
import dev.nnet.runtime.Network;
import dev.nnet.runtime.ParamTensor;
import dev.nnet.syntax.SourceFile;
import java.lang.reflect.Method;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * precision mixed(bf16) and mixed(fp16): the 16-bit encodings against IEEE's definition, gradients and
 * training against float32, fp16's loss scaling, and the step's allocation-freedom.
 */
class MixedPrecisionTest {
  static final String NET = """
      model Mixed
      input [2, 8, 8]
      PRECISION
      network {
        conv(16, kernel: 3, pad: 1) -> batchnorm -> relu -> maxpool(2)
        conv(16, kernel: 3, pad: 1) -> relu
        flatten
        dense(32) -> relu
        dense(32) -> tanh
        dense(3)
      }
      loss softmax_cross_entropy
      training {
        batch 16
        seed 3
        optimizer adam(lr: 3e-3)
      }
      """;

  static Network network(String precision) {
    return NnetCompiler.defaults().kernels(NnetCompiler.Kernels.VECTOR)
        .compile(SourceFile.of("mixed.nnet", NET.replace("PRECISION", precision.isEmpty() ? "" : "precision " + precision))).newNetwork();
  }

  /** A learnable task: the class is which of three regions of the first channel is brightest. */
  static Dataset task(int rows, long seed) {
    Random r = new Random(seed);
    float[] x = new float[rows * 128];
    int[] y = new int[rows];
    for (int i = 0; i < rows; i++) {
      y[i] = r.nextInt(3);
      for (int j = 0; j < 128; j++) x[i * 128 + j] = (float) (0.3 * r.nextGaussian() + (j < 64 && (j % 8) / 3 == y[i] ? 1 : 0));
    }
    return Dataset.classification("regions", 128, x, y, 3);
  }

  // ------------------------------------------------------------------------------ the encodings

  /** The nearest fp16 value to f, ties to an even mantissa, from the definition: every finite fp16 value, enumerated. */
  static short fp16Reference(float f) {
    if (Float.isNaN(f)) return 0x7e00;
    double v = f;
    int best = 0;
    double bestErr = Double.POSITIVE_INFINITY;
    for (int h = 0; h < 0x7c00; h++) {
      double d = fp16Value(h) - Math.abs(v);
      double err = Math.abs(d);
      if (err < bestErr || (err == bestErr && (h & 1) == 0)) {
        best = h;
        bestErr = err;
      }
    }
    // beyond the largest finite value by half a step or more: infinity
    if (Math.abs(v) >= 65520) best = 0x7c00;
    return (short) (best | (f < 0 || (f == 0 && 1 / f < 0) ? 0x8000 : 0));
  }

  static double fp16Value(int h) {
    int e = (h >> 10) & 31, m = h & 1023;
    return e == 0 ? m * Math.pow(2, -24) : (1 + m / 1024.0) * Math.pow(2, e - 15);
  }

  /** The nearest bf16 value, ties to even, from the definition: the float's top 16 bits, rounded on the 17th and below. */
  static short bf16Reference(float f) {
    if (Float.isNaN(f)) return 0x7fc0;
    int bits = Float.floatToRawIntBits(f), low = bits & 0xffff, high = bits >>> 16;
    if (low > 0x8000 || (low == 0x8000 && (high & 1) == 1)) high++;
    return (short) high;
  }

  static float[] specialAndRandom(long seed) {
    Random r = new Random(seed);
    float[] v = new float[4000];
    float[] special = {0f, -0f, 1f, -1f, 65504f, 65519f, 65520f, -70000f, 6.1035156e-5f, 5.9604645e-8f, 2.9802322e-8f, 2.9802326e-8f, 1e-9f,
        Float.MIN_VALUE, Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1.0009766f, 1.0004883f, 1.0014648f,
        1.00390625f, 1.01171875f, 3.3895314e38f};
    System.arraycopy(special, 0, v, 0, special.length);
    for (int i = special.length; i < v.length; i++) {
      v[i] = switch (i % 4) {
        case 0 -> (float) (r.nextGaussian() * Math.pow(10, r.nextInt(12) - 8));
        case 1 -> Float.intBitsToFloat(r.nextInt());
        case 2 -> (float) ((1 + r.nextInt(1024) / 1024.0 + 1 / 2048.0) * Math.pow(2, r.nextInt(40) - 25)); // halfway cases
        default -> (float) (r.nextGaussian() * 1e-6);
      };
    }
    return v;
  }

  static Method helper(Network net, String name, Class<?>... types) throws Exception {
    Method m = net.getClass().getDeclaredMethod(name, types);
    m.setAccessible(true);
    return m;
  }

  /** decode(short[] h, int i): the vector decoding the products write out where they load 16-bit B, compiled alone. */
  static Method vectorDecoder(dev.nnet.analysis.Model.Mixed format) throws Exception {
    int bits = 32 * dev.nnet.compile.VectorSupport.lanes(dev.nnet.runtime.Precision.FLOAT32).orElseThrow();
    String source = "package v;\nimport jdk.incubator.vector.*;\npublic class Decode {\n"
        + "  static final VectorSpecies<Short> HALF = ShortVector.SPECIES_" + bits / 2 + ";\n"
        + "  static final VectorSpecies<Integer> INTS = IntVector.SPECIES_" + bits + ";\n"
        + "  static final float TWO_112 = Float.intBitsToFloat(0x77800000);\n"
        + "  public static FloatVector decode(short[] h, int i) { return " + dev.nnet.emit.HalfEmitter.vectorDecode("h", "i", format) + "; }\n}\n";
    return dev.nnet.compile.JaninoCompiler.compile("v.Decode", source).type().getMethod("decode", short[].class, int.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"bf16", "fp16"})
  void encodingsRoundToNearestEvenAndDecodeExactly(String format) throws Exception {
    Network net = network("mixed(" + format + ")");
    boolean bf = format.equals("bf16");
    Method encode = helper(net, bf ? "toBf16" : "toFp16", float[].class, int.class, short[].class, int.class, int.class);
    Method decode = vectorDecoder(bf ? dev.nnet.analysis.Model.Mixed.BF16 : dev.nnet.analysis.Model.Mixed.FP16);
    float[] v = specialAndRandom(format.length());
    short[] h = new short[v.length];
    Object flagged = encode.invoke(null, v, 0, h, 0, v.length - 3); // whole vectors, then a tail of one by one
    encode.invoke(null, v, v.length - 3, h, v.length - 3, 3);
    if (!bf) {
      assertEquals(true, flagged, "values beyond 65,504 (and infinities, NaN) are reported");
      float[] fine = {1f, -2.5f, 1e-9f, 65504f, -65519f, 3f, 0f, 7f, 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f};
      assertEquals(false, encode.invoke(null, fine, 0, new short[fine.length], 0, fine.length), "all within range");
      assertEquals(true, encode.invoke(null, new float[] {1f, 65520f}, 0, new short[2], 0, 2), "the one-by-one tail reports too");
    }
    Method toArray = Class.forName("jdk.incubator.vector.FloatVector").getMethod("toArray");
    int lanes = ((float[]) toArray.invoke(decode.invoke(null, h, 0))).length;
    for (int i = 0; i < v.length; i++) {
      short want = bf ? bf16Reference(v[i]) : fp16Reference(v[i]);
      if (Float.isNaN(v[i])) {
        assertTrue(bf ? (h[i] & 0x7f80) == 0x7f80 : (h[i] & 0x7c00) == 0x7c00 && (h[i] & 0x3ff) != 0, "NaN stays NaN (bf16: or an infinity)");
        continue;
      }
      float value = v[i];
      assertEquals(want, h[i], () -> format + " of " + value + " (bits " + Integer.toHexString(Float.floatToRawIntBits(value)) + ")");
    }
    for (int i = 0; i + lanes <= v.length; i += lanes) {
      float[] back = (float[]) toArray.invoke(decode.invoke(null, h, i));
      for (int l = 0; l < lanes; l++) {
        int k = i + l;
        if (!bf && (h[k] & 0x7c00) == 0x7c00) continue; // the trainer never decodes an fp16 infinity or NaN: encoding flagged it
        double want = bf ? Float.intBitsToFloat(h[k] << 16) : fp16Value(h[k] & 0x7fff) * ((h[k] & 0x8000) != 0 ? -1 : 1);
        if (Double.isNaN(want)) assertTrue(Float.isNaN(back[l]));
        else assertEquals((float) want, back[l], "decoding " + Integer.toHexString(h[k] & 0xffff));
      }
    }
  }

  // ------------------------------------------------------------------------------ gradients and training

  /** The network in float32 and in mixed({@code format}), initialized alike (their layouts are the same). */
  static Network[] twins(String format, long seed) {
    Network full = network(""), mixed = network("mixed(" + format + ")");
    full.initialize(seed);
    mixed.initialize(seed);
    return new Network[] {full, mixed};
  }

  /** The same parameters and batch: gradients within what 16-bit operands allow of float32's. */
  @ParameterizedTest
  @ValueSource(strings = {"bf16", "fp16"})
  void gradientsFollowFloat32(String format) {
    Network[] twins = twins(format, 5);
    Network full = twins[0], mixed = twins[1];
    Dataset d = task(16, 1);
    int[] order = Dataset.identity(16);
    full.stage(d, order, 0, 16, 1f);
    mixed.stage(d, order, 0, 16, 1f);
    double lossFull = full.computeGradients(), lossMixed = mixed.computeGradients();
    assertEquals(lossFull, lossMixed, format.equals("bf16") ? 2e-2 : 2e-3, "the loss");
    // bf16 keeps 8 significant bits, fp16 11: each product's operands round by up to 2^-9 or 2^-12, and the
    // lowest layer's gradient has passed through five products
    double tolerance = format.equals("bf16") ? 0.08 : 0.01;
    Arena g = full.gradients(), h = mixed.gradients();
    for (ParamTensor t : full.spec().tensors()) {
      // running statistics are not trained; conv1's bias feeds a batchnorm, which removes it: its gradient is 0 but for rounding
      if (t.name().contains("running") || t.name().equals("conv1.bias")) continue;
      double diff = 0, norm = 0;
      for (int i = 0; i < t.size(); i++) {
        double a = g.get(t.offset() + i), b = h.get(t.offset() + i);
        diff += (a - b) * (a - b);
        norm += a * a;
      }
      double rel = Math.sqrt(diff / norm);
      assertTrue(rel < tolerance, format + " " + t.name() + ": gradient differs from float32's by " + rel + " (relative L2)");
      assertTrue(rel > 0 || t.name().startsWith("dense3") || t.name().startsWith("batchnorm"), t.name() + " took a 16-bit path");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"bf16", "fp16"})
  void trainingLossesStayCloseToFloat32(String format) {
    Network[] twins = twins(format, 2);
    Network full = twins[0], mixed = twins[1];
    Dataset d = task(320, 2);
    int[] order = Dataset.identity(320);
    double sumFull = 0, sumMixed = 0, firstFull = 0;
    for (int epoch = 0; epoch < 8; epoch++) {
      sumFull = sumMixed = 0;
      for (int s = 0; s < 20; s++) {
        full.stage(d, order, s * 16, 16, 1f);
        mixed.stage(d, order, s * 16, 16, 1f);
        sumFull += full.trainStep(3e-3);
        sumMixed += mixed.trainStep(3e-3);
      }
      if (epoch == 0) firstFull = sumFull / 20;
      assertEquals(sumFull / 20, sumMixed / 20, 0.05 + 0.1 * sumFull / 20, format + " epoch " + epoch + "'s mean loss");
    }
    assertTrue(sumFull / 20 < firstFull / 3, "both learn: " + firstFull + " -> " + sumFull / 20);
    assertEquals(0, mixed.skippedSteps(), "no overflow on a sane task");
  }

  /** fp16 gradients beyond 65,504 overflow: the step is skipped (weights unchanged), the scale halves, training goes on. */
  @Test
  void fp16OverflowSkipsTheStepAndHalvesTheScale() {
    String text = """
        model Big
        input [16]
        precision mixed(fp16)
        network {
          dense(32) -> tanh
          dense(16)
        }
        loss mse
        training {
          batch 16
        }
        """;
    Network net = NnetCompiler.defaults().kernels(NnetCompiler.Kernels.VECTOR).compile(SourceFile.of("big.nnet", text)).newNetwork();
    net.initialize(1);
    Random r = new Random(3);
    float[] x = new float[16 * 16], y = new float[16 * 16];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
      y[i] = 3000 * (float) r.nextGaussian(); // the loss gradient times 65,536 is far beyond fp16's range
    }
    Dataset d = Dataset.regression("big", 16, x, y, 16);
    net.stage(d, Dataset.identity(16), 0, 16, 1f);
    assertEquals(65536, net.lossScale());
    double[] before = new double[net.parameters().size()];
    for (int i = 0; i < before.length; i++) before[i] = net.parameters().get(i);
    double loss = net.trainStep(1e-3);
    assertTrue(Double.isFinite(loss));
    assertEquals(1, net.skippedSteps());
    assertEquals(32768, net.lossScale());
    for (int i = 0; i < before.length; i++) assertEquals(before[i], net.parameters().get(i), "a skipped step leaves the weights alone");
    for (int s = 0; s < 40 && net.parameters().get(0) == before[0]; s++) net.trainStep(1e-3);
    assertNotEquals(before[0], net.parameters().get(0), "once the scale fits, steps update again");
    assertTrue(net.lossScale() < 4096, "the scale came down to what fits: " + net.lossScale());
  }

  /**
   * A bf16 weights file holds half the bytes of a float32 one, and the predictor generated for it predicts what
   * the float32 predictor does (the classes, on held-out rows; the scores within bf16's rounding). The Vector API
   * predictor (convolution, batchnorm folded, dense) agrees with the plain one.
   */
  @Test
  void bf16WeightsFileAndPredictor(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    NnetCompiler.Compiled c = NnetCompiler.defaults().compile(SourceFile.of("mixed.nnet", NET.replace("PRECISION", "")));
    dev.nnet.runtime.Trainer t = c.newTrainer().epochs(3);
    t.fit(task(640, 4), null, null);
    java.nio.file.Path f32 = dir.resolve("m.float32.ckpt"), bf16 = dir.resolve("m.bf16.ckpt");
    t.saveWeights(f32, false);
    t.saveWeights(bf16, true);
    long arena = t.network().parameters().size();
    assertEquals(2 * arena + "float32".length() - "bf16".length(), java.nio.file.Files.size(f32) - java.nio.file.Files.size(bf16),
        "two bytes fewer per parameter (and a shorter precision keyword)");
    var g = c.generated();
    Class<?> plain = dev.nnet.compile.JaninoCompiler.compile("p.MixedPredictor", dev.nnet.emit.PredictorEmitter.emit(g.model(), g.layout(), "p").toString()).type();
    Class<?> half = dev.nnet.compile.JaninoCompiler.compile("q.MixedPredictor", dev.nnet.emit.PredictorEmitter.emit(g.model(), g.layout(), "q", true).toString()).type();
    Object p32 = plain.getMethod("load", java.io.InputStream.class).invoke(null, java.nio.file.Files.newInputStream(f32));
    Object p16 = half.getMethod("load", java.io.InputStream.class).invoke(null, java.nio.file.Files.newInputStream(bf16));
    Exception wrong = assertThrows(java.lang.reflect.InvocationTargetException.class,
        () -> half.getMethod("load", java.io.InputStream.class).invoke(null, java.nio.file.Files.newInputStream(f32)));
    assertTrue(wrong.getCause().getMessage().contains("not a bf16 weights file"), wrong.getCause().getMessage());
    int lanes = dev.nnet.compile.VectorSupport.lanes(dev.nnet.runtime.Precision.FLOAT32).orElseThrow();
    Class<?> vector = dev.nnet.compile.JaninoCompiler.compile("v.MixedPredictor",
        dev.nnet.emit.PredictorEmitter.emit(g.model(), g.layout(), "v", false, lanes).toString()).type();
    Object pv = vector.getMethod("load", java.io.InputStream.class).invoke(null, java.nio.file.Files.newInputStream(f32));
    Dataset held = task(400, 99);
    int agree = 0;
    double worst = 0;
    for (int i = 0; i < 400; i++) {
      float[] x = java.util.Arrays.copyOfRange(held.features(), i * 128, (i + 1) * 128);
      float[] a = (float[]) plain.getMethod("predict", float[].class).invoke(p32, (Object) x.clone());
      float[] b = (float[]) half.getMethod("predict", float[].class).invoke(p16, (Object) x.clone());
      if (argmax(a) == argmax(b)) agree++;
      float[] v = (float[]) vector.getMethod("predict", float[].class).invoke(pv, (Object) x.clone());
      assertArrayEquals(a, v, 1e-5f, "the Vector API predictor computes what the plain one does (row " + i + ")");
      for (int k = 0; k < 3; k++) worst = Math.max(worst, Math.abs(a[k] - b[k]));
    }
    assertTrue(agree >= 396, agree + " of 400 held-out rows get the same class");
    assertTrue(worst < 0.05, "probabilities within bf16's rounding: " + worst);
    dev.nnet.runtime.Trainer again = c.newTrainer().load(bf16);
    assertEquals((float) t.network().parameters().get(0), (float) again.network().parameters().get(0), Math.abs(t.network().parameters().get(0)) / 128,
        "a bf16 weights file loads into the trainer too");
  }

  static int argmax(float[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
    return best;
  }

  /**
   * After warm-up a mixed-precision step allocates nothing. Measured in a JVM of its own, as a trainer runs. (When
   * the 16-bit loads were a helper method, C2 did not inline it into the products' rarely run leftover tiles and
   * boxed the vector it returned: 2 kB an fp16 step on AVX2. The 22 kB a bf16 step seen earlier in the suite's
   * shared JVM was probably the same; that was not re-checked.)
   */
  @ParameterizedTest
  @ValueSource(strings = {"bf16", "fp16"})
  void aMixedStepAllocatesNothing(String format) throws Exception {
    String launcher = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(launcher, "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
        AllocationProbe.class.getName(), format).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), output);
    String last = output.strip().lines().reduce((a, b) -> b).orElse("");
    assertEquals("allocated 0", last, "bytes allocated by 1,000 mixed-precision steps, after warm-up:\n" + output);
  }

  /** The measurement of {@link #aMixedStepAllocatesNothing}, in a child JVM. */
  public static final class AllocationProbe {
    public static void main(String[] args) {
      Network net = network("mixed(" + args[0] + ")");
      net.initialize(1);
      Dataset d = task(64, 3);
      int[] order = Dataset.identity(64);
      var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
      long allocated = -1;
      for (int round = 0; round < 8 && allocated != 0; round++) {
        for (int i = 0; i < 10_000; i++) {
          net.stage(d, order, (i % 4) * 16, 16, 1f);
          net.trainStep(1e-3);
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 1_000; i++) {
          net.stage(d, order, (i % 4) * 16, 16, 1f);
          net.trainStep(1e-3);
        }
        allocated = threads.getCurrentThreadAllocatedBytes() - before;
        System.out.println("allocated " + allocated);
      }
    }
  }
}
