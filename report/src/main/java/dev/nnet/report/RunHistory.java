package dev.nnet.report;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything a training report shows, recorded as the run goes: what was trained and how to reproduce it, each
 * epoch, a thinned series of steps, the events worth marking on a curve, every layer's statistics per epoch,
 * and the test result. It travels inside the checkpoint ({@link #toBytes}), so {@code nnet report CKPT} can
 * draw the page again later.
 */
public final class RunHistory {
  private static final int FORMAT = 1;

  /** One finished epoch; NaN where there is no such value (no validation split, a regression). */
  public record Epoch(int epoch, long steps, double trainLoss, double trainAccuracy, double valLoss, double valAccuracy, double learningRate,
                      double samplesPerSecond, double seconds) {}

  /** One recorded step: its batch's loss, the gradient's global norm, the rate; {@code at} in epochs (step / steps per epoch). */
  public record Step(long step, double at, double loss, double gradientNorm, double learningRate) {}

  /** Something that happened at a point of the run, in epochs: a plateau cut, the best epoch, a stop, an unfreeze, a non-finite loss. */
  public record Marker(String kind, double at, String label) {}

  /** A layer's statistics at the end of an epoch (see {@code nnet diagnose}); NaN where they do not apply. */
  public record Layer(int epoch, String layer, String operation, double activationStd, double gradientNorm, double dead, double saturated) {}

  /** One misclassified test sample: its index, true and predicted class, the predicted class's probability, its raw pixels. */
  public record Wrong(int index, int label, int predicted, double confidence, float[] pixels) {}

  /**
   * The test result. {@code confusion[t][p]}: samples of class t predicted p (empty for a regression). Images
   * are [channels, height, width] when the input is one (height 0 otherwise).
   */
  public record Test(int count, double loss, double accuracy, List<String> classNames, int[][] confusion, List<Wrong> wrong,
                     int channels, int height, int width) {}

  public String model = "", source = "", command = "", machine = "", java = "", started = "", precision = "";
  public long seed;
  public int epochsPlanned, stepsPerEpoch, trainRows;
  /** running, finished or failed */
  public String status = "running";
  public String failure = "";
  /** The {@code nnet check} table, and the data and preprocessing as a line or few. */
  public String modelTable = "", dataSummary = "";
  public final List<Epoch> epochs = new ArrayList<>();
  public final List<Step> steps = new ArrayList<>();
  public final List<Marker> markers = new ArrayList<>();
  public final List<Layer> layers = new ArrayList<>();
  public final List<String> findings = new ArrayList<>();
  public Test test;

  public byte[] toBytes() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(FORMAT);
      for (String s : new String[] {model, source, command, machine, java, started, precision, status, failure, modelTable, dataSummary}) writeString(out, s);
      out.writeLong(seed);
      out.writeInt(epochsPlanned);
      out.writeInt(stepsPerEpoch);
      out.writeInt(trainRows);
      out.writeInt(epochs.size());
      for (Epoch e : epochs) {
        out.writeInt(e.epoch());
        out.writeLong(e.steps());
        for (double d : new double[] {e.trainLoss(), e.trainAccuracy(), e.valLoss(), e.valAccuracy(), e.learningRate(), e.samplesPerSecond(), e.seconds()}) out.writeDouble(d);
      }
      out.writeInt(steps.size());
      for (Step s : steps) {
        out.writeLong(s.step());
        for (double d : new double[] {s.at(), s.loss(), s.gradientNorm(), s.learningRate()}) out.writeDouble(d);
      }
      out.writeInt(markers.size());
      for (Marker m : markers) {
        writeString(out, m.kind());
        out.writeDouble(m.at());
        writeString(out, m.label());
      }
      out.writeInt(layers.size());
      for (Layer l : layers) {
        out.writeInt(l.epoch());
        writeString(out, l.layer());
        writeString(out, l.operation());
        for (double d : new double[] {l.activationStd(), l.gradientNorm(), l.dead(), l.saturated()}) out.writeDouble(d);
      }
      out.writeInt(findings.size());
      for (String f : findings) writeString(out, f);
      out.writeBoolean(test != null);
      if (test != null) {
        out.writeInt(test.count());
        out.writeDouble(test.loss());
        out.writeDouble(test.accuracy());
        out.writeInt(test.classNames().size());
        for (String c : test.classNames()) writeString(out, c);
        out.writeInt(test.confusion().length);
        for (int[] row : test.confusion()) for (int v : row) out.writeInt(v);
        out.writeInt(test.channels());
        out.writeInt(test.height());
        out.writeInt(test.width());
        out.writeInt(test.wrong().size());
        for (Wrong w : test.wrong()) {
          out.writeInt(w.index());
          out.writeInt(w.label());
          out.writeInt(w.predicted());
          out.writeDouble(w.confidence());
          out.writeInt(w.pixels().length);
          for (float f : w.pixels()) out.writeFloat(f);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // in memory: cannot happen
    }
    return bytes.toByteArray();
  }

  /** Reads what {@link #toBytes} wrote; an {@link IllegalArgumentException} when the bytes are not such a record. */
  public static RunHistory fromBytes(byte[] b) {
    RunHistory h = new RunHistory();
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(b))) {
      int format = in.readInt();
      if (format != FORMAT) throw new IllegalArgumentException("a run history of format " + format + ", this nnet reads " + FORMAT);
      h.model = readString(in);
      h.source = readString(in);
      h.command = readString(in);
      h.machine = readString(in);
      h.java = readString(in);
      h.started = readString(in);
      h.precision = readString(in);
      h.status = readString(in);
      h.failure = readString(in);
      h.modelTable = readString(in);
      h.dataSummary = readString(in);
      h.seed = in.readLong();
      h.epochsPlanned = in.readInt();
      h.stepsPerEpoch = in.readInt();
      h.trainRows = in.readInt();
      for (int i = count(in); i > 0; i--) {
        h.epochs.add(new Epoch(in.readInt(), in.readLong(), in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble(),
            in.readDouble(), in.readDouble()));
      }
      for (int i = count(in); i > 0; i--) h.steps.add(new Step(in.readLong(), in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble()));
      for (int i = count(in); i > 0; i--) h.markers.add(new Marker(readString(in), in.readDouble(), readString(in)));
      for (int i = count(in); i > 0; i--) {
        h.layers.add(new Layer(in.readInt(), readString(in), readString(in), in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble()));
      }
      for (int i = count(in); i > 0; i--) h.findings.add(readString(in));
      if (in.readBoolean()) {
        int n = in.readInt();
        double loss = in.readDouble(), acc = in.readDouble();
        List<String> names = new ArrayList<>();
        for (int i = count(in); i > 0; i--) names.add(readString(in));
        int k = count(in);
        int[][] confusion = new int[k][k];
        for (int[] row : confusion) for (int j = 0; j < k; j++) row[j] = in.readInt();
        int c = in.readInt(), hgt = in.readInt(), w = in.readInt();
        List<Wrong> wrong = new ArrayList<>();
        for (int i = count(in); i > 0; i--) {
          int index = in.readInt(), label = in.readInt(), predicted = in.readInt();
          double conf = in.readDouble();
          float[] px = new float[count(in)];
          for (int j = 0; j < px.length; j++) px[j] = in.readFloat();
          wrong.add(new Wrong(index, label, predicted, conf, px));
        }
        h.test = new Test(n, loss, acc, List.copyOf(names), confusion, List.copyOf(wrong), c, hgt, w);
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof IllegalArgumentException iae) throw iae;
      throw new IllegalArgumentException("not a readable run history (" + e + ")", e);
    }
    return h;
  }

  private static int count(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > 1 << 24) throw new IOException("bad count " + n);
    return n;
  }

  /** Strings beyond writeUTF's 64 kB (a large network's table): a length, then UTF-8. */
  private static void writeString(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length < 60_000) {
      out.writeUTF(s);
      return;
    }
    out.writeUTF("\u0000long");
    out.writeInt(b.length);
    out.write(b);
  }

  private static String readString(DataInputStream in) throws IOException {
    String s = in.readUTF();
    if (!s.equals("\u0000long")) return s;
    byte[] b = new byte[count(in)];
    in.readFully(b);
    return new String(b, StandardCharsets.UTF_8);
  }
}
