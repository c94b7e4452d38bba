package dev.nnet.cli;

import picocli.CommandLine.Option;

/** {@code --json}: machine-readable output, one JSON object per line on stdout, for the commands that report results. */
class JsonOption {
  @Option(names = "--json", description = "print the results as JSON on stdout, one object per line (per epoch, row, layer or measurement), instead of text")
  boolean json;
}
