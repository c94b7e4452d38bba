package dev.nnet.syntax;

import dev.nnet.syntax.NnetParser.*;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.antlr.v4.runtime.*;
import org.antlr.v4.runtime.misc.IntervalSet;

/** Text to syntax tree: runs the ANTLR parser and turns its parse tree into {@link Ast} with positions. */
public final class Parsing {
  private Parsing() {}

  /** Brackets nested deeper than this are refused: the parser and the checker recurse once per level. */
  public static final int MAX_NESTING = 64;
  /** The longest name: names become Java identifiers, and a class name becomes a file name. */
  public static final int MAX_NAME = 100;
  /** The longest string (a path): strings become constants in generated code, which the class file limits. */
  public static final int MAX_STRING = 4096;

  /** Parses a whole file; a syntax error becomes a {@link CompileException} with position and hint. */
  public static Ast.File parse(SourceFile source) {
    return parse(source, MAX_NESTING);
  }

  /** {@link #parse(SourceFile)} with brackets nested at most {@code maxNesting} deep (never more than {@link #MAX_NESTING}). */
  public static Ast.File parse(SourceFile source, int maxNesting) {
    FirstError errors = new FirstError(source);
    String text = source.text();
    // a UTF-8 byte-order mark, as some editors write: a space keeps every column where the editor shows it
    if (text.startsWith("\uFEFF")) text = " " + text.substring(1);
    NnetLexer lexer = new NnetLexer(CharStreams.fromString(text, source.name()));
    lexer.removeErrorListeners();
    lexer.addErrorListener(errors);
    CommonTokenStream tokens = new CommonTokenStream(lexer);
    tokens.fill(); // the lexer does not recurse: every token is read before the recursive parser sees one
    if (errors.first != null) throw new CompileException(errors.first);
    checkLimits(source, tokens.getTokens(), Math.min(maxNesting, MAX_NESTING));
    NnetParser parser = new NnetParser(tokens);
    parser.removeErrorListeners();
    parser.addErrorListener(errors);
    try {
      FileContext tree = parser.file();
      if (errors.first != null) throw new CompileException(errors.first);
      return new Builder(source).file(tree);
    } catch (StackOverflowError e) { // e.g. thousands of unary minus signs in a row: no bracket counts them
      throw new CompileException(Diagnostic.error(source, new Span(1, 1, 1), "the file nests too deeply to be read",
          "write expressions and blocks less deeply nested"));
    }
  }

  /** Nesting depth, name and string lengths: limits that keep hostile text from exhausting the stack or the class file. */
  private static void checkLimits(SourceFile source, List<Token> tokens, int maxNesting) {
    int depth = 0;
    for (Token t : tokens) {
      switch (t.getType()) {
        case NnetLexer.LPAREN, NnetLexer.LBRACK, NnetLexer.LBRACE -> {
          if (++depth > maxNesting) {
            throw new CompileException(Diagnostic.error(source, span(t), "brackets nested more than " + maxNesting + " deep",
                "no network or expression needs this depth; is a bracket left unclosed?"));
          }
        }
        case NnetLexer.RPAREN, NnetLexer.RBRACK, NnetLexer.RBRACE -> depth = Math.max(0, depth - 1);
        case NnetLexer.IDENT -> {
          if (t.getText().length() > MAX_NAME) {
            throw new CompileException(Diagnostic.error(source, new Span(t.getLine(), t.getCharPositionInLine() + 1, MAX_NAME),
                "a name of " + t.getText().length() + " characters; at most " + MAX_NAME + " are allowed", "choose a shorter name"));
          }
        }
        case NnetLexer.STRING -> {
          if (t.getText().length() - 2 > MAX_STRING) {
            throw new CompileException(Diagnostic.error(source, new Span(t.getLine(), t.getCharPositionInLine() + 1, 1),
                "a string of " + (t.getText().length() - 2) + " characters; at most " + MAX_STRING + " are allowed", null));
          }
        }
        default -> { }
      }
    }
  }

  // ------------------------------------------------------------------ syntax errors

  /** Keeps the first syntax error only: later ones are usually echoes of it. */
  private static final class FirstError extends BaseErrorListener {
    private final SourceFile source;
    Diagnostic first;

    FirstError(SourceFile source) {
      this.source = source;
    }

