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
 * What every stage of analysis shares: the diagnostics found so far, the file's {@code let} values, and the
 * reading of values (numbers, let names, arithmetic, options matched against parameter lists) with positioned
 * errors and "did you mean" hints. The network, training, data and lint checks extend it; {@link Analyzer}
 * runs them over one {@link State}.
 */
abstract class Values {
  /** Limits that keep an untrusted file from asking for absurd memory. */
  static final int MAX_UNITS = 1 << 20, MAX_BATCH = 1 << 16;
  static final long MAX_BUFFER = 1L << 28;

  /** The analysis of one file, shared by its stages. */
  static final class State {
    final SourceFile src;
    final List<Diagnostic> errors = new ArrayList<>();
    final List<Diagnostic> warnings = new ArrayList<>();
    final Map<String, Double> lets = new HashMap<>();
    int batchSize;
    /** Dense layers whose weight init the file chose (the defaults never earn an init warning). */
    final Set<String> explicitInits = new HashSet<>();
    /** Where an image augmentation was asked for: the input must have a height and a width. */
    final List<Span> imageNeeded = new ArrayList<>();
    /** Where a val_ metric is monitored (explicitly or by default): each needs a validation split. */
    final List<Span> monitorsNeedingValidation = new ArrayList<>();

    /** Which files the text may name. */
    final dev.nnet.runtime.FileAccess fileAccess;

    State(SourceFile src, dev.nnet.runtime.FileAccess fileAccess) {
      this.src = src;
      this.fileAccess = fileAccess;
    }
  }

  final State state;
  final SourceFile src;
  final List<Diagnostic> errors, warnings;
  final Map<String, Double> lets;
  final Set<String> explicitInits;
  final List<Span> imageNeeded, monitorsNeedingValidation;

  Values(State state) {
    this.state = state;
    this.src = state.src;
    this.errors = state.errors;
    this.warnings = state.warnings;
    this.lets = state.lets;
    this.explicitInits = state.explicitInits;
    this.imageNeeded = state.imageNeeded;
    this.monitorsNeedingValidation = state.monitorsNeedingValidation;
  }

  void failOnErrors() {
    if (!errors.isEmpty()) {
      List<Diagnostic> all = new ArrayList<>(errors);
      all.addAll(warnings);
      throw new CompileException(all);
    }
  }

  Span lineSpan(int line) {
    String text = src.line(line);
    int start = 0;
    while (start < text.length() && Character.isWhitespace(text.charAt(start))) start++;
    return new Span(line, start + 1, Math.max(1, text.stripTrailing().length() - start));
  }

  /** Named and positional arguments matched against a parameter list. */
  final class Args {
    private final Map<String, Ast.Arg> byName = new LinkedHashMap<>();

    Args(List<Ast.Arg> args, Span where, String op, String... params) {
      int positional = 0;
      boolean named = false;
      for (Ast.Arg a : args) {
        String key;
        if (a.name().isPresent()) {
          named = true;
          key = a.name().get().name();
          if (!Arrays.asList(params).contains(key)) {
            error(a.name().get().span(), op + " has no option '" + key + "'", params.length == 0 ? op + " takes no options"
                : suggest(key, Arrays.asList(params), op + " takes: " + String.join(", ", params)));
            continue;
          }
        } else {
          if (named) {
            error(a.span(), "a positional value after a named one", "write positional values first");
            continue;
          }
          if (positional >= params.length) {
            error(a.span(), op + (params.length == 0 ? " takes no values" : " takes at most " + params.length + " value" + (params.length == 1 ? "" : "s") + " (" + String.join(", ", params) + ")"), null);
            continue;
          }
          key = params[positional++];
        }
        if (byName.put(key, a) != null) error(a.span(), "'" + key + "' is given twice", null);
      }
    }

    boolean has(String key) {
      return byName.containsKey(key);
    }

    Ast.Expr get(String key) {
      Ast.Arg a = byName.get(key);
      return a == null ? null : a.value();
    }

    Span span(String key, Ast.Expr fallback) {
      Ast.Arg a = byName.get(key);
      return a != null ? a.span() : fallback != null ? fallback.span() : new Span(1, 1, 1);
    }

    double number(String key, double dflt) {
      if (!has(key)) return dflt;
      Double v = Values.this.number(get(key));
      return v == null ? dflt : v;
    }
  }

  /** {@code name} or {@code name(arguments)}: an operation with its arguments; null (after an error) for anything else. */
  record Callee(String name, List<Ast.Arg> arguments) {}

  Callee callee(Ast.Expr e, String message, String hint) {
    if (e instanceof Ast.Name n) return new Callee(n.name(), List.of());
    if (e instanceof Ast.Call c) return new Callee(c.name(), c.arguments());
    error(e.span(), message, hint);
    return null;
  }

