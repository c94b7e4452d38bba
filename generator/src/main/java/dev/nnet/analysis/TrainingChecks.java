package dev.nnet.analysis;

import dev.nnet.runtime.Precision;
import dev.nnet.runtime.Preprocessor;
import dev.nnet.runtime.TrainingPlan;
import dev.nnet.syntax.Ast;
import dev.nnet.syntax.CompileException;
import dev.nnet.syntax.Diagnostic;
import dev.nnet.syntax.SourceFile;
import dev.nnet.syntax.Span;
import java.util.*;

/**
 * The training block: batch, epochs, seed, the optimizer and its hyperparameters, the learning-rate
 * schedule, early stopping and regularization, with PyTorch's defaults filled in.
 */
final class TrainingChecks extends Values {
  static final List<String> TRAINING = List.of("batch", "epochs", "seed", "optimizer", "shuffle", "schedule",
      "early_stopping", "checkpoint_every", "weight_decay", "l1", "clip_value", "clip_norm", "report");
  static final List<String> TRAINING_LATER = List.of();
  static final List<String> SCHEDULES = List.of("constant", "step", "multistep", "exponential", "cosine", "cosine_restarts",
      "warmup", "plateau");
  static final List<String> MONITORS = List.of("val_loss", "val_accuracy", "loss", "accuracy");

  TrainingChecks(State state) {
    super(state);
  }

  record Training(int batch, int epochs, long seed, boolean shuffle, Model.Optimizer optimizer,
                          List<TrainingPlan.Stage> schedule, TrainingPlan.EarlyStopping stopping, int checkpointEvery,
                          Model.Regularization regularization, String report) {}

  Training training(Ast.Block block) {
    int batch = 32, epochs = 10;
    long seed = 1;
    boolean shuffle = true;
    Model.Optimizer opt = Model.Optimizer.adam(1e-3, 0.9, 0.999, 1e-8, 0);
    if (block == null) return new Training(batch, epochs, seed, shuffle, opt, List.of(), null, 1, Model.Regularization.NONE, null);
    double l2 = 0, l1 = 0, clipValue = 0, clipNorm = 0;
    Ast.Expr scheduleExpr = null;
    TrainingPlan.EarlyStopping stopping = null;
    int checkpointEvery = 1;
    String report = null;
    Set<String> seen = new HashSet<>();
    for (Ast.Setting s : block.settings()) {
      if (!seen.add(s.key())) error(s.keySpan(), "'" + s.key() + "' is set twice", "keep one");
      switch (s.key()) {
        case "batch" -> batch = integer(single(s), 1, MAX_BATCH, "the batch size");
        case "epochs" -> epochs = integer(single(s), 1, 1_000_000, "the number of epochs");
        case "seed" -> seed = integer(single(s), 0, Integer.MAX_VALUE, "the seed");
        case "shuffle" -> shuffle = bool(single(s));
        case "optimizer" -> {
          Model.Optimizer o = optimizer(single(s), s.span().line());
          if (o != null) opt = o;
        }
        case "schedule" -> {
          if (s.values().size() == 1 && s.arguments().isEmpty()) scheduleExpr = s.values().get(0);
          else error(s.span(), "'schedule' takes one schedule (stages joined by 'then')", "e.g.  schedule warmup(epochs: 2) then cosine(min: 1e-5)");
        }
        case "early_stopping" -> stopping = earlyStopping(s);
        case "checkpoint_every" -> checkpointEvery = integer(single(s), 1, 1_000_000, "checkpoint_every (epochs)");
        case "weight_decay" -> l2 = nonNegative(single(s), "weight_decay", "e.g.  weight_decay 5e-4");
        case "l1" -> l1 = nonNegative(single(s), "l1", "e.g.  l1 1e-5");
        case "clip_value" -> clipValue = nonNegative(single(s), "clip_value", "e.g.  clip_value 1.0");
        case "clip_norm" -> clipNorm = nonNegative(single(s), "clip_norm", "e.g.  clip_norm 5.0");
        case "report" -> report = reportPath(single(s));
        default -> {
          if (TRAINING_LATER.contains(s.key())) later(s.keySpan(), "'" + s.key() + "'", "regularization and the training loop's options");
          else error(s.keySpan(), "unknown training setting '" + s.key() + "'", suggest(s.key(), TRAINING,
              "the training block has: " + String.join(", ", TRAINING)));
        }
      }
    }
    List<TrainingPlan.Stage> schedule = scheduleExpr == null ? List.of() : schedule(scheduleExpr, opt.lr());
    if (clipValue > 0 && clipNorm > 0) error(block.span(), "clip_value and clip_norm both clip the gradient; choose one", null);
    if (l2 > 0 && opt.kind() == Model.Optimizer.Kind.ADAMW) {
      warning(block.span(), "weight_decay adds L2 to the gradient, and adamw decays the weights too",
          "with adamw, set its weight_decay only: the decoupled form is what AdamW is for");
    }
    return new Training(batch, epochs, seed, shuffle, opt, schedule, stopping, checkpointEvery, new Model.Regularization(l2, l1, clipValue, clipNorm), report);
  }