    @Override
    public void syntaxError(Recognizer<?, ?> recognizer, Object offending, int line, int col, String msg,
                            RecognitionException e) {
      if (first != null) return;
      if (!(offending instanceof Token token)) {
        first = Diagnostic.error(source, new Span(line, col + 1, 1), "unreadable input: " + msg, null);
        return;
      }
      Span span = span(token);
      String expected = recognizer instanceof Parser parser ? expected(parser) : "";
      String hint = expected.isEmpty() ? null : "expected " + expected;
      String message;
      switch (token.getType()) {
        case NnetLexer.UNTERMINATED_STRING -> {
          message = "unterminated string";
          hint = "close the string with \" on the same line";
        }
        case NnetLexer.UNKNOWN_CHAR -> {
          message = "unexpected character '" + token.getText() + "'";
          if (token.getText().equals(";")) hint = "a line ends a setting or a chain of layers; no ';' is needed";
          else if (token.getText().equals("'")) hint = "strings are written in double quotes: \"file.csv\"";
        }
        case Token.EOF -> {
          message = "unexpected end of file";
          span = new Span(Math.max(1, token.getLine()), token.getCharPositionInLine() + 1, 1);
          if (expected.contains("'}'")) hint = "a '{' block is not closed: add '}'";
          else if (expected.contains("')'")) hint = "a '(' is not closed: add ')'";
        }
        case NnetLexer.NL -> {
          message = "unexpected end of line";
          span = new Span(token.getLine(), token.getCharPositionInLine() + 1, 1);
        }
        default -> {
          message = "unexpected " + describe(token);
          if (inRule(recognizer, e, NnetParser.RULE_chain, NnetParser.RULE_layers) && token.getType() == NnetLexer.IDENT) {
            hint = "join layers on one line with '->', or put each layer on its own line";
          } else if (token.getType() == NnetLexer.RBRACE && expected.contains("end of line")) {
            hint = "put the closing '}' on its own line";
          }
        }
      }
      first = Diagnostic.error(source, span, message, hint);
    }

    private static boolean inRule(Recognizer<?, ?> recognizer, RecognitionException e, int... rules) {
      if (!(recognizer instanceof Parser parser)) return false;
      RuleContext ctx = e != null && e.getCtx() != null ? e.getCtx() : parser.getContext();
      for (; ctx != null; ctx = ctx.parent) {
        for (int r : rules) if (ctx.getRuleIndex() == r) return true;
      }
      return false;
    }

    private static String expected(Parser parser) {
      IntervalSet set;
      try {
        set = parser.getExpectedTokens();
      } catch (RuntimeException ex) {
        return "";
      }
      TreeSet<String> names = new TreeSet<>();
      for (int t : set.toList()) {
        String name = tokenName(parser.getVocabulary(), t);
        if (name != null) names.add(name);
      }
      if (names.isEmpty() || names.size() > 6) return "";
      return String.join(", ", names);
    }

    private static String tokenName(Vocabulary vocabulary, int type) {
      return switch (type) {
        case NnetLexer.IDENT -> "a name";
        case NnetLexer.NUMBER -> "a number";
        case NnetLexer.STRING -> "a string";
        case NnetLexer.NL -> "end of line";
        case Token.EOF -> "end of file";
        case NnetLexer.UNTERMINATED_STRING, NnetLexer.UNKNOWN_CHAR -> null;
        default -> vocabulary.getLiteralName(type);
      };
    }

    private static String describe(Token token) {
      return switch (token.getType()) {
        case NnetLexer.IDENT -> "name '" + token.getText() + "'";
        case NnetLexer.NUMBER -> "number " + token.getText();
        case NnetLexer.STRING -> "string " + token.getText();
        default -> "'" + token.getText() + "'";
      };
    }
  }

  static Span span(Token token) {
    return new Span(token.getLine(), token.getCharPositionInLine() + 1, Math.max(1, token.getText().length()));
  }

  static Span span(ParserRuleContext ctx) {
    Token start = ctx.getStart();
    Token stop = ctx.getStop() != null && ctx.getStop().getTokenIndex() >= start.getTokenIndex() ? ctx.getStop() : start;
    return Span.cover(span(start), span(stop));
  }

  // ------------------------------------------------------------------ parse tree to syntax tree

