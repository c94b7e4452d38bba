package dev.nnet.analysis;

import dev.nnet.syntax.Ast;
import dev.nnet.syntax.Diagnostic;
import dev.nnet.syntax.SourceFile;
import dev.nnet.syntax.Span;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a file says about searching its hyperparameters: every {@code let name = value search domain} and the
 * {@code search strategy(...)} line. The file's own values are what a plain {@code nnet train} uses; {@code nnet
 * search} tries others from the domains.
 *
 * @param params   the searched lets, in the file's order
 * @param strategy the search line, or the default (random, 20 trials, val_loss) when the file has none
 * @param line     the search line's span, or null
 */
public record SearchSpec(List<Param> params, Strategy strategy, Span line) {

  /** A domain: uniform(a, b), loguniform(a, b), int(a, b), logint(a, b), choice(v, ...). */
  public record Domain(String kind, double lo, double hi, List<Double> choices) {
    public boolean log() {
      return kind.equals("loguniform") || kind.equals("logint");
    }

    public boolean integer() {
      return kind.equals("int") || kind.equals("logint");
    }

    /** A value from u, v, ... uniform in [0, 1): the domain's own distribution. */
    public double sample(double u) {
      if (kind.equals("choice")) return choices.get(Math.min(choices.size() - 1, (int) (u * choices.size())));
      if (integer()) {
        double a = log() ? Math.log(lo) : lo, b = log() ? Math.log(hi + 1) : hi + 1;
        double x = a + u * (b - a);
        return Math.min(hi, Math.floor(log() ? Math.exp(x) : x));
      }
      return log() ? Math.exp(Math.log(lo) + u * (Math.log(hi) - Math.log(lo))) : lo + u * (hi - lo);
    }

    /** {@code points} values spread over the domain (evenly, on a log scale for log domains); every choice; integers without repeats. */
    public List<Double> grid(int points) {
      if (kind.equals("choice")) return choices;
      List<Double> out = new ArrayList<>();
      for (int i = 0; i < points; i++) {
        double t = points == 1 ? 0.5 : i / (double) (points - 1);
        double v = i == 0 ? lo : i == points - 1 ? hi : log() ? Math.exp(Math.log(lo) + t * (Math.log(hi) - Math.log(lo))) : lo + t * (hi - lo);
        v = integer() ? Math.round(v) : Double.parseDouble(String.format(Locale.ROOT, "%.12g", v)); // 1e-3, not 0.0010000000000000002
        if (!out.contains(v)) out.add(v);
      }
      return out;
    }

    /** Values that show whether the domain fits its use: both ends, and for continuous domains a value between that is not whole. */
    public List<Double> probes() {
      if (kind.equals("choice")) return choices;
      List<Double> p = new ArrayList<>(List.of(lo, hi));
      if (!integer()) p.add(sample(0.37));
      return p;
    }

    public String describe() {
      if (kind.equals("choice")) {
        StringBuilder b = new StringBuilder("choice(");
        for (int i = 0; i < choices.size(); i++) b.append(i > 0 ? ", " : "").append(Num.fmt(choices.get(i)));
        return b.append(")").toString();
      }
      return kind + "(" + Num.fmt(lo) + ", " + Num.fmt(hi) + ")";
    }
  }

  /**
   * A searched {@code let}: its name, its value for a plain training, its domain, and where the text
   * {@code value search domain} sits on its line (replaced by a trial's value).
   */
  public record Param(String name, double value, Domain domain, Span nameSpan, Span domainSpan, int line, int from, int to) {}

  /**
   * {@code search random(trials: 40, metric: val_accuracy, parallel: 2, seed: 1)} or {@code search grid(points: 5, ...)}.
   *
   * @param parallel  trials at a time; 0: one per core
   * @param pruner    none, median or halving
   * @param reduction successive halving's η: rungs after 1, η, η², ... epochs, where a trial goes on only if it
   *                  is in the best 1/η of the trials that reached the rung
   */
  public record Strategy(String kind, int trials, int points, String metric, int parallel, long seed, int startup, String pruner, int rounds, int keep,
                         int reduction) {
    public boolean maximize() {
      return metric.endsWith("accuracy");
    }

    /** Whether bad trials are stopped early (median or halving). */
    public boolean prune() {
      return !pruner.equals("none");
    }
  }

  public static final List<String> PRUNERS = List.of("none", "median", "halving");

  public static final List<String> STRATEGIES = List.of("random", "grid", "bayesian", "coarse_to_fine");
  public static final List<String> METRICS = List.of("val_loss", "val_accuracy");
  public static final Strategy DEFAULT = new Strategy("random", 20, 5, "val_loss", 0, 1, 0, "none", 3, 5, 3);

  public boolean searches() {
    return !params.isEmpty() || line != null;
  }

