package dev.nnet.onnx;

import static dev.nnet.onnx.GraphBuilder.attr;
import static dev.nnet.onnx.GraphBuilder.ints;

import dev.nnet.analysis.Model;
import dev.nnet.analysis.Op;
import dev.nnet.onnx.proto.Onnx.ModelProto;
import dev.nnet.onnx.proto.Onnx.OperatorSetIdProto;
import dev.nnet.onnx.proto.Onnx.StringStringEntryProto;
import dev.nnet.runtime.AtomicFile;
import dev.nnet.runtime.NnetException;
import dev.nnet.runtime.Npz;
import dev.nnet.runtime.Preprocessor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A checked network and its trained weights as an ONNX model: the inference graph in evaluation mode. Dropout
 * is gone, batchnorm uses its running statistics ({@code BatchNormalization}), and the data block's scaling and
 * preprocessing come first as {@code Mul}, {@code Sub}, {@code Div} and {@code MatMul} nodes, so the model takes
 * the raw features a data file holds, as {@code nnet predict} does, and gives what it prints: class
 * probabilities and the class (softmax_cross_entropy), each output's probability (sigmoid_cross_entropy), or the
 * values (mse).
 *
 * <p>Operator set 21 (IR version 10): the first with GroupNormalization scaling per channel as PyTorch's
 * GroupNorm does; Gelu's tanh form is there since 20. Images are NCHW as ONNX wants (nnet stores them
 * channels-last inside; nothing of that leaks out: a flatten's order is C, H, W in both). Weights are written
 * in float32 whatever the file's precision.
 */
public final class OnnxExport {
  public static final int OPSET = 21;
  public static final int IR_VERSION = 10;

  private final Model model;
  private final Map<String, Npz.Array> state;
  private final GraphBuilder g;
  private final Map<String, Tensor> blockInputs = new HashMap<>();
  private Tensor cur;

  /** A value of the graph and what it holds: a batch of flat features (rank 2) or of images (rank 4, or the raw input's rank). */
  private record Tensor(String name, int rank, Op.Image image) {}

  private OnnxExport(Model model, Map<String, Npz.Array> state) {
    this.model = model;
    this.state = state;
    this.g = new GraphBuilder(model.name(), "exported by nnet from " + model.source().name());
  }