  private static final class Builder {
    private final SourceFile source;

    Builder(SourceFile source) {
      this.source = source;
    }

    Ast.File file(FileContext ctx) {
      List<Ast.Item> items = new ArrayList<>();
      for (ItemContext item : ctx.item()) items.add(item(item));
      return new Ast.File(source, items);
    }

    Ast.Item item(ItemContext ctx) {
      if (ctx instanceof LetItemContext let) {
        return new Ast.Let(let.name.getText(), span(let.name), expr(let.init),
            Optional.ofNullable(let.domain).map(this::expr), span(let));
      }
      if (ctx instanceof NetworkItemContext net) {
        return new Ast.Network(layers(net.layers()), span(net));
      }
      if (ctx instanceof BlockItemContext block) {
        List<Ast.Setting> settings = new ArrayList<>();
        for (SettingContext s : block.setting()) settings.add(setting(s));
        return new Ast.Block(block.key.getText(), settings, span(block));
      }
      if (ctx instanceof FromItemContext from) {
        List<Ast.Name> names = new ArrayList<>(), except = new ArrayList<>();
        for (LayerNameContext t : from.names) names.add(new Ast.Name(t.getText(), span(t)));
        for (LayerNameContext t : from.excluded) except.add(new Ast.Name(t.getText(), span(t)));
        if (from.except != null && !(from.except.getText().equals("except") && names.size() == 1 && names.get(0).name().equals("all"))) {
          throw new CompileException(Diagnostic.error(source, span(from.except), "unexpected name '" + from.except.getText() + "'",
              "write  load a, b  or  load all except c, d"));
        }
        return new Ast.FromLoad(string(from.path), span(from.path), names, except, span(from));
      }
      if (ctx instanceof UnfreezeItemContext u) {
        String hint = "write  unfreeze a, b at epoch 3";
        if (!u.key.getText().equals("unfreeze")) {
          throw new CompileException(Diagnostic.error(source, span(u.key), "unexpected '" + u.key.getText() + "' before '" + u.at.getText() + "'", hint));
        }
        if (!u.at.getText().equals("at")) throw new CompileException(Diagnostic.error(source, span(u.at), "expected 'at', found '" + u.at.getText() + "'", hint));
        if (!u.unit.getText().equals("epoch")) {
          throw new CompileException(Diagnostic.error(source, span(u.unit), "expected 'epoch', found '" + u.unit.getText() + "'", hint));
        }
        int epoch;
        try {
          epoch = Integer.parseInt(u.when.getText());
        } catch (NumberFormatException e) {
          throw new CompileException(Diagnostic.error(source, span(u.when), "the epoch must be a whole number, got " + u.when.getText(), hint));
        }
        List<Ast.Name> names = new ArrayList<>();
        for (LayerNameContext t : u.names) names.add(new Ast.Name(t.getText(), span(t)));
        return new Ast.Unfreeze(names, epoch, span(u.when), span(u));
      }
      if (ctx instanceof BlockDefItemContext def) {
        List<Ast.Param> params = new ArrayList<>();
        if (def.params() != null) {
          for (ParamContext p : def.params().param()) {
            params.add(new Ast.Param(p.name.getText(), span(p.name), Optional.ofNullable(p.expr()).map(this::expr)));
          }
        }
        return new Ast.BlockDef(def.name.getText(), span(def.name), params, layers(def.layers()), span(def));
      }
      return setting(((SettingItemContext) ctx).setting());
    }

    List<Ast.Layer> layers(LayersContext ctx) {
      List<Ast.Layer> out = new ArrayList<>();
      for (ChainContext chain : ctx.chain()) {
        for (LayerContext layer : chain.layer()) out.add(layer(layer));
      }
      return out;
    }

