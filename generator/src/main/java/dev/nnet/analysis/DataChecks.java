package dev.nnet.analysis;

import dev.nnet.runtime.Precision;
import dev.nnet.runtime.DataLoader;
import dev.nnet.runtime.FileAccess;
import dev.nnet.runtime.Preprocessor;
import dev.nnet.runtime.TrainingPlan;
import dev.nnet.syntax.Ast;
import dev.nnet.syntax.CompileException;
import dev.nnet.syntax.Diagnostic;
import dev.nnet.syntax.SourceFile;
import dev.nnet.syntax.Span;
import java.util.*;

/**
 * The data block: sources (idx, csv, npy, npz) and their options, scale, splits, cross-validation folds,
 * preprocessing and augmentation.
 */
final class DataChecks extends Values {
  static final List<String> DATA = List.of("dir", "train", "test", "scale", "validation", "stratify", "folds", "preprocess", "augment", "classes", "per_class");
  static final List<String> DATA_LATER = List.of();
  static final List<String> PREPROCESS = List.of("none", "center", "standardize", "pca", "whiten", "zca");
  static final List<String> AUGMENT = List.of("noise", "mirror", "crop", "rotate", "zoom");

  DataChecks(State state) {
    super(state);
  }

  TrainingPlan.Data data(Ast.Block block) {
    if (block == null) return new TrainingPlan.Data("", null, null, 1, 0, false, 0, Preprocessor.Spec.NONE, List.of());
    String dir = "";
    Span dirSpan = null;
    TrainingPlan.Source train = null, test = null;
    double scale = 1, validation = 0;
    boolean stratify = false;
    int folds = 0, perClass = 0;
    List<Integer> classes = new ArrayList<>();
    Preprocessor.Spec preprocess = Preprocessor.Spec.NONE;
    List<TrainingPlan.Augment> augment = new ArrayList<>();
    Span foldsSpan = null, validationSpan = null;
    Set<String> seen = new HashSet<>();
    for (Ast.Setting s : block.settings()) {
      if (!seen.add(s.key())) error(s.keySpan(), "'" + s.key() + "' is set twice", "keep one");
      switch (s.key()) {
        case "dir" -> {
          Ast.Expr e = single(s);
          if (e instanceof Ast.Str str) {
            dir = str.value();
            dirSpan = str.span();
          }
          else if (e != null) error(e.span(), "dir takes a folder in quotes", "e.g.  dir \"/usr/share/datasets/fashion-mnist\"");
        }
        case "train" -> train = source(single(s));
        case "test" -> test = source(single(s));
        case "scale" -> {
          Double v = number(single(s));
          if (v != null && (v <= 0 || !Double.isFinite(v))) error(s.span(), "scale must be positive", "e.g.  scale 1/255");
          if (v != null) scale = v;
        }
        case "validation" -> {
          Ast.Expr e = single(s);
          Double v = number(e);
          if (v != null && (v < 0 || v >= 1)) error(e.span(), "validation is the fraction of training data held out, in [0, 1); got " + Num.fmt(v), "e.g.  validation 0.1");
          if (v != null) validation = v;
          validationSpan = s.span();
        }
        case "stratify" -> stratify = bool(single(s));
        case "folds" -> {
          folds = integer(single(s), 2, 1000, "the number of folds");
          foldsSpan = s.span();
        }
        case "preprocess" -> preprocess = preprocess(single(s));
        case "classes" -> {
          Ast.Expr e = single(s);
          if (!(e instanceof Ast.ListOf list) || list.items().isEmpty()) {
            if (e != null) error(e.span(), "classes takes a list of class numbers", "e.g.  classes [5, 6, 7, 8, 9]  (they become 0..4)");
          } else {
            for (Ast.Expr item : list.items()) {
              int c = integer(item, 0, 1 << 20, "a class");
              if (classes.contains(c)) error(item.span(), "class " + c + " is listed twice", null);
              classes.add(c);
            }
          }
        }
        case "per_class" -> perClass = integer(single(s), 1, Integer.MAX_VALUE, "samples per class");
        case "augment" -> {
          if (s.arguments().isPresent()) error(s.keySpan(), "augment takes its augmentations as values", "e.g.  augment crop(pad: 2), mirror");
          for (Ast.Expr e : s.values()) {
            TrainingPlan.Augment a = augmentation(e);
            if (a != null) augment.add(a);
          }
        }
        default -> {
          if (DATA_LATER.contains(s.key())) later(s.keySpan(), "'" + s.key() + "'", "the data pipeline (preprocessing, augmentation, folds)");
          else error(s.keySpan(), "unknown data setting '" + s.key() + "'", suggest(s.key(), DATA, "the data block has: " + String.join(", ", DATA)));
        }
      }
    }
    if (folds > 0 && validation > 0) {
      error(foldsSpan, "folds and validation both hold data out; use one", "folds k validates on each fold in turn; validation f holds out one part");
    }
    if (validationSpan == null && stratify && folds == 0) warning(block.span(), "stratify has no effect without validation or folds", null);
    checkPaths(dir, dirSpan);
    return new TrainingPlan.Data(dir, train, test, scale, validation, stratify, folds, preprocess, List.copyOf(augment), List.copyOf(classes), perClass);
  }