  /**
   * The ONNX model of {@code model} with the weights of {@code state} (as {@code Trainer.stateDict()} gives
   * them: PyTorch names and layouts, and the preprocessing statistics as {@code nnet.preprocess.*}).
   * {@code classNames} (possibly empty) goes into the model's metadata, as {@code nnet.classes}.
   */
  public static ModelProto export(Model model, Map<String, Npz.Array> state, List<String> classNames, String producerVersion) {
    OnnxExport e = new OnnxExport(model, state);
    e.build();
    ModelProto.Builder m = ModelProto.newBuilder().setIrVersion(IR_VERSION).setProducerName("nnet").setProducerVersion(producerVersion)
        .setDomain("dev.nnet").setModelVersion(1).setDocString("the inference graph of " + model.source().name())
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET)).setGraph(e.g.build());
    m.addMetadataProps(StringStringEntryProto.newBuilder().setKey("nnet.source").setValue(model.source().name()));
    m.addMetadataProps(StringStringEntryProto.newBuilder().setKey("nnet.loss").setValue(model.loss().kind().keyword));
    if (!classNames.isEmpty()) m.addMetadataProps(StringStringEntryProto.newBuilder().setKey("nnet.classes").setValue(String.join(",", classNames)));
    return m.build();
  }

  /** Writes {@link #export} to {@code path}, atomically (a reader never sees half a model). */
  public static void write(Model model, Map<String, Npz.Array> state, List<String> classNames, String producerVersion, Path path) {
    byte[] bytes = export(model, state, classNames, producerVersion).toByteArray();
    AtomicFile.write(path, "ONNX model", tmp -> Files.write(tmp, bytes));
  }

  // ------------------------------------------------------------------ the graph

  private void build() {
    int[] raw = model.inputShape();
    g.input(GraphBuilder.value("input", "raw features as the data files hold them, shape [batch, " + join(raw) + "]", raw));
    Op.Image inputImage = raw.length >= 2 ? Op.Image.of(dev.nnet.analysis.Shape.of(raw), false) : null;
    cur = new Tensor("input", raw.length + 1, inputImage);
    preprocess();
    for (Op op : model.layers()) layer(op);
    outputs();
  }

  /** The data block's scale, then the fitted preprocessing, on the raw features. */
  private void preprocess() {
    double scale = model.plan().data().scale();
    if (scale != 1) {
      String s = g.floats("nnet.scale", new long[0], new float[] {(float) scale});
      cur = new Tensor(g.node("Mul", "scaled", "scale " + scale, new String[] {cur.name, s}), cur.rank, cur.image);
    }
    Preprocessor.Spec pre = model.plan().data().preprocess();
    if (pre.kind().equals("none")) return;
    Npz.Array mean = require(Preprocessor.NPZ_PREFIX + "mean", "the preprocessing statistics");
    int in = model.rawInputSize();
    if (pre.kind().equals("center") || pre.kind().equals("standardize")) {
      // elementwise on the input's own shape, so an image stays an image
      long[] dims = longs(model.inputShape());
      String m = g.floats("nnet.preprocess.mean", dims, floats(mean.data()));
      cur = new Tensor(g.node("Sub", "centered", "preprocess " + pre.kind() + ": x - mean", new String[] {cur.name, m}), cur.rank, cur.image);
      if (pre.kind().equals("standardize")) {
        double[] std = require(Preprocessor.NPZ_PREFIX + "std", "the standard deviations").data().clone();
        String s = g.floats("nnet.preprocess.std", dims, floats(std));
        cur = new Tensor(g.node("Div", "standardized", "preprocess standardize: (x - mean) / std", new String[] {cur.name, s}), cur.rank, cur.image);
      }
      return;
    }
    flat();
    Npz.Array proj = require(Preprocessor.NPZ_PREFIX + "projection", "the projection");
    String m = g.floats("nnet.preprocess.mean", new long[] {in}, floats(mean.data()));
    String c = g.node("Sub", "centered", "preprocess " + pre.kind() + ": x - mean", new String[] {cur.name, m});
    String p = g.floats("nnet.preprocess.projection", new long[] {proj.shape()[0], proj.shape()[1]}, floats(proj.data()));
    cur = new Tensor(g.node("MatMul", "preprocessed", "preprocess " + pre.kind() + ": (x - mean) · projection", new String[] {c, p}), 2, null);
  }

  private void layer(Op op) {
    String doc = model.source().name() + ":" + op.line() + ": " + model.source().line(op.line()).strip();
    String n = op.name();
    if (op instanceof Op.Dense d) {
      flat();
      set(g.node("Gemm", n, doc, new String[] {cur.name, param(n + ".weight"), param(n + ".bias")}, attr("transB", 1)), 2, null);
    } else if (op instanceof Op.Activation a) {
      activation(a, doc);
    } else if (op instanceof Op.BatchNorm b) {
      if (b.positions() > 1) image(null);
      set(g.node("BatchNormalization", n, doc,
          new String[] {cur.name, param(n + ".weight"), param(n + ".bias"), param(n + ".running_mean"), param(n + ".running_var")},
          attr("epsilon", b.eps())), cur.rank, cur.image);
    } else if (op instanceof Op.LayerNorm l) {
      layerNorm(l, doc);
    } else if (op instanceof Op.PRelu p) {
      prelu(p, doc);
    } else if (op instanceof Op.Softmax) {
      flat();
      set(g.node("Softmax", n, doc, new String[] {cur.name}, attr("axis", -1)), 2, null);
    } else if (op instanceof Op.Maxout m) {
      flat();
      String grouped = g.node("Reshape", n + "/groups", doc, new String[] {cur.name, g.longs(n + "/shape", -1, m.outputSize(), m.k())});
      set(g.node("ReduceMax", n, doc, new String[] {grouped, g.longs(n + "/axes", 2)}, attr("keepdims", 0)), 2, null);
    } else if (op instanceof Op.ResidualBegin) {
      blockInputs.put(n, cur);
    } else if (op instanceof Op.ResidualAdd r) {
      residual(r, doc);
    } else if (op instanceof Op.Dropout || op instanceof Op.ChannelDropout) {
      // evaluation mode: the identity
    } else if (op instanceof Op.Flatten) {
      flat();
    } else if (op instanceof Op.Conv c) {
      image(c.input());
      String[] in = c.bias() ? new String[] {cur.name, param(n + ".weight"), param(n + ".bias")} : new String[] {cur.name, param(n + ".weight")};
      set(g.node("Conv", n, doc, in, ints("kernel_shape", c.kh(), c.kw()), ints("strides", c.stride(), c.stride()),
          ints("pads", c.padH(), c.padW(), c.padH(), c.padW()), ints("dilations", c.dilation(), c.dilation()), attr("group", c.groups())),
          4, new Op.Image(c.filters(), c.outHeight(), c.outWidth(), true));
    } else if (op instanceof Op.Pool p) {
      pool(p, doc);
    } else {
      throw new NnetException(model.source().name() + ":" + op.line() + ": '" + op.keyword() + "' (" + n + ") cannot be exported to ONNX yet",
          "export a network without it, or use the generated Java predictor (nnet generate --inference)");
    }
  }

  private void activation(Op.Activation a, String doc) {
    String n = a.name(), x = cur.name;
    String y = switch (a.kind()) {
      case RELU -> g.node("Relu", n, doc, new String[] {x});
      case LEAKY_RELU -> g.node("LeakyRelu", n, doc, new String[] {x}, attr("alpha", a.alpha()));
      case ELU -> g.node("Elu", n, doc, new String[] {x}, attr("alpha", a.alpha()));
      case GELU -> g.node("Gelu", n, doc, new String[] {x}, attr("approximate", "tanh"));
      case SILU -> g.node("Mul", n, doc, new String[] {x, g.node("Sigmoid", n + "/sigmoid", doc, new String[] {x})});
      case SIGMOID -> g.node("Sigmoid", n, doc, new String[] {x});
      case TANH -> g.node("Tanh", n, doc, new String[] {x});
    };
    set(y, cur.rank, cur.image);
  }

  /** layernorm: over each sample's features; groupnorm: over each group of them; on an image γ and β are per channel (GroupNormalization). */
  private void layerNorm(Op.LayerNorm l, String doc) {
    String n = l.name();
    if (l.image() != null) {
      image(l.image());
      set(g.node("GroupNormalization", n, doc, new String[] {cur.name, param(n + ".weight"), param(n + ".bias")},
          attr("num_groups", l.groups()), attr("epsilon", l.eps())), 4, cur.image);
      return;
    }
    flat();
    if (l.groups() == 1) {
      set(g.node("LayerNormalization", n, doc, new String[] {cur.name, param(n + ".weight"), param(n + ".bias")},
          attr("axis", -1), attr("epsilon", l.eps())), 2, null);
      return;
    }
    // groups of features: normalize [batch, groups, size/groups] on its last axis, then γ and β per feature
    int per = l.inputSize() / l.groups();
    float[] ones = new float[per];
    java.util.Arrays.fill(ones, 1f);
    String grouped = g.node("Reshape", n + "/groups", doc, new String[] {cur.name, g.longs(n + "/grouped", -1, l.groups(), per)});
    String normal = g.node("LayerNormalization", n + "/normalized", doc, new String[] {grouped, g.floats(n + "/ones", new long[] {per}, ones)},
        attr("axis", -1), attr("epsilon", l.eps()));
    String back = g.node("Reshape", n + "/flat", doc, new String[] {normal, g.longs(n + "/shape", -1, l.inputSize())});
    String scaled = g.node("Mul", n + "/scaled", doc, new String[] {back, param(n + ".weight")});
    set(g.node("Add", n, doc, new String[] {scaled, param(n + ".bias")}), 2, null);
  }

  /** PReLU's slopes: one, or one per unit; on an image nnet numbers the units channels-last, ONNX channel-first. */
  private void prelu(Op.PRelu p, String doc) {
    String n = p.name();
    Npz.Array w = require(n + ".weight", "its slopes");
    String slope;
    if (!p.perUnit()) {
      slope = g.floats(n + ".weight", new long[] {1}, floats(w.data()));
    } else if (cur.rank == 4 || (cur.image != null && cur.rank > 2)) {
      Op.Image im = cur.image;
      float[] chw = new float[im.size()];
      for (int c = 0; c < im.channels(); c++) {
        for (int y = 0; y < im.height(); y++) {
          for (int x = 0; x < im.width(); x++) chw[(c * im.height() + y) * im.width() + x] = (float) w.data()[c * im.cStride() + y * im.yStride() + x * im.xStride()];
        }
      }
      image(im);
      slope = g.floats(n + ".weight", new long[] {im.channels(), im.height(), im.width()}, chw);
    } else {
      slope = g.floats(n + ".weight", new long[] {w.data().length}, floats(w.data()));
    }
    set(g.node("PRelu", n, doc, new String[] {cur.name, slope}), cur.rank, cur.image);
  }

  /** F(x) + shortcut(x): x itself, x with zeros after its features or channels (every stride-th pixel), or x projected. */
  private void residual(Op.ResidualAdd r, String doc) {
    String n = r.name();
    Tensor body = cur;
    cur = blockInputs.get(r.begin());
    if (cur == null) throw new IllegalStateException("residual block " + r.begin() + " has no start");
    String shortcut;
    if (r.image()) {
      image(r.from());
      if (r.projection()) {
        shortcut = g.node("Conv", n + "/shortcut", doc, new String[] {cur.name, param(n + ".shortcut.weight")},
            ints("kernel_shape", 1, 1), ints("strides", r.stride(), r.stride()));
      } else {
        shortcut = cur.name;
        if (r.stride() > 1) {
          shortcut = g.node("Slice", n + "/subsampled", doc, new String[] {shortcut, g.longs(n + "/starts", 0, 0),
              g.longs(n + "/ends", Long.MAX_VALUE, Long.MAX_VALUE), g.longs(n + "/axes", 2, 3), g.longs(n + "/steps", r.stride(), r.stride())});
        }
        if (r.zeroPad()) {
          int extra = r.to().channels() - r.from().channels();
          shortcut = g.node("Pad", n + "/padded", doc, new String[] {shortcut, g.longs(n + "/pads", 0, 0, 0, 0, 0, extra, 0, 0)});
        }
      }
      cur = body;
      image(r.to());
      set(g.node("Add", n, doc, new String[] {cur.name, shortcut}), 4, r.to());
      return;
    }
    flat();
    if (r.projection()) {
      shortcut = g.node("Gemm", n + "/shortcut", doc, new String[] {cur.name, param(n + ".shortcut.weight")}, attr("transB", 1));
    } else if (r.zeroPad()) {
      shortcut = g.node("Pad", n + "/padded", doc, new String[] {cur.name, g.longs(n + "/pads", 0, 0, 0, r.inputSize() - r.shortcutSize())});
    } else {
      shortcut = cur.name;
    }
    cur = body;
    flat();
    set(g.node("Add", n, doc, new String[] {cur.name, shortcut}), 2, null);
  }

  private void pool(Op.Pool p, String doc) {
    String n = p.name();
    image(p.input());
    switch (p.kind()) {
      case MAX -> set(g.node("MaxPool", n, doc, new String[] {cur.name}, ints("kernel_shape", p.kh(), p.kw()), ints("strides", p.stride(), p.stride()),
          ints("pads", p.padH(), p.padW(), p.padH(), p.padW())), 4, new Op.Image(p.input().channels(), p.outHeight(), p.outWidth(), true));
      case AVG -> set(g.node("AveragePool", n, doc, new String[] {cur.name}, ints("kernel_shape", p.kh(), p.kw()), ints("strides", p.stride(), p.stride()),
          ints("pads", p.padH(), p.padW(), p.padH(), p.padW()), attr("count_include_pad", 0)), 4,
          new Op.Image(p.input().channels(), p.outHeight(), p.outWidth(), true));
      case GLOBAL_AVG -> {
        String pooled = g.node("GlobalAveragePool", n + "/pooled", doc, new String[] {cur.name});
        set(g.node("Flatten", n, doc, new String[] {pooled}, attr("axis", 1)), 2, null);
      }
    }
  }

  /** What nnet predict prints: softmax probabilities and the class, sigmoid probabilities, or the values. */
  private void outputs() {
    flat();
    int out = model.outputSize();
    String loss = model.loss().kind().keyword;
    switch (model.loss().kind()) {
      case SOFTMAX_CROSS_ENTROPY -> {
        g.node("Softmax", "probabilities", "the loss is " + loss + ": class probabilities", new String[] {cur.name}, attr("axis", -1));
        g.node("ArgMax", "class", "the most likely class", new String[] {cur.name}, attr("axis", -1), attr("keepdims", 0));
        g.output(GraphBuilder.value("probabilities", "class probabilities, as nnet predict prints them", out));
        g.output(GraphBuilder.classes("class", "the most likely class, 0-based (names in the metadata's nnet.classes)"));
      }
      case SIGMOID_CROSS_ENTROPY -> {
        g.node("Sigmoid", "probabilities", "the loss is " + loss + ": each output's probability", new String[] {cur.name});
        g.output(GraphBuilder.value("probabilities", "each output's probability, as nnet predict prints them", out));
      }
      case MSE -> {
        g.node("Identity", "values", "the loss is mse: the outputs themselves", new String[] {cur.name});
        g.output(GraphBuilder.value("values", "the predicted values", out));
      }
    }
  }

  // ------------------------------------------------------------------ helpers

  private void set(String name, int rank, Op.Image image) {
    cur = new Tensor(name, rank, image);
  }

  /** Makes the current value a batch of flat features, C, H, W in order as PyTorch's flatten (and nnet's). */
  private void flat() {
    if (cur.rank > 2) set(g.node("Flatten", cur.name + "/flat", null, new String[] {cur.name}, attr("axis", 1)), 2, null);
  }

  /** Makes the current value a batch of images [batch, C, H, W] ({@code im} its shape; null: keep the one it has). */
  private void image(Op.Image im) {
    Op.Image shape = im != null ? im : cur.image;
    if (cur.rank == 4) {
      if (im != null) cur = new Tensor(cur.name, 4, im);
      return;
    }
    if (shape == null) throw new IllegalStateException("an image operation on flat features");
    set(g.node("Reshape", cur.name + "/image", null,
        new String[] {cur.name, g.longs(cur.name + "/image_shape", -1, shape.channels(), shape.height(), shape.width())}), 4, shape);
  }

  /** A parameter tensor of the state dict as an initializer of its own name and PyTorch shape. */
  private String param(String name) {
    Npz.Array a = require(name, "a parameter");
    return g.floats(name, longs(a.shape()), floats(a.data()));
  }

  private Npz.Array require(String name, String what) {
    Npz.Array a = state.get(name);
    if (a == null) throw new NnetException("the weights have no tensor '" + name + "' (" + what + ")", "export with the checkpoint nnet train wrote for this file");
    return a;
  }

  private static float[] floats(double[] d) {
    float[] f = new float[d.length];
    for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
    return f;
  }

  private static long[] longs(int[] d) {
    long[] l = new long[d.length];
    for (int i = 0; i < d.length; i++) l[i] = d[i];
    return l;
  }

  private static String join(int[] d) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < d.length; i++) sb.append(i > 0 ? ", " : "").append(d[i]);
    return sb.toString();
  }
}