  /** The file's search, its mistakes added to {@code errors} with their positions. */
  public static SearchSpec read(Ast.File file, SourceFile src, List<Diagnostic> errors) {
    List<Param> params = new ArrayList<>();
    Strategy strategy = DEFAULT;
    Span line = null;
    for (Ast.Item item : file.items()) {
      if (item instanceof Ast.Let let && let.search().isPresent()) {
        Domain d = domain(let.search().get(), src, errors);
        Ast.Expr value = let.value(), dom = let.search().get();
        if (d == null) continue;
        if (!(value instanceof Ast.Num n) || value.span().line() != dom.span().line()) {
          errors.add(Diagnostic.error(src, value.span(), "a searched let's value must be a number on the same line as its domain",
              "e.g.  let lr = 1e-3 search loguniform(1e-5, 1e-1)"));
          continue;
        }
        params.add(new Param(let.name(), n.value(), d, let.nameSpan(), dom.span(), value.span().line(), value.span().column() - 1,
            dom.span().column() - 1 + dom.span().length()));
      } else if (item instanceof Ast.Setting s && s.key().equals("search")) {
        if (line != null) errors.add(Diagnostic.error(src, s.keySpan(), "'search' is given twice", "keep one"));
        line = s.span();
        Strategy st = strategy(s, src, errors);
        if (st != null) strategy = st;
      }
    }
    return new SearchSpec(List.copyOf(params), strategy, line);
  }

  private static Domain domain(Ast.Expr e, SourceFile src, List<Diagnostic> errors) {
    String hint = "a domain is uniform(a, b), loguniform(a, b), int(a, b), logint(a, b) or choice(v1, v2, ...)";
    if (!(e instanceof Ast.Call c)) {
      errors.add(Diagnostic.error(src, e.span(), "expected a search domain", hint));
      return null;
    }
    List<Double> v = new ArrayList<>();
    for (Ast.Arg a : c.arguments()) {
      Double x = constant(a.value());
      if (x == null || a.name().isPresent()) {
        errors.add(Diagnostic.error(src, a.span(), "a domain takes plain numbers", hint));
        return null;
      }
      v.add(x);
    }
    switch (c.name()) {
      case "choice" -> {
        if (v.isEmpty()) {
          errors.add(Diagnostic.error(src, c.span(), "choice(...) needs at least one value", "e.g.  choice(128, 256, 512)"));
          return null;
        }
        return new Domain("choice", java.util.Collections.min(v), java.util.Collections.max(v), List.copyOf(v));
      }
      case "uniform", "loguniform", "int", "logint" -> {
        if (v.size() != 2) {
          errors.add(Diagnostic.error(src, c.span(), c.name() + " takes two bounds, got " + v.size(), "e.g.  " + c.name() + "(1, 10)"));
          return null;
        }
        double lo = v.get(0), hi = v.get(1);
        if (!(lo < hi)) {
          errors.add(Diagnostic.error(src, c.span(), c.name() + "(" + Num.fmt(lo) + ", " + Num.fmt(hi) + ") is empty: the lower bound must be below the upper", null));
          return null;
        }
        if (c.name().startsWith("log") && lo <= 0) {
          errors.add(Diagnostic.error(src, c.arguments().get(0).span(), c.name() + " starts at " + Num.fmt(lo) + ": a log scale needs bounds above 0",
              "e.g.  loguniform(1e-5, 1e-1); for a range from 0 use uniform"));
          return null;
        }
        if (c.name().endsWith("int") && (lo != Math.rint(lo) || hi != Math.rint(hi))) {
          errors.add(Diagnostic.error(src, c.span(), c.name() + " takes whole bounds", "e.g.  int(64, 512)"));
          return null;
        }
        return new Domain(c.name(), lo, hi, List.of());
      }
      default -> {
        errors.add(Diagnostic.error(src, c.nameSpan(), "unknown search domain '" + c.name() + "'", hint));
        return null;
      }
    }
  }

