package dev.nnet.analysis;

import dev.nnet.runtime.FileAccess;
import dev.nnet.syntax.Ast;
import dev.nnet.syntax.CompileException;
import dev.nnet.syntax.Diagnostic;
import dev.nnet.syntax.Parsing;
import dev.nnet.syntax.Printer;
import dev.nnet.syntax.SourceFile;
import dev.nnet.syntax.Span;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The first step of analysis: replaces every use of a {@code block} and every {@code repeat} in the network
 * by the layers they stand for, so the rest of the analysis sees a plain network.
 *
 * <ul>
 *   <li>A block's parameters are replaced by the use's arguments as written (expressions, not values), so
 *       {@code dense(64 * i)} stays an expression the network checks evaluate like any other.
 *   <li>Names: the layers of a use are named {@code use_layer}, where the use is named like a layer
 *       ({@code basic2}, or its {@code as} name) and the layer as in a network ({@code conv1}, or its
 *       {@code as} name), counted within the use: {@code basic2_conv_bn1_conv1}. A repeat adds no level,
 *       so {@code repeat 3 { dense(64) }} is dense1, dense2, dense3, as if written out; an {@code as} name
 *       inside a repeat gets the pass's number.
 *   <li>Every span copied out of a block records the use it was copied for, so errors name both places.
 * </ul>
 */
public final class Expansion {
  /** At most this many layers after expansion: a few nested repeats must not exhaust memory. */
  public static final int MAX_LAYERS = 20_000;

  private final SourceFile src;
  private final Map<String, Ast.BlockDef> blocks = new LinkedHashMap<>();
  private final Map<String, Ast.Expr> lets = new HashMap<>();
  private final Deque<String> using = new ArrayDeque<>();
  private int layers;

  private Expansion(SourceFile src) {
    this.src = src;
  }

  /** {@link #expand(Ast.File, FileAccess)} with imports read from the file's own folder. */
  public static Ast.File expand(Ast.File file) {
    return expand(file, FileAccess.ownFolder());
  }

  /**
   * The file with its imports read in, its network expanded and its block definitions removed; a file
   * without imports, blocks or repeats comes back as it is. Imports may only read what {@code access} allows.
   */
  public static Ast.File expand(Ast.File file, FileAccess access) {
    boolean any = false;
    for (Ast.Item item : file.items()) {
      if (item instanceof Ast.BlockDef || item instanceof Ast.Network n && usesRepeat(n.layers()) || isImport(item)) any = true;
    }
    if (!any) return file;
    Expansion e = new Expansion(file.source());
    List<Ast.Item> all = mergeImportedBlocks(e.imports(file, access, new ArrayDeque<>()));
    for (Ast.Item item : all) {
      if (item instanceof Ast.BlockDef def) e.define(def);
      if (item instanceof Ast.Let let) e.lets.put(let.name(), let.value()); // a searched one with the file's value
    }
    List<Ast.Item> items = new ArrayList<>();
    for (Ast.Item item : all) {
      if (item instanceof Ast.BlockDef) continue;
      if (item instanceof Ast.Network n) item = new Ast.Network(e.layers(n.layers(), Map.of(), new Scope(null), null, null), n.span());
      items.add(item);
    }
    return new Ast.File(file.source(), items);
  }

  private static boolean isImport(Ast.Item item) {
    return item instanceof Ast.Setting s && s.key().equals("import");
  }

  // ====================================================================== import

  /** The longest file an import reads, and how deep imports may chain. */
  static final int MAX_IMPORT_CHARS = 1 << 20, MAX_IMPORT_DEPTH = 16;
  private static final java.util.Set<String> IMPORTABLE = java.util.Set.of("data", "training");

  /**
   * The files {@code source} imports, directly or through others, as absolute paths, best effort: what cannot
   * be read or parsed is left out (compiling the file reports it). For build tools: a file must be generated
   * again when one of these changes, and a file another one imports is a library, not a network.
   */
  public static List<Path> importedFiles(SourceFile source) {
    List<Path> out = new ArrayList<>();
    collectImports(source, out, new boolean[] {true});
    return out;
  }

