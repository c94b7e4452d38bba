package dev.nnet.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** Checks of option values shared by the commands: a value out of range is a command-line error (exit 2). */
final class Options {
  private Options() {}

  static long atLeastOne(CommandSpec spec, String option, long n) {
    if (n < 1) throw new ParameterException(spec.commandLine(), option + " must be at least 1, got " + n);
    return n;
  }

  static int atLeastOne(CommandSpec spec, String option, int n) {
    return (int) atLeastOne(spec, option, (long) n);
  }
}
