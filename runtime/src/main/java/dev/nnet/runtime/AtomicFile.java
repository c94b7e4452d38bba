package dev.nnet.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes a file through a temporary one beside it, renamed into place only when complete: a full disk or
 * an interrupted write leaves the previous file as it was, never an empty or half-written one.
 */
public final class AtomicFile {
  private AtomicFile() {}

  /** What writes the content into the temporary file. */
  @FunctionalInterface
  public interface Content {
    void writeTo(Path temporary) throws IOException;
  }

  /**
   * Writes {@code target} with {@code content}; {@code what} names it in the error ("generated source",
   * "plot"). Failures become an {@link NnetException} saying that nothing was changed.
   */
  public static void write(Path target, String what, Content content) {
    Path tmp = null;
    try {
      Path dir = target.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      tmp = Files.createTempFile(dir, target.getFileName().toString(), ".tmp");
      content.writeTo(tmp);
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException | UncheckedIOException e) {
      throw new NnetException("cannot write " + what + " " + target + " (" + e.getMessage() + ")",
          "check that the folder is writable and the disk has space; " + (Files.exists(target) ? "the previous file is unchanged" : "nothing was written"), e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // nothing more can be done; the target is intact either way
        }
      }
    }
  }

  /** {@link #write} for text, as UTF-8. */
  public static void writeString(Path target, String what, String text) {
    write(target, what, tmp -> Files.writeString(tmp, text));
  }
}