  /**
   * {@link #importedFiles}, or null when that list may be incomplete: more files than it follows, or one it
   * could not read or parse. For keys that must change whenever an imported file does.
   */
  public static List<Path> allImportedFiles(SourceFile source) {
    List<Path> out = new ArrayList<>();
    boolean[] complete = {true};
    collectImports(source, out, complete);
    return complete[0] ? out : null;
  }

  private static void collectImports(SourceFile source, List<Path> out, boolean[] complete) {
    if (source.directory() == null || !source.text().contains("import")) return; // most files import nothing: no second parse
    if (out.size() > 4 * MAX_IMPORT_DEPTH) {
      complete[0] = false;
      return;
    }
    Ast.File file;
    try {
      file = Parsing.parse(source);
    } catch (CompileException e) {
      complete[0] = false;
      return;
    }
    for (Ast.Item item : file.items()) {
      if (!isImport(item) || !(((Ast.Setting) item).values().size() == 1 && ((Ast.Setting) item).values().get(0) instanceof Ast.Str path)) continue;
      Path target;
      try {
        target = source.directory().toAbsolutePath().resolve(path.value()).normalize();
      } catch (InvalidPathException e) {
        complete[0] = false;
        continue;
      }
      if (out.contains(target)) continue;
      if (!Files.isRegularFile(target)) {
        complete[0] = false;
        continue;
      }
      out.add(target);
      try {
        collectImports(new SourceFile(target.toString(), Files.readString(target), target.getParent()), out, complete);
      } catch (IOException e) {
        complete[0] = false; // left out: compiling the importing file reports it
      }
    }
  }

  /** {@code file}'s items with each {@code import "path"} replaced by what that file defines, read in place. */
  private List<Ast.Item> imports(Ast.File file, FileAccess access, Deque<Path> chain) {
    List<Ast.Item> out = new ArrayList<>();
    for (Ast.Item item : file.items()) {
      if (!isImport(item)) {
        out.add(item);
        continue;
      }
      Ast.Setting s = (Ast.Setting) item;
      if (s.arguments().isPresent() || s.values().size() != 1 || !(s.values().get(0) instanceof Ast.Str path)) {
        throw error(s.span(), "import takes one path in quotes", "e.g.  import \"fashion-data.nnet\"");
      }
      SourceFile from = s.span().file() != null ? s.span().file() : src;
      String written = path.value();
      Path base = from.directory();
      String problem = access.problem(written, base);
      if (problem != null) throw error(path.span(), "'" + written + "' may not be imported: " + problem, access.hint());
      Path target = (base != null ? base : Path.of("")).toAbsolutePath().resolve(written).normalize();
      if (chain.contains(target) || target.equals(src.directory() == null ? null : src.directory().toAbsolutePath().resolve(
          Path.of(src.name()).getFileName()).normalize())) {
        throw error(path.span(), "'" + written + "' imports itself, directly or through the files it imports", "an import cycle has no first file; remove one import");
      }
      if (chain.size() >= MAX_IMPORT_DEPTH) throw error(path.span(), "imports nested more than " + MAX_IMPORT_DEPTH + " deep", null);
      String text;
      try {
        if (Files.size(target) > MAX_IMPORT_CHARS) throw error(path.span(), "'" + written + "' is larger than " + MAX_IMPORT_CHARS + " bytes", null);
        text = Files.readString(target, StandardCharsets.UTF_8);
      } catch (IOException | UncheckedIOException ex) {
        throw error(path.span(), "cannot read '" + written + "'" + (Files.exists(target) ? "" : ": no such file"),
            "the path is relative to the importing file's folder");
      }
      String name = Path.of(from.name()).resolveSibling(written).normalize().toString();
      SourceFile imported = new SourceFile(name, text, target.getParent());
      chain.push(target);
      List<Ast.Item> items = imports(Parsing.parse(imported), access, chain);
      chain.pop();
      Path here = base == null ? null : base.toAbsolutePath().normalize();
      for (Ast.Item i : items) out.add(imported(i, imported, here));
    }
    return out;
  }

