package dev.nnet.cli;

import dev.nnet.compile.GeneratedCodeException;
import dev.nnet.runtime.NnetException;
import dev.nnet.syntax.CompileException;
import dev.nnet.syntax.Diagnostic;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code nnet} command: every failure a user can cause ends in a message and an exit code, never a stack trace. */
@Command(name = "nnet", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, usageHelpAutoWidth = true,
    description = {
        "Compiles a .nnet network description into a Java trainer specialized for its exact shapes, and runs it.",
        "",
        "Examples:",
        "  nnet check samples/fashion-mlp.nnet                         the resolved model: shapes, parameters, defaults",
        "  nnet train samples/fashion-mlp.nnet                         train; writes fashion-mlp.ckpt",
        "  nnet eval samples/fashion-mlp.nnet --weights fashion-mlp.ckpt",
        "  nnet predict samples/iris.nnet --weights iris.ckpt --input flowers.csv",
        "  nnet export samples/iris.nnet --weights iris.ckpt -o iris.onnx   for ONNX Runtime",
        "  nnet train samples/fashion-mlp.nnet --report run.html       ...and watch run.html in a browser",
        "  nnet search samples/iris-search.nnet                        hyperparameter search; writes iris-search.best.nnet",
        "  nnet schedule samples/fashion-cosine.nnet --plot lr.png      the learning rate, drawn",
        "  nnet diagnose samples/depth-uniform.nnet                    vanishing signal, layer by layer",
        "  nnet gradcheck samples/gradcheck/residual.nnet              gradients against finite differences",
        "  nnet bench samples/fashion-mlp.nnet                         samples/s and GFLOP/s",
        "  nnet fmt --write my.nnet                                    the canonical layout",
        "  nnet generate samples/iris.nnet -o src/main/java --package com.example",
        "",
        "'nnet help COMMAND' explains a command and its options.",
        ""},
    footer = {"", "Exit codes: 0 success, 1 an error in the file, the data or a checkpoint, 2 a bad command line, 3 an internal error.",
        "The language: docs/language.md."})
public final class Main implements Runnable {

  /**
   * The subcommands, in the order the usage lists them. Picocli reads every command's annotations when it is
   * added (a quarter of a second for all of them, before the JIT has compiled anything), so a run that names its
   * command builds only that one; help, no command or an unknown one gets them all.
   */
  private static final java.util.Map<String, java.util.function.Supplier<Object>> COMMANDS = new java.util.LinkedHashMap<>();
  static {
    COMMANDS.put("check", CheckCommand::new);
    COMMANDS.put("fmt", FmtCommand::new);
    COMMANDS.put("generate", GenerateCommand::new);
    COMMANDS.put("train", TrainCommand::new);
    COMMANDS.put("eval", EvalCommand::new);
    COMMANDS.put("predict", PredictCommand::new);
    COMMANDS.put("export", ExportCommand::new);
    COMMANDS.put("report", ReportCommand::new);
    COMMANDS.put("search", SearchCommand::new);
    COMMANDS.put("bench", BenchCommand::new);
    COMMANDS.put("schedule", ScheduleCommand::new);
    COMMANDS.put("gradcheck", GradcheckCommand::new);
    COMMANDS.put("diagnose", DiagnoseCommand::new);
    COMMANDS.put("help", CommandLine.HelpCommand::new);
  }

  /** The command line for {@code args}: the named subcommand only, or all of them. */
  static CommandLine commandLine(String... args) {
    CommandLine cli = new CommandLine(new Main());
    java.util.function.Supplier<Object> named = args.length > 0 && !args[0].equals("help") ? COMMANDS.get(args[0]) : null;
    if (named != null) {
      cli.addSubcommand(named.get());
    } else {
      for (java.util.function.Supplier<Object> c : COMMANDS.values()) cli.addSubcommand(c.get());
    }
    return cli.setCaseInsensitiveEnumValuesAllowed(true);
  }

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public static void main(String[] args) {
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path home = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
    setDefaults(home.resolve("nnet"), args);
    System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
  }

