package dev.nnet.analysis;

import dev.nnet.runtime.NnetException;
import dev.nnet.runtime.Npz;
import dev.nnet.runtime.TrainingPlan;
import dev.nnet.syntax.Ast;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code from "base.ckpt" load a, b} and {@code from "base.npz" load all except c}: which tensors each line
 * takes from which file, checked now against the file itself (each layer exists and has parameters; the
 * file holds each of its tensors with the shape the layer needs), so a fine-tune fails at check, with a
 * position, rather than after its data is loaded.
 */
final class TransferChecks extends Values {
  TransferChecks(State state) {
    super(state);
  }

  List<TrainingPlan.Transfer> transfers(List<Ast.FromLoad> lines, List<Op> layers) {
    List<TrainingPlan.Transfer> out = new ArrayList<>();
    Map<String, Op> byName = new LinkedHashMap<>();
    for (Op op : layers) if (!op.params().isEmpty()) byName.put(op.name(), op);
    for (Ast.FromLoad line : lines) {
      Map<String, Npz.Array> file = read(line);
      if (file == null) continue;
      Set<String> chosen = new LinkedHashSet<>();
      boolean all = line.layers().size() == 1 && line.layers().get(0).name().equals("all") && !byName.containsKey("all");
      if (all) {
        chosen.addAll(byName.keySet());
        for (Ast.Name n : line.except()) {
          if (!chosen.remove(n.name())) error(n.span(), unknown(n.name(), layers), "the layers with weights: " + String.join(", ", byName.keySet()));
        }
      } else {
        for (Ast.Name n : line.layers()) {
          if (!byName.containsKey(n.name())) error(n.span(), unknown(n.name(), layers), "the layers with weights: " + String.join(", ", byName.keySet()));
          else chosen.add(n.name());
        }
      }
      List<String> tensors = new ArrayList<>();
      for (String layer : chosen) {
        Op op = byName.get(layer);
        for (Op.Param p : op.params()) {
          String name = layer + p.suffix();
          Npz.Array a = file.get(name);
          int[] dims = p.dims();
          if (p.transposed()) dims = new int[] {dims[1], dims[0]}; // stored [in][out]; the file is PyTorch's [out, in]
          Ast.Name where = line.layers().stream().filter(n -> n.name().equals(layer)).findFirst().orElse(line.layers().get(0));
          if (a == null) {
            error(where.span(), "'" + line.path() + "' has no " + name + " " + Arrays.toString(dims), "it holds the layers: " + layersIn(file));
          } else if (!Arrays.equals(a.shape(), dims)) {
            error(where.span(), "'" + line.path() + "' holds " + name + " as " + a.shapeText() + "; " + layer + " needs " + Arrays.toString(dims),
                "the layer's size differs from the base model's: load only the layers that match (load all except " + layer + ")");
          } else {
            tensors.add(name);
          }
        }
      }
      out.add(new TrainingPlan.Transfer(line.path(), List.copyOf(tensors)));
    }
    return out;
  }

  /**
   * {@code freeze a, b}: the same as {@code frozen: true} on those layers (their weights and biases keep
   * their values; the layers below still learn). Dense layers, convolutions and batchnorm can be frozen; a
   * frozen batchnorm normalizes with its running statistics.
   */
  List<Op> freeze(List<Ast.Setting> lines, List<Op> layers) {
    List<Op> out = new ArrayList<>(layers);
    for (Ast.Setting line : lines) {
      if (line.arguments().isPresent() || line.values().isEmpty()) {
        error(line.keySpan(), "freeze takes layer names", "e.g.  freeze features, hidden");
        continue;
      }
      for (Ast.Expr e : line.values()) {
        if (!(e instanceof Ast.Name n)) {
          error(e.span(), "freeze takes layer names", "e.g.  freeze features, hidden");
          continue;
        }
        int i = 0;
        while (i < out.size() && !out.get(i).name().equals(n.name())) i++;
        if (i == out.size()) {
          error(n.span(), "no layer named '" + n.name() + "'", "the layers: " + String.join(", ", layers.stream().map(Op::name).toList()));
        } else if (out.get(i) instanceof Op.Dense d) {
          out.set(i, d.frozenCopy());
        } else if (out.get(i) instanceof Op.Conv c) {
          out.set(i, c.frozenCopy());
        } else if (out.get(i) instanceof Op.BatchNorm b) {
          out.set(i, b.frozenCopy());
        } else {
          error(n.span(), "'" + n.name() + "' cannot be frozen: only dense layers, convolutions and batchnorm have frozen forms", null);
        }
      }
    }
    return out;
  }