  private static Strategy strategy(Ast.Setting s, SourceFile src, List<Diagnostic> errors) {
    String hint = "e.g.  search random(trials: 40, metric: val_accuracy)  or  search grid(points: 5)";
    if (s.values().size() != 1 || !(s.values().get(0) instanceof Ast.Call || s.values().get(0) instanceof Ast.Name)) {
      errors.add(Diagnostic.error(src, s.span(), "search takes one strategy", hint));
      return null;
    }
    Ast.Expr e = s.values().get(0);
    String kind = e instanceof Ast.Call c ? c.name() : ((Ast.Name) e).name();
    if (!STRATEGIES.contains(kind)) {
      errors.add(Diagnostic.error(src, e.span(), "unknown search strategy '" + kind + "'",
          "the strategies are " + String.join(", ", STRATEGIES)));
      return null;
    }
    int trials = DEFAULT.trials(), points = DEFAULT.points(), parallel = 0, startup = 0, rounds = DEFAULT.rounds(), keep = DEFAULT.keep();
    String pruner = "none";
    int reduction = DEFAULT.reduction();
    Ast.Arg reductionArg = null;
    long seed = 1;
    String metric = DEFAULT.metric();
    if (e instanceof Ast.Call c) {
      for (Ast.Arg a : c.arguments()) {
        String name = a.name().map(Ast.Name::name).orElse("");
        if (name.equals("metric")) {
          if (a.value() instanceof Ast.Name m && METRICS.contains(m.name())) metric = m.name();
          else errors.add(Diagnostic.error(src, a.value().span(), "the metric is val_loss or val_accuracy", "minimized or maximized as its name says"));
          continue;
        }
        if (name.equals("prune")) {
          if (a.value() instanceof Ast.Name m && PRUNERS.contains(m.name())) pruner = m.name();
          else errors.add(Diagnostic.error(src, a.value().span(), "prune takes median, halving or none",
              "median: stop a trial whose best so far is worse than the median of the finished trials' at the same epoch; "
                  + "halving: successive halving, a trial goes on after epochs 1, 3, 9, ... only if it is in the best third there"));
          continue;
        }
        Double v = constant(a.value());
        if (v == null || v != Math.rint(v) || v < (name.equals("seed") ? 0 : 1) || v > 1_000_000) {
          errors.add(Diagnostic.error(src, a.span(), "'" + name + "' takes a whole number" + (name.equals("seed") ? "" : " of at least 1"), hint));
          continue;
        }
        switch (name) {
          case "trials" -> trials = v.intValue();
          case "points" -> {
            if (v < 2) errors.add(Diagnostic.error(src, a.span(), "a grid needs at least 2 points per range", null));
            points = v.intValue();
          }
          case "parallel" -> parallel = v.intValue();
          case "seed" -> seed = v.longValue();
          case "startup" -> startup = v.intValue();
          case "rounds" -> rounds = v.intValue();
          case "keep" -> keep = v.intValue();
          case "reduction" -> {
            if (v < 2) errors.add(Diagnostic.error(src, a.span(), "successive halving's reduction is at least 2", "3 keeps the best third at each rung"));
            reduction = v.intValue();
            reductionArg = a;
          }
          default -> errors.add(Diagnostic.error(src, a.span(), "unknown search option '" + name + "'",
              "the options are trials, points, metric, parallel, seed, startup, prune, reduction, rounds, keep"));
        }
      }
    }
    // bayesian: random trials first, then TPE; a quarter of the budget (at least 5) explores, as Optuna's 10 of 40
    if (startup == 0) startup = Math.max(5, trials / 4);
    if (kind.equals("coarse_to_fine") && rounds > trials) {
      errors.add(Diagnostic.error(src, e.span(), rounds + " rounds need at least as many trials, got " + trials, "e.g.  coarse_to_fine(trials: 30, rounds: 3, keep: 5)"));
    }
    if (reductionArg != null && !pruner.equals("halving")) {
      errors.add(Diagnostic.error(src, reductionArg.span(), "'reduction' is successive halving's: it needs prune: halving", "add  prune: halving  or drop reduction"));
    }
    return new Strategy(kind, trials, points, metric, parallel, seed, startup, pruner, rounds, keep, reduction);
  }

  private static Double constant(Ast.Expr e) {
    if (e instanceof Ast.Num n) return n.value();
    if (e instanceof Ast.Negate n) {
      Double v = constant(n.operand());
      return v == null ? null : -v;
    }
    return null;
  }

  /**
   * The file's text with {@code values} written in place of the searched lets' values and domains (a value
   * for each name given; the others keep the file's value and lose their domain), and without the search
   * line when {@code dropSearch}: what a trial trains, and what {@code FILE.best.nnet} holds.
   */
  public String rewrite(SourceFile src, java.util.Map<String, Double> values, boolean dropSearch) {
    String[] lines = src.text().split("\n", -1);
    for (Param p : params) {
      String l = lines[p.line() - 1];
      double v = values.getOrDefault(p.name(), p.value());
      lines[p.line() - 1] = l.substring(0, p.from()) + literal(v, p.domain().integer()) + l.substring(Math.min(l.length(), p.to()));
    }
    if (dropSearch && line != null) lines[line.line() - 1] = "# (search done: see the .search.jsonl beside the searched file)";
    return String.join("\n", lines);
  }

  /** A value as the file would write it: whole numbers without a point, others in full precision. */
  public static String literal(double v, boolean integer) {
    if (integer || v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString(Math.round(v));
    return String.format(Locale.ROOT, "%.6g", v).replaceAll("(\\.\\d*?)0+(e|$)", "$1$2").replace(".e", "e").replaceAll("\\.$", "");
  }
}