  /**
   * A data { } or training { } block read from an import, and the same block written later (in the file, or
   * a later import), are one block: the later one adds settings and replaces those it writes again, so a
   * file imports the shared data and adds  validation 0.1  or its own augmentation.
   */
  private static List<Ast.Item> mergeImportedBlocks(List<Ast.Item> items) {
    List<Ast.Item> out = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    Map<String, Boolean> ownSeen = new HashMap<>();
    for (Ast.Item item : items) {
      if (item instanceof Ast.Block b && IMPORTABLE.contains(b.key())) {
        boolean own = b.span().file() == null;
        Integer at = seen.get(b.key());
        // two blocks the file itself wrote stay two: the analysis reports the second
        if (at != null && !(own && ownSeen.getOrDefault(b.key(), false))) {
          Ast.Block first = (Ast.Block) out.get(at);
          java.util.Set<String> again = new java.util.HashSet<>();
          for (Ast.Setting st : b.settings()) again.add(st.key());
          List<Ast.Setting> merged = new ArrayList<>();
          for (Ast.Setting st : first.settings()) if (!again.contains(st.key())) merged.add(st);
          merged.addAll(b.settings());
          out.set(at, new Ast.Block(b.key(), merged, own ? b.span() : first.span()));
          if (own) ownSeen.put(b.key(), true);
          continue;
        }
        seen.put(b.key(), out.size());
        if (own) ownSeen.put(b.key(), true);
      }
      out.add(item);
    }
    return out;
  }

  /** One item of an imported file, its spans marked with that file; a data block's folder made relative to the importing file's. */
  private Ast.Item imported(Ast.Item item, SourceFile file, Path importer) {
    java.util.function.UnaryOperator<Span> in = sp -> sp.file() != null ? sp : sp.in(file);
    if (item instanceof Ast.Let let) {
      return new Ast.Let(let.name(), in.apply(let.nameSpan()), Relocate.expr(let.value(), in), let.search().map(x -> Relocate.expr(x, in)), in.apply(let.span()));
    }
    if (item instanceof Ast.BlockDef def) {
      List<Ast.Param> params = def.params().stream()
          .map(p -> new Ast.Param(p.name(), in.apply(p.span()), p.defaultValue().map(x -> Relocate.expr(x, in)))).toList();
      return new Ast.BlockDef(def.name(), in.apply(def.nameSpan()), params, Relocate.layers(def.body(), in), in.apply(def.span()));
    }
    if (item instanceof Ast.Block b && IMPORTABLE.contains(b.key())) {
      List<Ast.Setting> settings = new ArrayList<>(b.settings().stream().map(x -> Relocate.setting(x, in)).toList());
      Path there = file.directory().toAbsolutePath().normalize();
      if (b.key().equals("data") && importer != null && !there.equals(importer)) {
        String rel = importer.relativize(there).toString().replace('\\', '/');
        boolean hasDir = false;
        for (int i = 0; i < settings.size(); i++) {
          Ast.Setting st = settings.get(i);
          if (st.key().equals("dir") && st.values().size() == 1 && st.values().get(0) instanceof Ast.Str d) {
            hasDir = true;
            if (!Path.of(d.value()).isAbsolute()) {
              settings.set(i, new Ast.Setting("dir", st.keySpan(), st.arguments(), List.of(new Ast.Str(rel + "/" + d.value(), d.span())), st.span()));
            }
          }
        }
        if (!hasDir) settings.add(0, new Ast.Setting("dir", in.apply(b.span()), Optional.empty(), List.of(new Ast.Str(rel, in.apply(b.span()))), in.apply(b.span())));
      }
      return new Ast.Block(b.key(), settings, in.apply(b.span()));
    }
    String what = item instanceof Ast.Network ? "network { }" : item instanceof Ast.Block b ? b.key() + " { }"
        : item instanceof Ast.Setting st ? "'" + st.key() + "'" : "'from ... load'";
    Span at = item instanceof Ast.Setting st ? st.keySpan() : item.span();
    throw error(in.apply(at), "an imported file gives blocks, let values, data { } and training { }; " + what + " belongs in the file that imports it",
        "move it to the importing file");
  }

