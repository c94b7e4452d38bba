package dev.nnet.runtime;

import java.nio.file.Files;
import java.nio.file.Path;

/** Loads the data a {@link TrainingPlan} names and checks it against the network's shapes. */
public final class DataLoader {
  private DataLoader() {}

  /** Training, validation (may be null) and test (may be null) sets, unscaled. */
  public record Splits(Dataset train, Dataset validation, Dataset test) implements java.io.Serializable {
    /** The bytes the sets' arrays hold: what a cluster's broadcast of them would carry. */
    public long bytes() {
      long b = 0;
      for (Dataset d : java.util.Arrays.asList(train, validation, test)) {
        if (d == null) continue;
        b += 4L * d.features().length + (d.labels() == null ? 0 : 4L * d.labels().length) + (d.targets() == null ? 0 : 4L * d.targets().length)
            + (d.wideFeatures() == null ? 0 : 8L * d.wideFeatures().length) + (d.wideTargets() == null ? 0 : 8L * d.wideTargets().length);
      }
      return b;
    }
  }

  /**
   * Starts reading the IDX files {@code data} names on a background thread (see {@link IdxReader#prefetch});
   * a later {@link #load} takes them from there. Errors surface in that load, not here.
   */
  public static void prefetch(TrainingPlan.Data data, Path base, FileAccess access) {
    if (data == null || !allowed(data, base, access)) return;
    Path dir = directory(data, base);
    java.util.List<java.util.concurrent.CompletableFuture<?>> train = new java.util.ArrayList<>();
    if (data.train() != null && data.train().format().equals("idx")) {
      for (String p : data.train().paths()) train.add(IdxReader.prefetch(dir.resolve(p)));
    }
    // the test set after the training set: the first step waits for the one, the end of training for the other
    java.util.concurrent.CompletableFuture<?> trainRead = java.util.concurrent.CompletableFuture.allOf(train.toArray(new java.util.concurrent.CompletableFuture<?>[0]));
    if (data.test() != null && data.test().format().equals("idx")) {
      for (String p : data.test().paths()) IdxReader.prefetch(dir.resolve(p), trainRead);
    }
  }

  private static Path directory(TrainingPlan.Data data, Path base) {
    Path dir = base == null ? Path.of("") : base;
    return data.directory() != null && !data.directory().isEmpty() ? dir.resolve(data.directory()) : dir;
  }

  /** A path as the loader resolves it: under the data block's {@code dir} unless it is absolute. */
  public static String written(String dir, String path) {
    if (dir == null || dir.isEmpty() || path.startsWith("/")) return path;
    return dir.endsWith("/") ? dir + path : dir + "/" + path;
  }

  /** Every file the data block names, as the loader resolves it (see {@link #written(String, String)}). */
  private static java.util.List<String> files(TrainingPlan.Data data) {
    java.util.List<String> files = new java.util.ArrayList<>();
    for (TrainingPlan.Source s : java.util.Arrays.asList(data.train(), data.test())) {
      if (s != null) for (String p : s.paths()) files.add(written(data.directory(), p));
    }
    return files;
  }

  private static boolean allowed(TrainingPlan.Data data, Path base, FileAccess access) {
    return files(data).stream().allMatch(f -> access.problem(f, base) == null);
  }

  /** {@link #load(NetworkSpec, Path, FileAccess)} for the user's own file: its folder and absolute paths. */
  public static Splits load(NetworkSpec spec, Path base) {
    return load(spec, base, FileAccess.ownFolder());
  }

