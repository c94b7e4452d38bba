package dev.nnet.syntax;

import java.util.List;

/** Syntax back to text, in the canonical layout: one layer per line, two spaces per level, {@code name: value} arguments. */
public final class Printer {
  private Printer() {}

  /** A network block, one layer per line (what {@code nnet check --expand} prints). */
  public static String network(Ast.Network network) {
    StringBuilder sb = new StringBuilder("network {\n");
    layers(sb, network.layers(), "  ");
    return sb.append("}\n").toString();
  }

  private static void layers(StringBuilder sb, List<Ast.Layer> layers, String indent) {
    for (Ast.Layer l : layers) {
      sb.append(indent);
      if (l.loop().isPresent()) {
        Ast.Loop loop = l.loop().get();
        sb.append("repeat ");
        loop.variable().ifPresent(v -> sb.append(v.name()).append(" in "));
        sb.append(expr(loop.from()));
        loop.to().ifPresent(t -> sb.append("..").append(expr(t)));
      } else {
        sb.append(l.op());
        if (!l.arguments().isEmpty()) sb.append(arguments(l.arguments()));
      }
      if (l.body().isPresent()) {
        sb.append(" {\n");
        layers(sb, l.body().get(), indent + "  ");
        sb.append(indent).append('}');
      }
      l.alias().ifPresent(a -> sb.append(" as ").append(a.name()));
      sb.append('\n');
    }
  }

  static String arguments(List<Ast.Arg> args) {
    StringBuilder sb = new StringBuilder("(");
    for (int i = 0; i < args.size(); i++) {
      if (i > 0) sb.append(", ");
      Ast.Arg a = args.get(i);
      a.name().ifPresent(n -> sb.append(n.name()).append(": "));
      sb.append(expr(a.value()));
    }
    return sb.append(')').toString();
  }

  /** An expression as it would be written; strings quoted and escaped, operators bracketed where the order needs it. */
  public static String expr(Ast.Expr e) {
    if (e instanceof Ast.Num n) return n.text();
    if (e instanceof Ast.Str s) {
      return '"' + s.value().replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\t", "\\t") + '"';
    }
    if (e instanceof Ast.Name n) return n.name();
    if (e instanceof Ast.Call c) return c.name() + arguments(c.arguments());
    if (e instanceof Ast.ListOf l) return "[" + String.join(", ", l.items().stream().map(Printer::expr).toList()) + "]";
    if (e instanceof Ast.Negate n) return "-" + operand(n.operand());
    if (e instanceof Ast.Binary b) return operand(b.left()) + " " + b.op() + " " + operand(b.right());
    return String.join(" then ", ((Ast.Then) e).stages().stream().map(Printer::expr).toList());
  }

  private static String operand(Ast.Expr e) {
    return e instanceof Ast.Binary || e instanceof Ast.Then ? "(" + expr(e) + ")" : expr(e);
  }
}