  private static boolean usesRepeat(List<Ast.Layer> layers) {
    for (Ast.Layer l : layers) {
      if (l.loop().isPresent() || l.body().isPresent() && usesRepeat(l.body().get())) return true;
    }
    return false;
  }

  private void define(Ast.BlockDef def) {
    String name = def.name();
    if (NetworkChecks.LAYERS.contains(name) || NetworkChecks.LAYERS_LATER.containsKey(name)) {
      throw error(def.nameSpan(), "a block named '" + name + "', like the operation", "choose another name: the operation keeps its meaning");
    }
    Ast.BlockDef before = blocks.putIfAbsent(name, def);
    if (before != null) {
      throw error(def.nameSpan(), "a second block named '" + name + "' (the first is at line " + before.nameSpan().line() + ")", "block names must be unique");
    }
    Map<String, Span> seen = new HashMap<>();
    for (Ast.Param p : def.params()) {
      if (seen.put(p.name(), p.span()) != null) throw error(p.span(), "a second parameter named '" + p.name() + "'", "parameter names must be unique");
    }
    if (def.body().isEmpty()) throw error(def.nameSpan(), "block '" + name + "' has no layers", "e.g.  block conv_bn(c) { conv(c, kernel: 3, pad: 1) -> batchnorm -> relu }");
  }

  /** How layers are named where they are expanded: at the top level as the network names them, inside a use with the use's prefix. */
  private static final class Scope {
    final String prefix;
    final Map<String, Integer> counters = new HashMap<>();

    Scope(String prefix) {
      this.prefix = prefix;
    }

    String next(String op) {
      return op + counters.merge(op, 1, Integer::sum);
    }
  }

  /**
   * Expands {@code in}: {@code env} maps the parameters and loop variables in sight to their expressions,
   * {@code use} is the block use being expanded (null at the top level), {@code pass} the repeat pass that
   * numbers {@code as} names (null outside a repeat).
   */
  private List<Ast.Layer> layers(List<Ast.Layer> in, Map<String, Ast.Expr> env, Scope scope, Span.Use use, String pass) {
    List<Ast.Layer> out = new ArrayList<>();
    for (Ast.Layer written : in) {
      Ast.Layer l = env.containsKey(written.op()) && written.arguments().isEmpty() && written.body().isEmpty() && written.loop().isEmpty()
          ? asLayer(env.get(written.op()), written) : written;
      if (l.loop().isPresent()) {
        repeat(l, env, scope, use, pass, out);
      } else if (blocks.containsKey(l.op())) {
        blockUse(l, env, scope, use, pass, out);
      } else {
        if (++layers > MAX_LAYERS) throw error(l.opSpan().via(use), "the network expands to more than " + MAX_LAYERS + " layers", "repeat fewer times");
        Optional<Ast.Name> alias = l.alias().map(a -> new Ast.Name(a.name() + (pass == null ? "" : pass), a.span().via(use)));
        if (scope.prefix != null) {
          String local = alias.map(Ast.Name::name).orElseGet(() -> scope.next(l.op()));
          alias = Optional.of(new Ast.Name(scope.prefix + "_" + local, alias.map(Ast.Name::span).orElse(l.opSpan().via(use))));
        }
        Optional<List<Ast.Layer>> body = l.body().map(b -> layers(b, env, scope, use, pass));
        out.add(new Ast.Layer(l.op(), l.opSpan().via(use), args(l.arguments(), env, use), body, alias, l.span().via(use)));
      }
    }
    return out;
  }

  /**
   * A parameter written where a layer stands ({@code dense(width) -> act}) becomes the operation or block its
   * argument names: {@code act: tanh}, {@code act: leaky_relu(0.1)}. The argument's spans are the use's.
   */
  private Ast.Layer asLayer(Ast.Expr value, Ast.Layer at) {
    if (value instanceof Ast.Name n) return new Ast.Layer(n.name(), n.span(), List.of(), Optional.empty(), at.alias(), at.span());
    if (value instanceof Ast.Call c) return new Ast.Layer(c.name(), c.nameSpan(), c.arguments(), Optional.empty(), at.alias(), at.span());
    throw error(value.span(), "'" + at.op() + "' stands where a layer does, and its argument " + Printer.expr(value) + " is not one",
        "give an operation, e.g.  " + at.op() + ": relu  or  " + at.op() + ": leaky_relu(0.1)");
  }