  /** {@code report "run.html"}: a file name ending in .html, without control characters (it is written by nnet train). */
  String reportPath(Ast.Expr e) {
    if (e == null) return null;
    if (!(e instanceof Ast.Str str)) {
      error(e.span(), "report takes the HTML file to write, in quotes", "e.g.  report \"run.html\"");
      return null;
    }
    String p = str.value();
    if (!p.endsWith(".html") || p.length() < 6 || p.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f)) {
      error(e.span(), "the report is an .html file, got \"" + p.replaceAll("\\p{Cntrl}", "?") + "\"", "e.g.  report \"run.html\"");
      return null;
    }
    return p;
  }

  double nonNegative(Ast.Expr e, String what, String example) {
    Double v = number(e);
    if (v == null) return 0;
    if (v < 0) error(e.span(), what + " must not be negative, got " + Num.fmt(v), example);
    return Math.max(0, v);
  }

  /** {@code early_stopping(monitor: val_loss, patience: 5, min_delta: 0, restore_best: true)}. */
  TrainingPlan.EarlyStopping earlyStopping(Ast.Setting s) {
    if (s.arguments().isEmpty() || !s.values().isEmpty()) {
      error(s.span(), "early_stopping takes its options in parentheses", "e.g.  early_stopping(monitor: val_loss, patience: 5, restore_best: true)");
      return null;
    }
    Args a = args(s.arguments().get(), s.keySpan(), "early_stopping", "monitor", "patience", "min_delta", "restore_best");
    String monitor = monitor(a, "val_loss", s.span());
    int patience = a.has("patience") ? integer(a.get("patience"), 1, 1_000_000, "patience (epochs)") : 5;
    double minDelta = a.number("min_delta", 0);
    if (minDelta < 0) error(a.span("min_delta", null), "min_delta must not be negative", null);
    boolean restore = !a.has("restore_best") || bool(a.get("restore_best"));
    return new TrainingPlan.EarlyStopping(monitor, patience, minDelta, restore);
  }

  /** A monitored metric: val_loss, val_accuracy, loss or accuracy; val_ ones need a validation split (checked with the data block). */
  String monitor(Args a, String dflt, Span where) {
    if (!a.has("monitor")) {
      if (dflt.startsWith("val_")) monitorsNeedingValidation.add(where);
      return dflt;
    }
    Ast.Expr e = a.get("monitor");
    if (!(e instanceof Ast.Name n) || !MONITORS.contains(n.name())) {
      String name = e instanceof Ast.Name n ? n.name() : "";
      error(e.span(), "cannot monitor '" + name + "'", suggest(name, MONITORS, "monitor one of " + String.join(", ", MONITORS)));
      return dflt;
    }
    if (n.name().startsWith("val_")) monitorsNeedingValidation.add(e.span());
    return n.name();
  }

  /** The stages of {@code schedule}: every stage but the last must be a warmup, which has a length. */
  List<TrainingPlan.Stage> schedule(Ast.Expr e, double lr) {
    List<Ast.Expr> parts = e instanceof Ast.Then t ? t.stages() : List.of(e);
    List<TrainingPlan.Stage> stages = new ArrayList<>();
    for (int i = 0; i < parts.size(); i++) {
      Callee c = callee(parts.get(i), "a schedule is a name or a call such as cosine(min: 1e-5)", null);
      if (c == null) continue;
      TrainingPlan.Stage stage = stage(c, parts.get(i).span(), lr);
      if (stage == null) continue;
      if (i < parts.size() - 1 && !stage.kind().equals("warmup")) {
        error(parts.get(i).span(), "only warmup(...) can come before 'then'", "a " + stage.kind() + " schedule never ends; put it last");
      }
      if (i == parts.size() - 1 && stage.kind().equals("warmup")) {
        error(parts.get(i).span(), "warmup(...) needs a schedule after it", "e.g.  schedule warmup(epochs: 2) then constant");
      }
      stages.add(stage);
    }
    return stages;
  }

  TrainingPlan.Stage stage(Callee c, Span span, double lr) {
    String k = c.name();
    switch (k) {
      case "constant" -> {
        args(c.arguments(), span, k, "unit");
        return new TrainingPlan.Stage(k, false, new double[0], "");
      }
      case "step" -> {
        Args a = args(c.arguments(), span, k, "every", "gamma", "unit");
        double every = a.has("every") ? integer(a.get("every"), 1, Integer.MAX_VALUE, "every") : 10;
        return new TrainingPlan.Stage(k, unit(a), new double[] {every, gamma(a, 0.1)}, "");
      }
      case "multistep" -> {
        Args a = args(c.arguments(), span, k, "at", "gamma", "unit");
        List<Double> at = new ArrayList<>();
        if (a.get("at") instanceof Ast.ListOf l && !l.items().isEmpty()) {
          double prev = -1;
          for (Ast.Expr x : l.items()) {
            int v = integer(x, 1, Integer.MAX_VALUE, "a milestone");
            if (v <= prev) error(x.span(), "milestones must increase", null);
            prev = v;
            at.add((double) v);
          }
        } else {
          error(a.has("at") ? a.get("at").span() : span, "multistep needs its milestones as a list", "e.g.  multistep(at: [10, 50], gamma: 0.7)");
        }
        double[] args = new double[at.size() + 1];
        args[0] = gamma(a, 0.1);
        for (int i = 0; i < at.size(); i++) args[i + 1] = at.get(i);
        return new TrainingPlan.Stage(k, unit(a), args, "");
      }
      case "exponential" -> {
        Args a = args(c.arguments(), span, k, "gamma", "unit");
        if (!a.has("gamma")) error(span, "exponential needs gamma, the factor per epoch", "e.g.  exponential(gamma: 0.99)");
        return new TrainingPlan.Stage(k, unit(a), new double[] {gamma(a, 0.99)}, "");
      }
      case "cosine" -> {
        Args a = args(c.arguments(), span, k, "T", "min", "unit");
        double T = a.has("T") ? integer(a.get("T"), 1, Integer.MAX_VALUE, "T") : 0;
        return new TrainingPlan.Stage(k, unit(a), new double[] {T, minRate(a, lr)}, "");
      }
      case "cosine_restarts" -> {
        Args a = args(c.arguments(), span, k, "period", "mult", "min", "unit");
        double period = a.has("period") ? integer(a.get("period"), 1, Integer.MAX_VALUE, "period") : 10;
        double mult = a.number("mult", 1);
        if (mult < 1) error(a.span("mult", null), "mult must be at least 1 (each cycle as long as the last, or longer)", null);
        return new TrainingPlan.Stage(k, unit(a), new double[] {period, mult, minRate(a, lr)}, "");
      }
      case "warmup" -> {
        Args a = args(c.arguments(), span, k, "epochs", "from", "steps");
        if (a.has("epochs") == a.has("steps")) {
          error(span, "warmup needs its length in epochs or in steps", "e.g.  warmup(epochs: 2, from: 1e-5)  or  warmup(steps: 500)");
          return null;
        }
        boolean steps = a.has("steps");
        int length = integer(a.get(steps ? "steps" : "epochs"), 1, Integer.MAX_VALUE, "the warmup length");
        double from = a.number("from", lr / 10);
        if (from < 0) error(a.span("from", null), "from must not be negative", null);
        return new TrainingPlan.Stage(k, steps, new double[] {length, from}, "");
      }
      case "plateau" -> {
        Args a = args(c.arguments(), span, k, "monitor", "patience", "factor", "min", "threshold");
        String monitor = monitor(a, "val_loss", span);
        int patience = a.has("patience") ? integer(a.get("patience"), 0, 1_000_000, "patience (epochs)") : 10;
        double factor = a.number("factor", 0.1);
        if (factor <= 0 || factor >= 1) error(a.span("factor", null), "factor must be in (0, 1), got " + Num.fmt(factor), "e.g. factor: 0.5");
        double threshold = a.number("threshold", 1e-4);
        return new TrainingPlan.Stage(k, false, new double[] {patience, factor, minRate(a, lr), threshold}, monitor);
      }
      default -> {
        error(span, "unknown schedule '" + k + "'", suggest(k, SCHEDULES, "the schedules are " + String.join(", ", SCHEDULES)));
        return null;
      }
    }
  }

  boolean unit(Args a) {
    if (!a.has("unit")) return false;
    if (a.get("unit") instanceof Ast.Name n && (n.name().equals("step") || n.name().equals("epoch"))) return n.name().equals("step");
    error(a.get("unit").span(), "unit is epoch or step", "e.g.  cosine(min: 1e-5, unit: step)");
    return false;
  }

  double gamma(Args a, double dflt) {
    double g = a.number("gamma", dflt);
    if (g <= 0 || g > 1) error(a.span("gamma", null), "gamma, the factor the rate is multiplied by, must be in (0, 1], got " + Num.fmt(g), "e.g. gamma: 0.5");
    return g;
  }

  double minRate(Args a, double lr) {
    double m = a.number("min", 0);
    if (m < 0 || m > lr) error(a.span("min", null), "min must be between 0 and the optimizer's lr (" + Num.fmt(lr) + "), got " + Num.fmt(m), null);
    return m;
  }

  Model.Optimizer optimizer(Ast.Expr e, int line) {
    if (e == null) return null;
    Callee callee = callee(e, "the optimizer must be a name or a call", "e.g.  optimizer adam(lr: 1e-3)");
    if (callee == null) return null;
    String name = callee.name();
    List<Ast.Arg> args = callee.arguments();
    switch (name) {
      case "sgd", "momentum", "nesterov" -> {
        Args a = args(args, e.span(), name, "lr", "momentum", "nesterov");
        double mu = a.number("momentum", name.equals("sgd") ? 0 : 0.9);
        boolean nesterov = a.has("nesterov") ? bool(a.get("nesterov")) : name.equals("nesterov");
        if (mu < 0 || mu >= 1) error(a.span("momentum", e), "momentum must be in [0, 1), got " + Num.fmt(mu), "the usual value is 0.9");
        if (nesterov && mu == 0) error(e.span(), "Nesterov momentum needs a momentum above 0", "e.g.  sgd(lr: 0.05, momentum: 0.9, nesterov: true)");
        return new Model.Optimizer(Model.Optimizer.Kind.SGD, positive(a, "lr", 0.01), mu, nesterov, 0, 0, 0, 0, 0, line);
      }
      case "adagrad" -> {
        Args a = args(args, e.span(), name, "lr", "eps");
        return new Model.Optimizer(Model.Optimizer.Kind.ADAGRAD, positive(a, "lr", 0.01), 0, false, 0, 0, 0, positive(a, "eps", 1e-8), 0, line);
      }
      case "rmsprop" -> {
        Args a = args(args, e.span(), name, "lr", "alpha", "eps", "rho");
        if (a.has("alpha") && a.has("rho")) error(a.span("rho", e), "rho and alpha are the same setting", "give one of them");
        double alpha = a.has("rho") ? a.number("rho", 0.99) : a.number("alpha", 0.99);
        if (alpha < 0 || alpha >= 1) error(e.span(), "the decay alpha (rho) must be in [0, 1), got " + Num.fmt(alpha), "the usual value is 0.99");
        return new Model.Optimizer(Model.Optimizer.Kind.RMSPROP, positive(a, "lr", 0.01), 0, false, 0, 0, alpha, positive(a, "eps", 1e-8), 0, line);
      }
      case "adam", "adamw" -> {
        boolean w = name.equals("adamw");
        Args a = w ? args(args, e.span(), name, "lr", "beta1", "beta2", "eps", "weight_decay") : args(args, e.span(), name, "lr", "beta1", "beta2", "eps");
        double b1 = a.number("beta1", 0.9), b2 = a.number("beta2", 0.999), eps = a.number("eps", 1e-8), decay = a.number("weight_decay", 0.01);
        if (b1 < 0 || b1 >= 1) error(a.span("beta1", e), "beta1 must be in [0, 1), got " + Num.fmt(b1), "the usual value is 0.9");
        if (b2 < 0 || b2 >= 1) error(a.span("beta2", e), "beta2 must be in [0, 1), got " + Num.fmt(b2), "the usual value is 0.999");
        if (eps <= 0) error(a.span("eps", e), "eps must be positive", "the usual value is 1e-8");
        if (decay < 0) error(a.span("weight_decay", e), "weight_decay must not be negative", "AdamW's usual value is 0.01");
        return new Model.Optimizer(w ? Model.Optimizer.Kind.ADAMW : Model.Optimizer.Kind.ADAM, positive(a, "lr", 1e-3), 0, false, b1, b2, 0, eps,
            w ? decay : 0, line);
      }
      default -> {
        List<String> known = List.of("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw");
        error(e.span(), "unknown optimizer '" + name + "'", suggest(name, known, "the optimizers are " + String.join(", ", known)));
        return null;
      }
    }
  }

  double positive(Args a, String key, double dflt) {
    double v = a.number(key, dflt);
    if (v <= 0 || !Double.isFinite(v)) error(a.span(key, null), key + " must be a positive number, got " + Num.fmt(v), "e.g. " + key + ": " + Num.fmt(dflt));
    return v;
  }
}