    Ast.Layer layer(LayerContext layer) {
      if (layer instanceof RepeatLayerContext r) {
        Optional<Ast.Name> variable = r.var == null ? Optional.empty() : Optional.of(new Ast.Name(r.var.getText(), span(r.var)));
        Ast.Loop loop = new Ast.Loop(variable, expr(r.from), Optional.ofNullable(r.to).map(this::expr), span(r.from));
        return new Ast.Layer(Ast.REPEAT, span(r.REPEAT().getSymbol()), List.of(), Optional.of(layers(r.layers())), Optional.empty(), span(r),
            Optional.of(loop));
      }
      OpLayerContext ctx = (OpLayerContext) layer;
      List<Ast.Arg> args = ctx.arguments() == null ? List.of() : arguments(ctx.arguments());
      Optional<List<Ast.Layer>> body = ctx.layers() == null ? Optional.empty() : Optional.of(layers(ctx.layers()));
      Optional<Ast.Name> alias = ctx.alias == null ? Optional.empty() : Optional.of(new Ast.Name(ctx.alias.getText(), span(ctx.alias)));
      return new Ast.Layer(ctx.op.getText(), span(ctx.op), args, body, alias, span(ctx));
    }

    Ast.Setting setting(SettingContext ctx) {
      Optional<List<Ast.Arg>> args = ctx.arguments() == null ? Optional.empty() : Optional.of(arguments(ctx.arguments()));
      List<Ast.Expr> values = new ArrayList<>();
      for (ValueContext v : ctx.value()) values.add(value(v));
      return new Ast.Setting(ctx.key.getText(), span(ctx.key), args, values, span(ctx));
    }

    Ast.Expr value(ValueContext ctx) {
      if (ctx.expr().size() == 1) return expr(ctx.expr(0));
      List<Ast.Expr> stages = new ArrayList<>();
      for (ExprContext e : ctx.expr()) stages.add(expr(e));
      return new Ast.Then(stages, span(ctx));
    }

    List<Ast.Arg> arguments(ArgumentsContext ctx) {
      List<Ast.Arg> out = new ArrayList<>();
      for (ArgumentContext a : ctx.argument()) {
        Optional<Ast.Name> name = a.name == null ? Optional.empty() : Optional.of(new Ast.Name(a.name.getText(), span(a.name.getStart())));
        out.add(new Ast.Arg(name, expr(a.expr()), span(a)));
      }
      return out;
    }

    Ast.Expr expr(ExprContext ctx) {
      if (ctx instanceof NumberContext n) return number(n.NUMBER().getSymbol());
      if (ctx instanceof StringContext s) return new Ast.Str(string(s.STRING().getSymbol()), span(s));
      if (ctx instanceof NameOrCallContext c) {
        if (c.arguments() == null) return new Ast.Name(c.IDENT().getText(), span(c));
        return new Ast.Call(c.IDENT().getText(), span(c.IDENT().getSymbol()), arguments(c.arguments()), span(c));
      }
      if (ctx instanceof ListContext l) {
        List<Ast.Expr> items = new ArrayList<>();
        for (ExprContext e : l.expr()) items.add(expr(e));
        return new Ast.ListOf(items, span(l));
      }
      if (ctx instanceof ParenContext p) return expr(p.expr());
      if (ctx instanceof NegateContext n) return new Ast.Negate(expr(n.expr()), span(n));
      if (ctx instanceof MulDivContext m) return new Ast.Binary(m.op.getText().charAt(0), expr(m.expr(0)), expr(m.expr(1)), span(m));
      AddSubContext a = (AddSubContext) ctx;
      return new Ast.Binary(a.op.getText().charAt(0), expr(a.expr(0)), expr(a.expr(1)), span(a));
    }

    Ast.Num number(Token t) {
      double v = Double.parseDouble(t.getText());
      if (Double.isInfinite(v)) {
        throw new CompileException(Diagnostic.error(source, span(t), "number " + t.getText() + " is too large", null));
      }
      return new Ast.Num(v, t.getText(), span(t));
    }

    String string(Token t) {
      String raw = t.getText();
      StringBuilder sb = new StringBuilder();
      for (int i = 1; i < raw.length() - 1; i++) {
        char c = raw.charAt(i);
        if (c != '\\') {
          sb.append(c);
          continue;
        }
        char e = raw.charAt(++i);
        switch (e) {
          case '"', '\\' -> sb.append(e);
          case 'n' -> sb.append('\n');
          case 't' -> sb.append('\t');
          default -> throw new CompileException(Diagnostic.error(source,
              new Span(t.getLine(), t.getCharPositionInLine() + i, 2), "unknown escape '\\" + e + "' in string",
              "write \\\\ for a backslash; in paths '/' works on every system"));
        }
      }
      return sb.toString();
    }
  }
}
