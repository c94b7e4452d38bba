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
 * The teaching warnings about a checked network (the notes' advice, with the line and the reason): a final
 * activation before a loss that applies its own, dropout or batchnorm out of place, an init that does not fit
 * the activation after it, a dropout rate that looks like a keep probability, deep sigmoid stacks. Warnings
 * never stop compilation.
 */
final class Lints extends Values {
  Lints(State state) {
    super(state);
  }

  /** The teaching warnings about the network: activations, placement, inits, dropout rates, sigmoid stacks. */
  void check(Model.Loss loss, List<Op> layers) {
    if (loss == null || layers.isEmpty()) return;
    Op last = layers.get(layers.size() - 1);
    if (loss.kind() != Model.Loss.Kind.MSE) {
      if (last instanceof Op.Activation a) {
        warning(lineSpan(a.line()), "the network ends in " + a.kind().keyword + " before " + loss.kind().keyword,
            "the loss applies " + (loss.kind() == Model.Loss.Kind.SOFTMAX_CROSS_ENTROPY ? "softmax" : "the sigmoid")
                + " to raw scores itself; a final activation squeezes them and slows learning");
      }
    }
    for (int i = 0; i + 1 < layers.size(); i++) {
      if (layers.get(i) instanceof Op.Dropout d && layers.get(i + 1) instanceof Op.Activation a) {
        warning(lineSpan(d.line()), "dropout before " + a.kind().keyword,
            "the notes place dropout after the activation, before the next linear layer");
      }
      if (layers.get(i) instanceof Op.ChannelDropout d && layers.get(i + 1) instanceof Op.Activation a) {
        warning(lineSpan(d.line()), "channel_dropout before " + a.kind().keyword,
            "the notes place dropout at the end of a conv block: conv -> batchnorm -> relu -> channel_dropout");
      }
      if (layers.get(i) instanceof Op.ChannelDropout d && layers.get(i + 1) instanceof Op.BatchNorm) {
        warning(lineSpan(d.line()), "channel_dropout before batchnorm",
            "dropout changes the statistics batchnorm learns in training but not in evaluation; put it after the activation");
      }
      if (layers.get(i) instanceof Op.Dropout d && layers.get(i + 1) instanceof Op.BatchNorm) {
        warning(lineSpan(d.line()), "dropout before batchnorm",
            "dropout changes the statistics batchnorm learns in training but not in evaluation; put dropout after the activation");
      }
      if (layers.get(i) instanceof Op.Activation a && layers.get(i + 1) instanceof Op.BatchNorm) {
        warning(lineSpan(a.line()), "batchnorm after " + a.kind().keyword,
            "the notes place batchnorm after the linear layer and before the activation: dense -> batchnorm -> relu");
      }
    }
    int sigmoids = 0;
    for (int i = 0; i < layers.size(); i++) {
      Op op = layers.get(i);
      Init weightInit = op instanceof Op.Dense d ? d.weightInit() : op instanceof Op.Conv c ? c.weightInit() : null;
      if (weightInit != null && explicitInits.contains(op.name())) {
        Op.Activation next = null;
        for (int j = i + 1; j < layers.size() && next == null && !(layers.get(j) instanceof Op.Dense) && !(layers.get(j) instanceof Op.Conv); j++) {
          if (layers.get(j) instanceof Op.Activation a) next = a;
        }
        String init = weightInit.name();
        Op d = op;
        if (next != null && !next.kind().reluFamily && init.startsWith("he_")) {
          warning(lineSpan(d.line()), init + " before " + next.kind().keyword,
              "He initialization is derived for ReLU; for tanh and sigmoid the notes use Xavier (xavier_uniform, the default here)");
        } else if (next != null && next.kind().reluFamily && (init.startsWith("xavier") || init.equals("lecun_normal"))) {
          warning(lineSpan(d.line()), init + " before " + next.kind().keyword,
              "half of a ReLU's inputs are zeroed, so Xavier/LeCun lets the signal shrink layer by layer; He (he_normal, the default here) keeps it");
        }
      }
      if (op instanceof Op.Activation a && a.kind() == Op.Activation.Kind.SIGMOID && i < layers.size() - 1) sigmoids++;
      if (op instanceof Op.Dropout d && d.p() >= 0.5 && d.inputSize() <= 64) {
        warning(lineSpan(d.line()), "dropout(" + Num.fmt(d.p()) + ") drops " + Math.round(d.p() * 100) + "% of only " + d.inputSize() + " units",
            "dropout(p) takes the probability of DROPPING a unit; if you meant to keep " + Num.fmt(d.p()) + ", write dropout(" + Num.fmt(1 - d.p()) + ")");
      }
    }
    if (sigmoids >= 3) {
      Op first = layers.stream().filter(o -> o instanceof Op.Activation a && a.kind() == Op.Activation.Kind.SIGMOID).findFirst().orElseThrow();
      warning(lineSpan(first.line()), sigmoids + " sigmoid hidden layers: gradients shrink by at least 4× through each",
          "σ' ≤ 1/4 and σ is not zero-centred; prefer relu (or tanh) in hidden layers, as the notes advise");
    }
  }
}