  private void repeat(Ast.Layer l, Map<String, Ast.Expr> env, Scope scope, Span.Use use, String pass, List<Ast.Layer> out) {
    Ast.Loop loop = l.loop().get();
    List<Ast.Expr> values = new ArrayList<>();
    Ast.Expr from = subst(loop.from(), env, use);
    if (loop.to().isPresent()) {
      long a = whole(from, "the range's start"), b = whole(subst(loop.to().get(), env, use), "the range's end");
      if (b < a) throw error(loop.span().via(use), "the range " + a + ".." + b + " is empty", "write the smaller bound first: " + b + ".." + a);
      checkPasses(b - a + 1, loop.span().via(use));
      for (long v = a; v <= b; v++) values.add(new Ast.Num(v, Long.toString(v), loop.span().via(use)));
    } else if (from instanceof Ast.ListOf list) {
      if (list.items().isEmpty()) throw error(from.span(), "repeat over an empty list", "give the values, e.g.  repeat width in [64, 128] { ... }");
      values.addAll(list.items());
    } else {
      long n = whole(from, "a repeat count");
      if (n < 1) throw error(from.span(), "repeat " + n + " times", "repeat at least once");
      checkPasses(n, from.span());
      if (loop.variable().isPresent()) {
        throw error(loop.variable().get().span().via(use), "'repeat " + loop.variable().get().name() + " in' needs a range or a list",
            "e.g.  repeat i in 1.." + n + " { ... }   or   repeat " + n + " { ... }");
      }
      for (long v = 1; v <= n; v++) values.add(null);
    }
    if (l.body().isEmpty() || l.body().get().isEmpty()) throw error(l.opSpan().via(use), "repeat needs a body of layers", "e.g.  repeat 3 { dense(64) -> relu }");
    int passNo = 0;
    for (Ast.Expr value : values) {
      passNo++;
      Map<String, Ast.Expr> inner = env;
      if (loop.variable().isPresent()) {
        inner = new HashMap<>(env);
        inner.put(loop.variable().get().name(), value);
      }
      out.addAll(layers(l.body().get(), inner, scope, use, (pass == null ? "" : pass + "_") + passNo));
    }
  }

  private void checkPasses(long n, Span at) {
    if (n > MAX_LAYERS) throw error(at, "repeat " + n + " times: more than the " + MAX_LAYERS + " layers a network may expand to", "repeat fewer times");
  }

  private void blockUse(Ast.Layer l, Map<String, Ast.Expr> env, Scope scope, Span.Use use, String pass, List<Ast.Layer> out) {
    Ast.BlockDef def = blocks.get(l.op());
    Span at = l.opSpan().via(use);
    if (using.contains(def.name())) {
      List<String> chain = new ArrayList<>(using);
      java.util.Collections.reverse(chain);
      chain.add(def.name());
      throw error(at, "block '" + def.name() + "' uses itself (" + String.join(" -> ", chain) + ")", "a block cannot contain itself, directly or through another block");
    }
    if (l.body().isPresent()) throw error(at, "block '" + def.name() + "' takes arguments, not a { } body", "write  " + def.name() + "(...)");
    Map<String, Ast.Expr> bound = bind(def, l, env, use, at);
    String local = l.alias().map(a -> a.name() + (pass == null ? "" : pass)).orElseGet(() -> scope.next(def.name()));
    Scope inner = new Scope(scope.prefix == null ? local : scope.prefix + "_" + local);
    using.push(def.name());
    out.addAll(layers(def.body(), bound, inner, new Span.Use(def.name(), at), null));
    using.pop();
  }

