package dev.nnet.runtime;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A network's parameters as PyTorch names and lays them out in a {@code state_dict}: {@code <layer>.weight}
 * as [out, in], {@code <layer>.bias} as [out]. nnet stores a dense weight as [in][out]; the conversion
 * happens here, at the boundary, and nowhere else.
 */
public final class StateDict {
  private StateDict() {}

  /** The PyTorch shape of a tensor. */
  static int[] torchShape(ParamTensor t) {
    int[] s = t.shape();
    return t.storedTransposed() ? new int[] {s[1], s[0]} : s;
  }

  public static Map<String, Npz.Array> export(Network net) {
    Arena p = net.parameters();
    Map<String, Npz.Array> out = new LinkedHashMap<>();
    for (ParamTensor t : net.spec().tensors()) {
      double[] v = new double[t.size()];
      int[] s = t.shape();
      for (int i = 0; i < v.length; i++) {
        // stored [rows][cols]; transposed for torch: element (r, c) goes to (c, r)
        int src = t.storedTransposed() ? (i % s[0]) * s[1] + i / s[0] : i;
        v[i] = p.get(t.offset() + src);
      }
      out.put(t.name(), new Npz.Array(torchShape(t), v));
    }
    return out;
  }

  /** Writes the parameters and {@code extra} arrays (names outside the layers', such as the preprocessing statistics). */
  public static void save(Network net, Map<String, Npz.Array> extra, Path path) {
    Map<String, Npz.Array> all = new LinkedHashMap<>(export(net));
    all.putAll(extra);
    Npz.write(path, all, net.spec().precision() == Precision.FLOAT64);
  }

  /** The prefix of arrays that belong to nnet rather than to a layer (a layer's tensors are named {@code layer.tensor}). */
  public static final String NNET_PREFIX = "nnet.";

  /** The tensors of a .npz state_dict or, for any other name, of an nnet checkpoint: by name, in PyTorch's layout. */
  public static Map<String, Npz.Array> tensorsIn(Path path) {
    return path.toString().endsWith(".npz") ? Npz.read(path) : Checkpoint.tensors(path);
  }

  /**
   * Replaces the tensors named {@code names} with the file's (transfer learning): each must be in the file
   * with its PyTorch shape and finite values, or nothing is changed. The file may hold other tensors.
   */
  public static void loadTensors(Network net, Path path, List<String> names) {
    Map<String, Npz.Array> arrays = tensorsIn(path);
    for (String name : names) {
      ParamTensor t = net.spec().tensor(name);
      Npz.Array a = arrays.get(name);
      if (t == null) throw new NnetException(net.spec().modelName() + " has no tensor " + name, "the .nnet file names the layers to load");
      if (a == null) {
        throw new NnetException(path + " has no " + name + " (it holds: " + String.join(", ", arrays.keySet()) + ")",
            "the file changed since the .nnet file was checked; export the base model's weights again");
      }
      if (!Arrays.equals(a.shape(), torchShape(t))) {
        throw new NnetException(path + ": " + name + " is " + a.shapeText() + ", the layer needs " + Arrays.toString(torchShape(t)), null);
      }
      for (double v : a.data()) {
        if (!Double.isFinite(v) || (net.spec().precision() == Precision.FLOAT32 && !Float.isFinite((float) v))) {
          throw new NnetException(path + ": " + name + " holds " + v, "the weights come from a diverged run; export them from a finite one");
        }
      }
    }
    copy(net, arrays, names.stream().map(n -> net.spec().tensor(n)).toList());
  }

  /** Puts the file's values of {@code tensors} into the parameters, each from PyTorch's layout into nnet's. */
  private static void copy(Network net, Map<String, Npz.Array> arrays, List<ParamTensor> tensors) {
    Arena p = net.parameters();
    for (ParamTensor t : tensors) {
      double[] v = arrays.get(t.name()).data();
      int[] s = t.shape();
      for (int i = 0; i < v.length; i++) p.set(t.offset() + (t.storedTransposed() ? (i % s[0]) * s[1] + i / s[0] : i), v[i]);
    }
    net.parametersChanged();
  }

  /**
   * Loads every parameter from {@code path}; names and shapes must match exactly, and every value must be
   * finite, or nothing is changed. Returns the file's arrays, whose {@code nnet.}-prefixed extras the caller reads.
   */
  public static Map<String, Npz.Array> load(Network net, Path path) {
    Map<String, Npz.Array> arrays = Npz.read(path);
    List<String> problems = new ArrayList<>();
    for (ParamTensor t : net.spec().tensors()) {
      Npz.Array a = arrays.get(t.name());
      if (a == null) problems.add("missing " + t.name() + " " + Arrays.toString(torchShape(t)));
      else if (!Arrays.equals(a.shape(), torchShape(t))) problems.add(t.name() + " is " + a.shapeText() + ", expected " + Arrays.toString(torchShape(t)));
    }
    for (String name : arrays.keySet()) {
      if (net.spec().tensor(name) == null && !name.startsWith(NNET_PREFIX)) problems.add("unexpected " + name + " " + arrays.get(name).shapeText());
    }
    if (!problems.isEmpty()) {
      StringBuilder expected = new StringBuilder(), found = new StringBuilder();
      for (ParamTensor t : net.spec().tensors()) expected.append("\n    ").append(t.name()).append(' ').append(Arrays.toString(torchShape(t)));
      arrays.forEach((k, v) -> found.append("\n    ").append(k).append(' ').append(v.shapeText()));
      throw new NnetException(path + " does not fit " + net.spec().modelName() + ": " + String.join("; ", problems)
          + "\n  the model has:" + expected + "\n  the file has:" + found,
          "names and shapes follow PyTorch's state_dict: <layer>.weight [out, in] and <layer>.bias [out], layers named as 'nnet check' shows");
    }
    for (Map.Entry<String, Npz.Array> e : arrays.entrySet()) {
      double[] v = e.getValue().data();
      for (int i = 0; i < v.length; i++) {
        if (!Double.isFinite(v[i]) || (net.spec().precision() == Precision.FLOAT32 && !Float.isFinite((float) v[i]))) {
          throw new NnetException(path + ": " + e.getKey() + " holds " + v[i] + " at index " + i
              + (Double.isFinite(v[i]) ? ", beyond float32's range" : ""), "the weights come from a diverged run; export them from a finite one");
        }
      }
    }
    copy(net, arrays, net.spec().tensors());
    return arrays;
  }
}