  Args args(List<Ast.Arg> args, Span where, String op, String... params) {
    return new Args(args, where, op, params);
  }

  Ast.Expr single(Ast.Setting s) {
    if (s.arguments().isPresent()) {
      error(s.keySpan(), "'" + s.key() + "' is followed by a value, not by ( )", "e.g.  " + s.key() + " 64");
      return null;
    }
    if (s.values().size() != 1) {
      error(s.span(), "'" + s.key() + "' takes " + (s.values().isEmpty() ? "a value" : "one value, not " + s.values().size()), null);
      return null;
    }
    Ast.Expr e = s.values().get(0);
    if (e instanceof Ast.Then t) {
      if (!s.key().equals("schedule")) error(t.span(), "'then' joins schedule stages only", null);
      else later(t.span(), "chained schedules", "schedules");
      return null;
    }
    return e;
  }

  /** Evaluates a constant expression: numbers, let names, + - * /. */
  Double number(Ast.Expr e) {
    if (e == null) return null;
    if (e instanceof Ast.Num n) return n.value();
    if (e instanceof Ast.Negate n) {
      Double v = number(n.operand());
      return v == null ? null : -v;
    }
    if (e instanceof Ast.Name n) {
      Double v = lets.get(n.name());
      if (v == null) error(n.span(), "'" + n.name() + "' is not a number or a defined 'let' name",
          suggest(n.name(), new ArrayList<>(lets.keySet()), "define it first:  let " + n.name() + " = ..."));
      return v;
    }
    if (e instanceof Ast.Binary b) {
      Double l = number(b.left()), r = number(b.right());
      if (l == null || r == null) return null;
      if (b.op() == '/' && r == 0) {
        error(b.span(), "division by zero", null);
        return null;
      }
      double v = switch (b.op()) {
        case '+' -> l + r;
        case '-' -> l - r;
        case '*' -> l * r;
        default -> l / r;
      };
      if (!Double.isFinite(v)) {
        error(b.span(), "the value is not a finite number", null);
        return null;
      }
      return v;
    }
    error(e.span(), "expected a number", "write a number (64, 1e-3, 1/255) or the name of a let defined above");
    return null;
  }

  int integer(Ast.Expr e, long min, long max, String what) {
    Double v = number(e);
    if (v == null) return (int) Math.max(min, 1);
    if (v != Math.rint(v)) {
      error(e.span(), what + " must be a whole number, got " + Num.fmt(v), "round it: " + what + " counts whole things, e.g. " + Math.max(min, Math.round(v)));
      return (int) Math.max(min, 1);
    }
    if (v < min || v > max) {
      error(e.span(), what + " must be between " + min + " and " + max + ", got " + Num.fmt(v),
          v < min ? "use " + min + " or more" : max + " is the most nnet accepts (a limit that keeps a file from asking for absurd memory)");
      return (int) Math.max(min, 1);
    }
    return (int) (double) v;
  }

  boolean bool(Ast.Expr e) {
    if (e instanceof Ast.Name n && (n.name().equals("true") || n.name().equals("false"))) return n.name().equals("true");
    if (e != null) error(e.span(), "expected true or false", null);
    return false;
  }

  String string(Ast.Expr e) {
    if (e == null) return null;
    if (e instanceof Ast.Str s) {
      if (s.value().isEmpty()) error(s.span(), "the path is empty", null);
      if (s.value().indexOf('\0') >= 0) error(s.span(), "the path contains a NUL character", null);
      return s.value();
    }
    error(e.span(), "expected a file path in double quotes", "e.g.  \"data/train.csv\"");
    return null;
  }

  // ====================================================================== reporting

  void error(Span span, String message, String hint) {
    errors.add(Diagnostic.error(src, span, message, hint));
  }

  void warning(Span span, String message, String hint) {
    warnings.add(Diagnostic.warning(src, span, message, hint));
  }

  void later(Span span, String what, String feature) {
    error(span, what + " is not supported yet", "the language has it; its compilation comes with " + feature);
  }

  /** "did you mean X?" for a close name, else {@code fallback}. */
  static String suggest(String word, Collection<String> known, String fallback) {
    String best = null;
    int bestD = Integer.MAX_VALUE;
    for (String k : known) {
      int d = distance(word.toLowerCase(Locale.ROOT), k);
      if (d < bestD) {
        bestD = d;
        best = k;
      }
    }
    return best != null && bestD <= Math.max(1, Math.min(2, word.length() / 3)) ? "did you mean '" + best + "'?" : fallback;
  }

  /** Edit distance counting a swap of two neighbouring letters as one edit (optimal string alignment): rleu → relu is 1. */
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) d[i][0] = i;
    for (int j = 0; j <= b.length(); j++) d[0][j] = j;
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j], d[i][j - 1]) + 1, d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }

  static String capital(String s) {
    return Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }
}
