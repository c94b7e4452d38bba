package dev.nnet.tests;

import dev.nnet.NnetCompiler;
import dev.nnet.compile.VectorSupport;
import dev.nnet.syntax.SourceFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Where the samples are, and the kernel kinds every test runs over. */
final class Samples {
  private Samples() {}

  static Path repo() {
    return Path.of(System.getProperty("nnet.repo", "..")).toAbsolutePath().normalize();
  }

  static Path sample(String name) {
    return repo().resolve("samples").resolve(name);
  }

  static SourceFile read(Path p) {
    try {
      return SourceFile.read(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every .nnet file under samples/ (recursively). */
  static List<Path> all() {
    try (Stream<Path> s = Files.walk(repo().resolve("samples"))) {
      // shared/: imported, not compiled alone; fashion-finetune.nnet needs the weights fashion-base.nnet's
      // training writes (TransferTest checks it against weights of the base sample's shapes)
      return s.filter(p -> p.toString().endsWith(".nnet") && !p.toString().contains("/shared/") && !p.endsWith("fashion-finetune.nnet"))
          .sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Both code paths: the Vector API one (the tests' JVM has the module) and the plain-Java one. */
  static List<NnetCompiler.Kernels> kernels() {
    if (!VectorSupport.available()) {
      throw new IllegalStateException("the tests must run with --add-modules jdk.incubator.vector (surefire's argLine sets it)");
    }
    return List.of(NnetCompiler.Kernels.VECTOR, NnetCompiler.Kernels.PLAIN);
  }

  static boolean fashionMnistInstalled() {
    return Files.isReadable(Path.of("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"));
  }

  /** The Iris network of samples/iris.nnet (4 → 16 tanh → 3) with the given training and data settings, one per line. */
  static String irisNetwork(String training, String data) {
    return "input [4]\nnetwork {\n  dense(16) -> tanh\n  dense(3)\n}\nloss softmax_cross_entropy\ntraining {\n" + training.indent(2)
        + "}\ndata {\n" + data.indent(2) + "}\n";
  }
}