  /** The use's arguments by parameter, checked like an operation's: names known, none twice, every required one given. */
  private Map<String, Ast.Expr> bind(Ast.BlockDef def, Ast.Layer l, Map<String, Ast.Expr> env, Span.Use use, Span at) {
    Map<String, Ast.Expr> bound = new HashMap<>();
    List<Ast.Param> params = def.params();
    int positional = 0;
    boolean named = false;
    for (Ast.Arg a : l.arguments()) {
      Ast.Expr value = subst(a.value(), env, use);
      if (a.name().isEmpty()) {
        if (named) throw error(a.span().via(use), "a positional argument after a named one", "put the positional arguments first");
        if (positional >= params.size()) {
          throw error(a.span().via(use), "block '" + def.name() + "' takes " + params.size() + " argument" + (params.size() == 1 ? "" : "s") + ", not " + (positional + 1),
              "its parameters: " + signature(def));
        }
        bound.put(params.get(positional++).name(), value);
      } else {
        named = true;
        String name = a.name().get().name();
        if (params.stream().noneMatch(p -> p.name().equals(name))) {
          throw error(a.name().get().span().via(use), "block '" + def.name() + "' has no parameter '" + name + "'", "its parameters: " + signature(def));
        }
        if (bound.put(name, value) != null) throw error(a.name().get().span().via(use), "'" + name + "' given twice", null);
      }
    }
    for (Ast.Param p : params) {
      if (bound.containsKey(p.name())) continue;
      if (p.defaultValue().isEmpty()) {
        throw error(at, "block '" + def.name() + "' needs its parameter '" + p.name() + "'", "its parameters: " + signature(def));
      }
      bound.put(p.name(), p.defaultValue().get()); // a default is written in the block: it sees no caller's names
    }
    return bound;
  }

  private static String signature(Ast.BlockDef def) {
    StringBuilder sb = new StringBuilder(def.name()).append('(');
    for (int i = 0; i < def.params().size(); i++) {
      Ast.Param p = def.params().get(i);
      if (i > 0) sb.append(", ");
      sb.append(p.name());
      p.defaultValue().ifPresent(d -> sb.append(": ").append(Printer.expr(d)));
    }
    return sb.append(')').toString();
  }

  private List<Ast.Arg> args(List<Ast.Arg> in, Map<String, Ast.Expr> env, Span.Use use) {
    return Relocate.args(in, sp -> sp.via(use), n -> env.containsKey(n.name()) ? env.get(n.name()) : new Ast.Name(n.name(), n.span().via(use)));
  }

  /** {@code e} with the names in {@code env} replaced by their expressions, its own spans marked with {@code use}. */
  private Ast.Expr subst(Ast.Expr e, Map<String, Ast.Expr> env, Span.Use use) {
    return Relocate.expr(e, sp -> sp.via(use), n -> env.containsKey(n.name()) ? env.get(n.name()) : new Ast.Name(n.name(), n.span().via(use)));
  }

  /** A repeat count or range bound: a whole number, from numbers, arithmetic and {@code let} values. */
  private long whole(Ast.Expr e, String what) {
    double v = number(e, what, 0);
    if (v != Math.rint(v) || Math.abs(v) > 1e9) throw error(e.span(), what + " must be a whole number, not " + Printer.expr(e), null);
    return (long) v;
  }

  private double number(Ast.Expr e, String what, int depth) {
    if (depth > 64) throw error(e.span(), what + " refers to itself", null);
    if (e instanceof Ast.Num n) return n.value();
    if (e instanceof Ast.Negate n) return -number(n.operand(), what, depth + 1);
    if (e instanceof Ast.Name n && lets.containsKey(n.name())) return number(lets.get(n.name()), what, depth + 1);
    if (e instanceof Ast.Binary b) {
      double l = number(b.left(), what, depth + 1), r = number(b.right(), what, depth + 1);
      return switch (b.op()) {
        case '+' -> l + r;
        case '-' -> l - r;
        case '*' -> l * r;
        default -> l / r;
      };
    }
    throw error(e.span(), what + " must be a number, not " + Printer.expr(e), "use a number, arithmetic, a let value or a block parameter");
  }

  private CompileException error(Span span, String message, String hint) {
    return new CompileException(Diagnostic.error(src, span, message, hint));
  }
}
