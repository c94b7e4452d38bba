package dev.nnet.syntax;

import java.util.List;
import java.util.Optional;

/**
 * The immutable syntax tree of a .nnet file. It records what was written and where, nothing more:
 * meaning (which operations exist, defaults, shapes) belongs to the analysis stage.
 */
public interface Ast {

  Span span();

  /** A parsed file: its items in order. */
  record File(SourceFile source, List<Item> items) {
    public File {
      items = List.copyOf(items);
    }
  }

  // ---------------------------------------------------------------- top-level items

  sealed interface Item extends Ast permits Let, Network, Block, Setting, FromLoad, BlockDef, Unfreeze {}

  /** {@code let name = value [search domain]}: a named hyperparameter, optionally with a search domain. */
  record Let(String name, Span nameSpan, Expr value, Optional<Expr> search, Span span) implements Item {}

  /** {@code network { ... }}: the layers in order. */
  record Network(List<Layer> layers, Span span) implements Item {
    public Network {
      layers = List.copyOf(layers);
    }
  }

  /** {@code training { ... }}, {@code data { ... }}, or any other named block of settings. */
  record Block(String key, List<Setting> settings, Span span) implements Item {
    public Block {
      settings = List.copyOf(settings);
    }
  }

  /**
   * {@code block name(param, param: default) { layers }}: a piece of network defined once and used like an
   * operation; the analysis expands every use before it checks the network.
   */
  record BlockDef(String name, Span nameSpan, List<Param> params, List<Layer> body, Span span) implements Item {
    public BlockDef {
      params = List.copyOf(params);
      body = List.copyOf(body);
    }
  }

  /** A block's parameter: required, or with its default value. */
  record Param(String name, Span span, Optional<Expr> defaultValue) implements Ast {}

  /**
   * {@code from "path" load a, b} or {@code from "path" load all except c}: transfer learning, weights by
   * layer name ({@code layers} is then {@code all}, and {@code except} the layers left out).
   */
  record FromLoad(String path, Span pathSpan, List<Name> layers, List<Name> except, Span span) implements Item {
    public FromLoad {
      layers = List.copyOf(layers);
      except = List.copyOf(except);
    }
  }

  /**
   * {@code unfreeze a, b at epoch 3}: layers frozen until then learn from that epoch on (gradual unfreezing).
   *
   * @param epoch     the 1-based epoch from which they learn, as written
   * @param epochSpan where the epoch's number stands
   */
  record Unfreeze(List<Name> layers, int epoch, Span epochSpan, Span span) implements Item {
    public Unfreeze {
      layers = List.copyOf(layers);
    }
  }

  /**
   * A line {@code key value, value} or {@code key(arguments)}: {@code batch 64}, {@code optimizer adam(lr: 1e-3)},
   * {@code early_stopping(patience: 4)}, {@code augment crop(pad: 2), mirror}.
   *
   * @param arguments present when the key itself is followed by parentheses
   */
  record Setting(String key, Span keySpan, Optional<List<Arg>> arguments, List<Expr> values, Span span) implements Item {
    public Setting {
      values = List.copyOf(values);
    }
  }

  // ---------------------------------------------------------------- layers

  /**
   * One layer: {@code dense(256, init: he_normal) as hidden1}, or a layer with a body such as
   * {@code residual(shortcut: projection) { ... }}.
   *
   * @param arguments empty when the operation was written without parentheses
   * @param body present for block layers (residual); its layers in order
   */
  record Layer(String op, Span opSpan, List<Arg> arguments, Optional<List<Layer>> body,
               Optional<Name> alias, Span span, Optional<Loop> loop) implements Ast {
    public Layer {
      arguments = List.copyOf(arguments);
    }

    public Layer(String op, Span opSpan, List<Arg> arguments, Optional<List<Layer>> body, Optional<Name> alias, Span span) {
      this(op, opSpan, arguments, body, alias, span, Optional.empty());
    }
  }

  /**
   * What a {@code repeat} layer (op {@value #REPEAT}, its body the layers repeated) runs over:
   * {@code repeat 3}, {@code repeat i in 1..3}, {@code repeat width in [64, 128]}.
   */
  record Loop(Optional<Name> variable, Expr from, Optional<Expr> to, Span span) implements Ast {}

  /** The op of a repeat layer: a keyword, so no operation or block can have this name. */
  String REPEAT = "repeat";

  // ---------------------------------------------------------------- expressions

  /** {@code name: value} or a positional {@code value}. */
  record Arg(Optional<Name> name, Expr value, Span span) implements Ast {}

  sealed interface Expr extends Ast permits Num, Str, Name, Call, ListOf, Negate, Binary, Then {}

  /** A number as written; {@code text} keeps the original spelling for messages. */
  record Num(double value, String text, Span span) implements Expr {}

  /** A string literal, escapes already decoded. */
  record Str(String value, Span span) implements Expr {}

  /** A bare identifier: a keyword value ({@code relu}, {@code val_loss}) or a {@code let} name. */
  record Name(String name, Span span) implements Expr {}

  /** {@code name(arguments)}. */
  record Call(String name, Span nameSpan, List<Arg> arguments, Span span) implements Expr {
    public Call {
      arguments = List.copyOf(arguments);
    }
  }

  /** {@code [a, b, c]}. */
  record ListOf(List<Expr> items, Span span) implements Expr {
    public ListOf {
      items = List.copyOf(items);
    }
  }

  record Negate(Expr operand, Span span) implements Expr {}

  /** {@code left op right} for op in + - * /. */
  record Binary(char op, Expr left, Expr right, Span span) implements Expr {}

  /** {@code a then b then c}: stages of a schedule. */
  record Then(List<Expr> stages, Span span) implements Expr {
    public Then {
      stages = List.copyOf(stages);
    }
  }
}
