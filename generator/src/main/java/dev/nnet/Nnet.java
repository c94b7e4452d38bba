package dev.nnet;

import dev.nnet.runtime.Trainer;
import dev.nnet.syntax.SourceFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The Java API in two calls: compile a .nnet file (or text) into a ready trainer, and load a checkpoint into it.
 *
 * <pre>{@code
 * Trainer trainer = Nnet.compile(Path.of("samples/iris.nnet"));
 * trainer.fit();                                   // trains on the file's data, prints nothing
 * trainer.save(Path.of("iris.ckpt"));
 *
 * Trainer restored = Nnet.load(Path.of("samples/iris.nnet"), Path.of("iris.ckpt"));
 * float[] p = restored.predict(new float[] {5.1f, 3.5f, 1.4f, 0.2f});
 * }</pre>
 *
 * Errors in the file throw {@link dev.nnet.syntax.CompileException}, whose message is the positioned
 * diagnostics (and whose {@code diagnostics()} lists them).
 */
public final class Nnet {
  private Nnet() {}

  /** Compiles a .nnet file; relative data paths resolve against its folder. */
  public static Trainer compile(Path file) {
    return NnetCompiler.defaults().compile(read(file)).newTrainer();
  }

  /**
   * Compiles .nnet text held in memory, e.g. supplied by a user. It may name no file at all: train it on data
   * from Java ({@code trainer.fit(train, validation, test)}), or let it read files under a root with
   * {@link #compile(String, Path)}.
   */
  public static Trainer compile(String text) {
    return NnetCompiler.defaults().noFileAccess().compile(SourceFile.of("<text>", text)).newTrainer();
  }

  /**
   * Compiles .nnet text held in memory whose data paths may name files under {@code fileRoot} only (after
   * resolving {@code ..} and symbolic links); relative paths resolve against it.
   */
  public static Trainer compile(String text, Path fileRoot) {
    return NnetCompiler.defaults().fileRoot(fileRoot).compile(new SourceFile("<text>", text, fileRoot)).newTrainer();
  }

  /** Compiles a .nnet file and loads a checkpoint into the trainer. */
  public static Trainer load(Path file, Path checkpoint) {
    return compile(file).load(checkpoint);
  }

  static SourceFile read(Path file) {
    try {
      return SourceFile.read(file);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new dev.nnet.runtime.NnetException("no such file: " + file, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
