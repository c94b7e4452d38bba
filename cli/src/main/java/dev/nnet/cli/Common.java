package dev.nnet.cli;

import dev.nnet.NnetCompiler;
import dev.nnet.runtime.NnetException;
import dev.nnet.syntax.Diagnostic;
import dev.nnet.syntax.SourceFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Options every command that reads a .nnet file shares. */
class Common {
  @Parameters(index = "0", paramLabel = "FILE", description = "the .nnet file")
  Path file;

  @Option(names = "--kernels", paramLabel = "KIND", description = "auto (default: Vector API when the JVM has it), vector or plain")
  NnetCompiler.Kernels kernels = NnetCompiler.Kernels.AUTO;

  @Option(names = "--precision", paramLabel = "P",
      description = "override the file's precision: float32, float64, mixed(bf16) or mixed(fp16) (16-bit operands in the products, float32 master weights; fp16 scales the loss)")
  String precision;

  @Option(names = "--stacktrace", description = "on an error, also print the Java stack trace (for bug reports)")
  boolean stacktrace;

  @Option(names = "--file-root", paramLabel = "DIR",
      description = "read only data files under DIR (after resolving .. and links), absolute paths included; without it, the .nnet file's folder and absolute paths")
  Path fileRoot;

  SourceFile source() {
    try {
      if (Files.isDirectory(file)) throw new NnetException(file + " is a folder, not a .nnet file", null);
      return SourceFile.read(file);
    } catch (NoSuchFileException e) {
      throw new NnetException("no such file: " + file, "give the path of a .nnet file, e.g. samples/iris.nnet");
    } catch (java.nio.charset.MalformedInputException e) {
      throw new NnetException(file + " is not UTF-8 text", "is it really a .nnet file?");
    } catch (IOException e) {
      throw new NnetException("cannot read " + file + " (" + e.getMessage() + ")", null);
    }
  }

  NnetCompiler compiler() {
    NnetCompiler c = NnetCompiler.defaults().kernels(kernels);
    if (precision != null) {
      try {
        c = c.precision(precision);
      } catch (IllegalArgumentException e) {
        throw new NnetException(e.getMessage(), "e.g.  --precision mixed(bf16)");
      }
    }
    return fileRoot == null ? c : c.fileRoot(fileRoot);
  }

  NnetCompiler.Compiled compile(PrintWriter err) {
    NnetCompiler.Compiled c = compiler().compile(source());
    for (Diagnostic w : c.model().warnings()) err.print(w.format());
    return c;
  }

  /** {@link #compile}, with the file's data read on another thread meanwhile: for the commands that load it. */
  NnetCompiler.Compiled compileReadingData(PrintWriter err) {
    SourceFile src = source();
    NnetCompiler compiler = compiler();
    dev.nnet.runtime.DataLoader.prefetch(compiler.check(src).plan().data(), src.directory(), compiler.fileAccessFor(src));
    NnetCompiler.Compiled c = compiler.compile(src);
    for (Diagnostic w : c.model().warnings()) err.print(w.format());
    return c;
  }

  /** The default checkpoint for a file: its base name with .ckpt, in the working directory. */
  Path defaultCheckpoint(SourceFile src) {
    return Path.of(src.baseName() + ".ckpt");
  }
}
