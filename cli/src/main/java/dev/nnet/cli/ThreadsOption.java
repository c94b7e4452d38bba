package dev.nnet.cli;

import dev.nnet.runtime.Network;
import dev.nnet.runtime.Team;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code --threads N}, for the commands that run a network. */
class ThreadsOption {
  @Spec(Spec.Target.MIXEE)
  CommandSpec command;

  private int threads = Team.defaultSize();

  @Option(names = "--threads", paramLabel = "N",
      description = "threads sharing each step's large products (default: one per available processor); the results are identical for any N")
  void threads(int n) {
    threads = Options.atLeastOne(command, "--threads", n);
  }

  int get() {
    return threads;
  }

  void applyTo(Network net) {
    net.setThreads(get());
  }
}