  /**
   * {@code unfreeze a, b at epoch N}: layers frozen (by freeze or frozen: true) that learn from epoch N on. Each
   * line is a phase the trainer switches on at its epoch; a batchnorm stays frozen (fine-tuning practice keeps
   * its statistics: Keras's advice).
   */
  List<TrainingPlan.Unfreeze> unfreeze(List<Ast.Unfreeze> lines, List<Op> layers, int epochs) {
    List<TrainingPlan.Unfreeze> out = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    for (Ast.Unfreeze line : lines) {
      if (line.epoch() < 2) {
        error(line.epochSpan(), "unfreeze at epoch " + line.epoch() + " leaves nothing frozen", "epochs count from 1: leave the layers out of freeze, or unfreeze at epoch 2 or later");
      } else if (line.epoch() > epochs) {
        error(line.epochSpan(), "unfreeze at epoch " + line.epoch() + ", but training runs " + epochs + " epochs", "unfreeze at epoch " + epochs + " or earlier, or raise epochs");
      }
      List<String> names = new ArrayList<>();
      for (Ast.Name n : line.layers()) {
        Op op = layers.stream().filter(o -> o.name().equals(n.name())).findFirst().orElse(null);
        if (op == null) {
          error(n.span(), "no layer named '" + n.name() + "'", "the frozen layers: " + frozenNames(layers));
        } else if (!op.frozen()) {
          error(n.span(), "'" + n.name() + "' is not frozen, so there is nothing to unfreeze", "freeze it first:  freeze " + n.name());
        } else if (op instanceof Op.BatchNorm) {
          error(n.span(), "a frozen batchnorm stays frozen: its running statistics are what the base model learnt",
              "leave '" + n.name() + "' out of unfreeze (as Keras advises for fine-tuning), or out of freeze");
        } else if (!seen.add(n.name())) {
          error(n.span(), "'" + n.name() + "' is unfrozen twice", "unfreeze each layer once");
        } else {
          names.add(n.name());
        }
      }
      out.add(new TrainingPlan.Unfreeze(line.epoch(), List.copyOf(names)));
    }
    return out;
  }

  /** The layers with those an unfreeze names compiled as learning: the phase's switch turns their gradients and updates on. */
  List<Op> thawed(List<TrainingPlan.Unfreeze> phases, List<Op> layers) {
    Set<String> names = new java.util.HashSet<>();
    for (TrainingPlan.Unfreeze u : phases) names.addAll(u.layers());
    List<Op> out = new ArrayList<>();
    for (Op op : layers) {
      out.add(!names.contains(op.name()) ? op : op instanceof Op.Dense d ? d.withFrozen(false) : ((Op.Conv) op).withFrozen(false));
    }
    return out;
  }

  private static String frozenNames(List<Op> layers) {
    List<String> names = layers.stream().filter(Op::frozen).map(Op::name).toList();
    return names.isEmpty() ? "none (freeze some first)" : String.join(", ", names);
  }

  private String unknown(String name, List<Op> layers) {
    for (Op op : layers) if (op.name().equals(name)) return "layer '" + name + "' has no weights to load";
    return "no layer named '" + name + "'";
  }

  private static String layersIn(Map<String, Npz.Array> file) {
    Set<String> names = new LinkedHashSet<>();
    for (String k : file.keySet()) if (k.contains(".") && !k.startsWith("nnet.")) names.add(k.substring(0, k.indexOf('.')));
    return names.isEmpty() ? "none" : String.join(", ", names);
  }

  /** The file's arrays, or null after an error: it must be a .npz the file-access policy lets this file read. */
  private Map<String, Npz.Array> read(Ast.FromLoad line) {
    String written = line.path();
    if (!written.endsWith(".npz") && !written.endsWith(".ckpt")) {
      error(line.pathSpan(), "'" + written + "' is neither a checkpoint (.ckpt) nor a .npz state_dict",
          "load what  nnet train base.nnet  writes (base.ckpt), or its  --save-weights base.npz");
      return null;
    }
    String problem = state.fileAccess.problem(written, src.directory());
    if (problem != null) {
      error(line.pathSpan(), "'" + written + "' may not be read: " + problem, state.fileAccess.hint());
      return null;
    }
    Path path = src.directory() == null ? Path.of(written) : src.directory().resolve(written);
    try {
      return dev.nnet.runtime.StateDict.tensorsIn(path);
    } catch (NnetException e) {
      error(line.pathSpan(), e.getMessage(), e.hint());
      return null;
    }
  }
}
