package dev.nnet.cli;

import dev.nnet.runtime.DataException;
import dev.nnet.runtime.NetworkSpec;
import dev.nnet.runtime.Trainer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "predict", header = "Print the outputs for rows of raw features in a CSV.", description = "Loads a checkpoint and prints the network's output for each row of a CSV of raw features (as many columns as the input; a header row is skipped): the most likely class and the class probabilities, or the predicted values.")
final class PredictCommand implements Callable<Integer> {
  @Mixin
  Common common;

  @Mixin
  WeightsOption weights;

  @Option(names = {"-i", "--input"}, required = true, paramLabel = "CSV", description = "rows of raw features")
  Path input;

  @Mixin
  JsonOption output;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    Trainer trainer = weights.load(common.compile(spec.commandLine().getErr()));
    NetworkSpec ns = trainer.spec();
    int raw = 1;
    for (int d : ns.inputShape()) raw *= d;
    float[][] rows = read(raw); // raw features: the trainer scales and preprocesses them as in training
    float[][] outputs = trainer.predict(rows);
    boolean classes = ns.task() == NetworkSpec.Task.CLASSIFICATION, yesNo = ns.task() == NetworkSpec.Task.MULTILABEL;
    java.util.List<String> names = trainer.classNames();
    for (float[] o : outputs) {
      StringBuilder values = new StringBuilder();
      int best = 0;
      for (int j = 0; j < o.length; j++) {
        values.append(j > 0 ? (output.json ? "," : " ") : "").append(String.format(Locale.ROOT, "%.6g", o[j]));
        if (o[j] > o[best]) best = j;
      }
      if (yesNo && o.length == 1) { // one sigmoid output: class 1 when its probability is at least 1/2
        best = o[0] >= 0.5f ? 1 : 0;
        classes = true;
      }
      String name = classes && best < names.size() ? names.get(best) : null;
      if (yesNo && o.length > 1) { // multi-label: every output at 1/2 or above is a label of the row
        StringBuilder on = new StringBuilder();
        for (int j = 0; j < o.length; j++) if (o[j] >= 0.5f) on.append(on.length() > 0 ? "," : "").append(j);
        if (output.json) out.printf("{\"labels\":[%s],\"probabilities\":[%s]}%n", on, values);
        else out.println((on.length() == 0 ? "-" : on) + "  " + values);
      } else if (output.json) {
        String label = name == null ? "" : "\"label\":\"" + name.replace("\\", "\\\\").replace("\"", "\\\"") + "\",";
        out.printf("{%s%s\"%s\":[%s]}%n", classes ? "\"class\":" + best + "," : "", label, classes || yesNo ? "probabilities" : "values", values);
      } else {
        out.println(classes ? (name == null ? Integer.toString(best) : best + " " + name) + "  " + values : values.toString());
      }
    }
    out.flush();
    return 0;
  }

  private float[][] read(int width) {
    List<String> lines;
    try {
      lines = Files.readAllLines(input);
    } catch (NoSuchFileException e) {
      throw new DataException("no such file: " + input, null);
    } catch (IOException e) {
      throw new DataException("cannot read " + input + " (" + e.getMessage() + ")", null);
    }
    List<float[]> rows = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).trim();
      if (line.isEmpty()) continue;
      String[] cells = line.split(",");
      float[] r = new float[cells.length];
      boolean numeric = true;
      for (int j = 0; j < cells.length && numeric; j++) {
        try {
          r[j] = Float.parseFloat(cells[j].trim());
        } catch (NumberFormatException e) {
          numeric = false;
        }
      }
      if (!numeric && rows.isEmpty() && i == 0) continue; // header
      if (!numeric) throw new DataException(input + ":" + (i + 1) + ": not a row of numbers", null);
      for (int j = 0; j < r.length; j++) {
        if (!Float.isFinite(r[j])) {
          throw new DataException(input + ":" + (i + 1) + ": value " + (j + 1) + " is '" + cells[j].trim() + "', not a finite number"
              + (Float.isInfinite(r[j]) && !cells[j].toLowerCase(Locale.ROOT).contains("inf") ? " in float32 (at most 3.4e38)" : ""),
              "every feature must be a finite number, as in training; fix or remove that row");
        }
      }
      if (r.length != width) {
        throw new DataException(input + ":" + (i + 1) + ": " + r.length + " values, the network takes " + width,
            "give only the feature columns, in the training data's order");
      }
      rows.add(r);
    }
    if (rows.isEmpty()) throw new DataException(input + " holds no rows of features", "give one row of " + width + " numbers per sample");
    return rows.toArray(new float[0][]);
  }
}