  Preprocessor.Spec preprocess(Ast.Expr e) {
    if (e == null) return Preprocessor.Spec.NONE;
    Callee c = callee(e, "preprocess takes a name such as standardize, or pca(k: 50)", null);
    if (c == null) return Preprocessor.Spec.NONE;
    switch (c.name()) {
      case "none", "center", "standardize" -> {
        args(c.arguments(), e.span(), c.name());
        return new Preprocessor.Spec(c.name(), 0, 0);
      }
      case "pca", "whiten", "zca" -> {
        Args a = c.name().equals("zca") ? args(c.arguments(), e.span(), c.name(), "eps") : args(c.arguments(), e.span(), c.name(), "k", "eps");
        int k = a.has("k") ? integer(a.get("k"), 1, MAX_UNITS, "k, the number of components") : 0;
        if (c.name().equals("pca") && !a.has("k")) error(e.span(), "pca needs k, the number of components to keep", "e.g.  preprocess pca(k: 50)");
        double eps = a.number("eps", 1e-5);
        if (eps < 0) error(a.span("eps", e), "eps must not be negative", null);
        return new Preprocessor.Spec(c.name(), k, eps);
      }
      default -> {
        error(e.span(), "unknown preprocessing '" + c.name() + "'", suggest(c.name(), PREPROCESS, "the choices are " + String.join(", ", PREPROCESS)));
        return Preprocessor.Spec.NONE;
      }
    }
  }

  TrainingPlan.Augment augmentation(Ast.Expr e) {
    Callee c = callee(e, "an augmentation is a name or a call such as crop(pad: 2)", null);
    if (c == null) return null;
    switch (c.name()) {
      case "mirror" -> {
        args(c.arguments(), e.span(), c.name());
        imageNeeded.add(e.span());
        return new TrainingPlan.Augment("mirror", 0);
      }
      case "noise", "crop", "rotate", "zoom" -> {
        String param = switch (c.name()) {
          case "noise" -> "std";
          case "crop" -> "pad";
          case "rotate" -> "degrees";
          default -> "amount";
        };
        Args a = args(c.arguments(), e.span(), c.name(), param);
        if (!a.has(param)) {
          error(e.span(), c.name() + " needs its " + param, "e.g.  " + c.name() + "(" + param + ": " + switch (c.name()) {
            case "noise" -> "0.05";
            case "crop" -> "2";
            case "rotate" -> "10";
            default -> "0.1";
          } + ")");
          return null;
        }
        double v = c.name().equals("crop") ? integer(a.get(param), 1, 1000, "pad") : a.number(param, 0);
        if (v <= 0) error(a.span(param, e), param + " must be positive", null);
        if (c.name().equals("zoom") && v >= 1) error(a.span(param, e), "zoom's amount is a fraction below 1 (0.1: from 90% to 110%)", null);
        if (!c.name().equals("noise")) imageNeeded.add(e.span());
        return new TrainingPlan.Augment(c.name(), v);
      }
      default -> {
        error(e.span(), "unknown augmentation '" + c.name() + "'", suggest(c.name(), AUGMENT, "the augmentations are " + String.join(", ", AUGMENT)));
        return null;
      }
    }
  }

