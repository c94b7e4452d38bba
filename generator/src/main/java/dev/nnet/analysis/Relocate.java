package dev.nnet.analysis;

import dev.nnet.syntax.Ast;
import dev.nnet.syntax.Span;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Copies of syntax with every span mapped, and optionally every name: how an imported file's items remember
 * which file they came from, and how a block's body takes a use's arguments in place of its parameters.
 */
final class Relocate {
  private Relocate() {}

  static List<Ast.Layer> layers(List<Ast.Layer> in, UnaryOperator<Span> f) {
    return in.stream().map(l -> layer(l, f)).toList();
  }

  static Ast.Layer layer(Ast.Layer l, UnaryOperator<Span> f) {
    return new Ast.Layer(l.op(), f.apply(l.opSpan()), args(l.arguments(), f), l.body().map(b -> layers(b, f)),
        l.alias().map(a -> new Ast.Name(a.name(), f.apply(a.span()))), f.apply(l.span()),
        l.loop().map(p -> new Ast.Loop(p.variable().map(v -> new Ast.Name(v.name(), f.apply(v.span()))), expr(p.from(), f),
            p.to().map(t -> expr(t, f)), f.apply(p.span()))));
  }

  static Ast.Setting setting(Ast.Setting s, UnaryOperator<Span> f) {
    return new Ast.Setting(s.key(), f.apply(s.keySpan()), s.arguments().map(a -> args(a, f)), s.values().stream().map(v -> expr(v, f)).toList(),
        f.apply(s.span()));
  }

  static List<Ast.Arg> args(List<Ast.Arg> in, UnaryOperator<Span> f) {
    return args(in, f, n -> new Ast.Name(n.name(), f.apply(n.span())));
  }

  static Ast.Expr expr(Ast.Expr e, UnaryOperator<Span> f) {
    return expr(e, f, n -> new Ast.Name(n.name(), f.apply(n.span())));
  }

  /** Arguments with their spans mapped by {@code f} and their values' names by {@code names}. */
  static List<Ast.Arg> args(List<Ast.Arg> in, UnaryOperator<Span> f, Function<Ast.Name, Ast.Expr> names) {
    return in.stream().map(a -> new Ast.Arg(a.name().map(n -> new Ast.Name(n.name(), f.apply(n.span()))), expr(a.value(), f, names), f.apply(a.span())))
        .toList();
  }

  /** An expression with its spans mapped by {@code f} and each name replaced by what {@code names} gives for it. */
  static Ast.Expr expr(Ast.Expr e, UnaryOperator<Span> f, Function<Ast.Name, Ast.Expr> names) {
    if (e instanceof Ast.Name n) return names.apply(n);
    if (e instanceof Ast.Num n) return new Ast.Num(n.value(), n.text(), f.apply(n.span()));
    if (e instanceof Ast.Str s) return new Ast.Str(s.value(), f.apply(s.span()));
    if (e instanceof Ast.Call c) return new Ast.Call(c.name(), f.apply(c.nameSpan()), args(c.arguments(), f, names), f.apply(c.span()));
    if (e instanceof Ast.ListOf l) return new Ast.ListOf(l.items().stream().map(x -> expr(x, f, names)).toList(), f.apply(l.span()));
    if (e instanceof Ast.Negate n) return new Ast.Negate(expr(n.operand(), f, names), f.apply(n.span()));
    if (e instanceof Ast.Binary b) return new Ast.Binary(b.op(), expr(b.left(), f, names), expr(b.right(), f, names), f.apply(b.span()));
    Ast.Then t = (Ast.Then) e;
    return new Ast.Then(t.stages().stream().map(x -> expr(x, f, names)).toList(), f.apply(t.span()));
  }
}