  /**
   * @param base   folder that relative paths (and a relative {@code dir}) are resolved against: the .nnet file's folder
   * @param access which files may be read; every path is checked again here, just before it is opened
   */
  public static Splits load(NetworkSpec spec, Path base, FileAccess access) {
    TrainingPlan.Data data = spec.plan().data();
    if (data == null || data.train() == null) {
      throw new DataException("the model " + spec.modelName() + " names no training data",
          "add a data block: data { train idx(\"images.gz\", \"labels.gz\") }  or  train csv(\"file.csv\")");
    }
    for (String f : files(data)) access.checkOpen(base, f);
    Path dir = directory(data, base);
    Dataset train = read(data.train(), dir, spec, null, access.restricted()).firstPerClass(data.perClass());
    Dataset validation = null;
    if (data.validation() > 0) {
      Dataset[] parts = train.splitReusing(data.validation(), Rng.derive(spec.plan().seed(), 2), data.stratify()); // train was just read: nothing else holds it
      train = parts[0];
      validation = parts[1];
    }
    Dataset test = data.test() == null ? null : read(data.test(), dir, spec, train.classNames(), access.restricted());
    return new Splits(train, validation, test);
  }

  /** Reads one source and checks it fits the network; a test source maps class names as the training source did. */
  public static Dataset read(TrainingPlan.Source source, Path dir, NetworkSpec spec, java.util.List<String> trainingClasses) {
    return read(source, dir, spec, trainingClasses, false);
  }

  /** @param quiet errors quote no lists of what files hold (see {@link FileAccess#restricted}) */
  public static Dataset read(TrainingPlan.Source source, Path dir, NetworkSpec spec, java.util.List<String> trainingClasses, boolean quiet) {
    boolean regression = spec.task() == NetworkSpec.Task.REGRESSION;
    boolean wide = spec.precision() == Precision.FLOAT64; // float64 end to end: the data is kept as read
    Dataset d = switch (source.format()) {
      case "idx" -> {
        Path images = dir.resolve(source.paths().get(0));
        Path labels = dir.resolve(source.paths().get(1));
        IdxReader.Idx x = IdxReader.read(images);
        IdxReader.Idx y = IdxReader.read(labels);
        if (y.dims().length != 1) throw new DataException(labels + ": a label file has one dimension, this one has " + y.dims().length,
            "are the images and labels files swapped?");
        if (x.count() != y.count()) throw new DataException(images + " has " + x.count() + " images but " + labels + " has " + y.count() + " labels",
            "the two files must come from the same set");
        int[] lab = new int[y.count()];
        int max = 0;
        for (int i = 0; i < lab.length; i++) max = Math.max(max, lab[i] = (int) y.values()[i]);
        yield Dataset.classification(images.getFileName().toString(), x.itemSize(), x.values(), lab, max + 1);
      }
      case "csv" -> CsvReader.read(dir.resolve(source.paths().get(0)), source.options().get("label"),
          source.options().get("header"), regression, trainingClasses, Boolean.parseBoolean(source.options().get("class_names")), wide, quiet);
      case "npy", "npz" -> numpy(source, dir, regression, wide, quiet);
      default -> throw new DataException("unknown data format " + source.format(), null);
    };
    d = d.keepClasses(spec.plan().data().classes()); // before the labels meet the outputs: 5..9 become 0..4
    if (wide) d = d.widened(); // IDX bytes are exact in float32; widening them loses nothing
    String file = dir.resolve(source.paths().get(0)).toString();
    int raw = 1;
    for (int s : spec.inputShape()) raw *= s;
    if (d.featureSize() != raw) {
      throw new DataException(file + ": each sample has " + d.featureSize() + " features but the network's input is "
          + java.util.Arrays.toString(spec.inputShape()) + " (" + raw + ")", "change 'input' to match the data, or use other data");
    }
    boolean binary = spec.task() == NetworkSpec.Task.MULTILABEL && spec.outputSize() == 1;
    if (d.hasLabels() && binary) { // one yes/no output: labels 0 and 1
      for (int i = 0; i < d.rows(); i++) {
        if (d.labels()[i] > 1) {
          throw new DataException(file + ": record " + (i + 1) + " has label " + d.labels()[i] + " but a single sigmoid output takes 0 or 1",
              "use as many outputs as classes, with softmax_cross_entropy");
        }
      }
    } else if (d.hasLabels()) { // classes; MSE and binary cross-entropy train on their one-hot vectors
      for (int i = 0; i < d.rows(); i++) {
        if (d.labels()[i] < 0 || d.labels()[i] >= spec.outputSize()) {
          throw new DataException(file + ": record " + (i + 1) + " has label " + d.labels()[i] + " but the network has "
              + spec.outputSize() + " outputs (classes 0.." + (spec.outputSize() - 1) + ")", "make the last dense layer as wide as the number of classes");
        }
      }
    } else if (d.targetSize() != spec.outputSize()) {
      throw new DataException(file + ": " + d.targetSize() + " target values per row but the network has " + spec.outputSize() + " outputs", null);
    }
    return d;
  }

