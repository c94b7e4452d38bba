package dev.nnet.cli;

import dev.nnet.NnetCompiler;
import dev.nnet.runtime.Trainer;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code --weights FILE} and {@code --threads N}, for the commands that run a trained network (eval, predict). */
class WeightsOption {
  @Option(names = {"-w", "--weights"}, required = true, paramLabel = "CKPT",
      description = "checkpoint written by 'nnet train', or a PyTorch-style .npz state_dict (with the file's preprocessing statistics when it preprocesses)")
  Path weights;

  @Mixin
  ThreadsOption threads;

  /** A trainer of the compiled network with the weights loaded, on the chosen threads. */
  Trainer load(NnetCompiler.Compiled c) {
    return c.newTrainer().threads(threads.get()).loadWeights(weights);
  }
}