  /**
   * The system properties the command line sets unless they are given: compiled trainers and decompressed
   * IDX files are kept under {@code cache} (-Dnnet.classCache= and -Dnnet.dataCache= turn them off), so a
   * second run of an unchanged file skips Janino, and of the same data skips inflating it; and for the
   * commands that train, the first steps run on the products' scalar twins while the tiles warm up
   * (-Dnnet.tileWarmup=false: not). Not for eval or predict, whose passes the twins would only slow down.
   */
  static void setDefaults(Path cache, String[] args) {
    setUnlessGiven(dev.nnet.compile.JaninoCompiler.CACHE_PROPERTY, cache.resolve("classes").toString());
    setUnlessGiven(dev.nnet.runtime.IdxReader.CACHE_PROPERTY, cache.resolve("data").toString());
    if (args.length > 0 && java.util.Set.of("train", "bench", "search").contains(args[0])) {
      setUnlessGiven(dev.nnet.runtime.TileWarmup.PROPERTY, "true");
    }
  }

  private static void setUnlessGiven(String property, String value) {
    if (System.getProperty(property) == null) System.setProperty(property, value);
  }

  /** Runs the command line with the given streams; returns the exit code. */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cli = commandLine(args);
    cli.setOut(out).setErr(err);
    cli.setParameterExceptionHandler((e, args2) -> {
      // the error and where to read more, not the whole usage: that buries the one line that matters
      PrintWriter w = e.getCommandLine().getErr();
      w.println("error: " + e.getMessage());
      if (!CommandLine.UnmatchedArgumentException.printSuggestions(e, w)) {
        String name = e.getCommandLine().getCommandName();
        w.println("  hint: 'nnet " + (name.equals("nnet") ? "--help" : "help " + name) + "' lists the options");
      }
      w.flush();
      return 2;
    });
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> report(e, cmd.getErr(), asksForStackTrace(parsed)));
    int code = cli.execute(args);
    out.flush(); // print() does not flush an autoflushing PrintWriter, and System.exit would drop the rest
    err.flush();
    return code;
  }

  /** Whether --stacktrace was given; it belongs to the subcommand, whose parse result hangs below the top level's. */
  static boolean asksForStackTrace(CommandLine.ParseResult parsed) {
    for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
      if (p.hasMatchedOption("--stacktrace")) return true;
    }
    return false;
  }

  static int report(Exception e, PrintWriter err, boolean trace) {
    if (e instanceof CompileException ce) {
      for (Diagnostic d : ce.diagnostics()) err.print(d.format());
      long n = ce.diagnostics().stream().filter(Diagnostic::isError).count();
      err.println(n + (n == 1 ? " error" : " errors"));
      err.flush();
      return 1;
    }
    if (e instanceof NnetException ne) {
      err.println("error: " + ne.getMessage());
      if (ne.hint() != null) err.println("  hint: " + ne.hint());
      if (trace) e.printStackTrace(err);
      err.flush();
      return 1;
    }
    if (e instanceof GeneratedCodeException g) {
      err.println(e.getMessage());
      try { // the source is for the bug report, not for the terminal: hundreds of lines would bury the message
        java.nio.file.Path file = java.nio.file.Files.createTempFile("nnet-generated-", ".java.txt");
        java.nio.file.Files.writeString(file, g.numberedSource());
        err.println("  the generated source is in " + file);
      } catch (java.io.IOException | RuntimeException io) {
        err.println("  (the generated source could not be written to a temporary file: " + io.getMessage() + ")");
      }
      if (trace) e.printStackTrace(err);
      err.flush();
      return 3;
    }
    err.println("internal error: " + e);
    err.println("  this is a bug in nnet; run again with --stacktrace and report the output with the .nnet file");
    if (trace) e.printStackTrace(err);
    err.flush();
    return 3;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"nnet " + (v == null ? "0.1.0-SNAPSHOT" : v), "Java " + Runtime.version()};
    }
  }
}