  /** npy(features, labels) or npz(file, x: name, y: name): features of any shape (flattened per sample), labels or targets. */
  private static Dataset numpy(TrainingPlan.Source source, Path dir, boolean regression, boolean wide, boolean quiet) {
    Npz.Array x, y;
    String name;
    if (source.format().equals("npy")) {
      x = npy(dir.resolve(source.paths().get(0)));
      y = npy(dir.resolve(source.paths().get(1)));
      name = source.paths().get(0);
    } else {
      Path p = dir.resolve(source.paths().get(0));
      if (!java.nio.file.Files.exists(p)) throw missing(p);
      java.util.Map<String, Npz.Array> all = Npz.read(p);
      x = all.get(source.options().get("x"));
      y = all.get(source.options().get("y"));
      if (x == null || y == null) {
        throw new DataException(p + " has no array named '" + (x == null ? source.options().get("x") : source.options().get("y")) + "'",
            (quiet ? "" : "it holds: " + String.join(", ", all.keySet()) + "; ") + "name them with npz(\"file\", x: \"...\", y: \"...\")");
      }
      name = p.getFileName().toString();
    }
    int n = x.shape().length == 0 ? 0 : x.shape()[0];
    if (n == 0 || y.shape().length == 0 || y.shape()[0] != n) {
      throw new DataException(name + ": " + n + " samples of features but labels of shape " + y.shapeText(), "the first dimension counts samples in both");
    }
    int features = x.data().length / n;
    float[] f = new float[x.data().length];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) x.data()[i];
      if (wide ? !Double.isFinite(x.data()[i]) : !Float.isFinite(f[i])) {
        throw new DataException(name + ": sample " + (i / features) + " holds a value that is not a finite number"
            + (wide || !Double.isFinite(x.data()[i]) ? "" : " in float32 (" + x.data()[i] + ")"), null);
      }
    }
    boolean whole = java.util.Arrays.stream(y.data()).allMatch(v -> v == Math.rint(v) && v >= 0);
    if (y.shape().length == 1 && whole && !(regression && !whole)) {
      int[] l = new int[n];
      int max = 0;
      for (int i = 0; i < n; i++) max = Math.max(max, l[i] = (int) y.data()[i]);
      Dataset d = Dataset.classification(name, features, f, l, max + 1);
      return wide ? d.wide(x.data(), null) : d;
    }
    float[] t = new float[y.data().length];
    for (int i = 0; i < t.length; i++) t[i] = (float) y.data()[i];
    Dataset d = Dataset.regression(name, features, f, t, t.length / n);
    return wide ? d.wide(x.data(), y.data()) : d;
  }

  private static Npz.Array npy(Path p) {
    try {
      return Npz.parse(java.nio.file.Files.readAllBytes(p), p.toString());
    } catch (java.nio.file.NoSuchFileException e) {
      throw missing(p);
    } catch (java.io.IOException e) {
      throw new DataException("cannot read " + p + " (" + e.getMessage() + ")", null, e);
    }
  }

  static DataException missing(Path path) {
    String p = path.toAbsolutePath().normalize().toString();
    String hint = p.startsWith("/usr/share/datasets/fashion-mnist")
        ? "Fashion-MNIST ships as a Debian package: sudo apt-get install dataset-fashion-mnist  (or run scripts/setup.sh)"
        : "check the path; relative paths are resolved against the .nnet file's folder (and its data 'dir')";
    if (!Files.exists(path.getParent() == null ? Path.of(".") : path.getParent())) hint = "the folder " + path.getParent() + " does not exist either; " + hint;
    return new DataException("data file not found: " + p, hint);
  }
}