  TrainingPlan.Source source(Ast.Expr e) {
    if (!(e instanceof Ast.Call c)) {
      if (e != null) error(e.span(), "a data source is idx(\"images\", \"labels\") or csv(\"file.csv\")", null);
      return null;
    }
    switch (c.name()) {
      case "idx" -> {
        return pair(c, "images", "labels", "e.g.  idx(\"train-images-idx3-ubyte.gz\", \"train-labels-idx1-ubyte.gz\")");
      }
      case "csv" -> {
        Args a = args(c.arguments(), c.nameSpan(), "csv", "path", "label", "header", "class_names");
        String path = path(a.get("path"));
        if (path == null) {
          if (!a.has("path")) error(c.span(), "csv needs a file", "e.g.  csv(\"iris.csv\", label: \"species\")");
          return null;
        }
        Map<String, String> options = new TreeMap<>();
        if (a.has("label")) {
          Ast.Expr l = a.get("label");
          if (l instanceof Ast.Str str) options.put("label", str.value());
          else {
            Double v = number(l);
            if (v != null) options.put("label", Long.toString(Math.round(v)));
          }
        }
        if (a.has("header")) options.put("header", Boolean.toString(bool(a.get("header"))));
        if (a.has("class_names")) options.put("class_names", Boolean.toString(bool(a.get("class_names"))));
        return new TrainingPlan.Source("csv", List.of(path), options);
      }
      case "npy" -> {
        return pair(c, "features", "labels", "e.g.  npy(\"x.npy\", \"y.npy\")");
      }
      case "npz" -> {
        Args a = args(c.arguments(), c.nameSpan(), "npz", "path", "x", "y");
        String path = path(a.get("path"));
        if (path == null) {
          if (!a.has("path")) error(c.span(), "npz needs a file", "e.g.  npz(\"data.npz\", x: \"x_train\", y: \"y_train\")");
          return null;
        }
        String x = a.has("x") ? string(a.get("x")) : "x", y = a.has("y") ? string(a.get("y")) : "y";
        return new TrainingPlan.Source("npz", List.of(path), Map.of("x", x == null ? "x" : x, "y", y == null ? "y" : y));
      }
      default -> {
        error(c.nameSpan(), "unknown data format '" + c.name() + "'", suggest(c.name(), List.of("idx", "csv", "npy", "npz"), "the formats are idx, csv, npy and npz"));
        return null;
      }
    }
  }

  /** A source of two files, features and labels (idx, npy): both must be given, as strings. */
  private TrainingPlan.Source pair(Ast.Call c, String first, String second, String example) {
    Args a = args(c.arguments(), c.nameSpan(), c.name(), first, second);
    String x = path(a.get(first)), y = path(a.get(second));
    if (!a.has(first) || !a.has(second)) {
      error(c.span(), c.name() + " needs two files: " + first + " and " + second, example);
      return null;
    }
    return x == null || y == null ? null : new TrainingPlan.Source(c.name(), List.of(x, y), Map.of());
  }

  /** The file paths the data block names, with where: checked against the file-access policy once dir is known. */
  private final List<Map.Entry<Span, String>> paths = new ArrayList<>();

  private String path(Ast.Expr e) {
    String s = string(e);
    if (s != null) paths.add(Map.entry(e.span(), s));
    return s;
  }

  /**
   * Every path the file names, as the loader will resolve it (under {@code dir}), against the compiler's
   * {@link FileAccess}: a path it may not read is a positioned error here, before anything is opened.
   */
  private void checkPaths(String dir, Span dirSpan) {
    if (!dir.isEmpty()) {
      String problem = state.fileAccess.problem(dir, src.directory());
      if (problem != null) error(dirSpan, "the folder '" + dir + "' may not be read: " + problem, state.fileAccess.hint());
    }
    for (Map.Entry<Span, String> p : paths) {
      String written = DataLoader.written(dir, p.getValue());
      String problem = state.fileAccess.problem(written, src.directory());
      if (problem != null) error(p.getKey(), "'" + written + "' may not be read: " + problem, state.fileAccess.hint());
    }
  }
}
