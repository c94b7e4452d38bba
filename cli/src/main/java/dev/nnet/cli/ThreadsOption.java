package dev.nnet.cli;

import dev.nnet.runtime.Network;
import dev.nnet.runtime.NnetException;
import dev.nnet.runtime.Team;
import picocli.CommandLine.Option;

/** {@code --threads N}, for the commands that run a network. */
class ThreadsOption {
  @Option(names = "--threads", paramLabel = "N",
      description = "threads sharing each step's large products (default: one per processor, here ${DEFAULT-VALUE}); the results are identical for any N")
  int threads = Team.defaultSize();

  int get() {
    if (threads < 1) throw new NnetException("--threads must be at least 1, got " + threads, "leave it out to use one thread per processor");
    return threads;
  }

  void applyTo(Network net) {
    net.setThreads(get());
  }
}
