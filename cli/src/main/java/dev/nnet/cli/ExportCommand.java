package dev.nnet.cli;

import dev.nnet.NnetCompiler;
import dev.nnet.onnx.OnnxExport;
import dev.nnet.runtime.Trainer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "export", header = "Write a trained network as an ONNX model.",
    description = {"Writes the inference graph of the file's network with the checkpoint's weights as an ONNX model (operator set "
        + OnnxExport.OPSET + "), which ONNX Runtime and other ONNX tools run: evaluation mode (no dropout; batchnorm with its running "
        + "statistics), the data block's scale and preprocessing as its first nodes, so the model takes raw features as the data files "
        + "hold them, shaped [batch, input shape]. Outputs: 'probabilities' and 'class' for softmax_cross_entropy, 'probabilities' for "
        + "sigmoid_cross_entropy, 'values' for mse; nodes are named after the file's layers. Weights are float32.",
        "",
        "Example:",
        "  nnet train samples/iris.nnet",
        "  nnet export samples/iris.nnet --weights iris.ckpt -o iris.onnx"})
final class ExportCommand implements Callable<Integer> {
  @Mixin
  Common common;

  @Mixin
  WeightsOption weights;

  @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "the ONNX file to write (default: the .nnet file's name with .onnx, in the working directory, as nnet train's checkpoint)")
  Path output;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    NnetCompiler.Compiled c = common.compile(spec.commandLine().getErr());
    Trainer trainer = weights.load(c);
    Path target = output != null ? output : Path.of(common.file.getFileName().toString().replaceFirst("\\.nnet$", "") + ".onnx");
    String version = Main.class.getPackage().getImplementationVersion();
    OnnxExport.write(c.model(), trainer.stateDict(), trainer.classNames(), version == null ? "0.1.0-SNAPSHOT" : version, target);
    long bytes;
    try {
      bytes = Files.size(target);
    } catch (java.io.IOException e) {
      bytes = -1;
    }
    out.printf("wrote %s (%,d bytes, ONNX operator set %d): input 'input' %s, %s%n", target, bytes, OnnxExport.OPSET,
        java.util.Arrays.toString(c.model().inputShape()).replace("[", "[batch, "), outputs(c));
    out.flush();
    return 0;
  }

  private static String outputs(NnetCompiler.Compiled c) {
    return switch (c.model().loss().kind()) {
      case SOFTMAX_CROSS_ENTROPY -> "outputs 'probabilities' [batch, " + c.model().outputSize() + "] and 'class' [batch]";
      case SIGMOID_CROSS_ENTROPY -> "output 'probabilities' [batch, " + c.model().outputSize() + "]";
      case MSE -> "output 'values' [batch, " + c.model().outputSize() + "]";
    };
  }
}
