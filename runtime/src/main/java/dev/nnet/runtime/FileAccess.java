package dev.nnet.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Which files a .nnet file may name (its data today; later checkpoints and reports): applications compile
 * text from strangers, and a path in it must not become a way to read or write anywhere.
 * <ul>
 *   <li>{@link #none()}: nothing. The default for text compiled from memory ({@code Nnet.compile(String)}).
 *   <li>{@link #under(Path)}: only files under a root, after resolving {@code ..} and symbolic links
 *       ({@code toRealPath}); relative paths resolve against the .nnet file's folder, or the root.
 *   <li>{@link #ownFolder()}: the user's own file: relative paths stay under its folder (no {@code ..}
 *       escape, no link out), and absolute paths the user wrote are allowed. The default for a .nnet file
 *       compiled from a path and for the command line.
 * </ul>
 * A path is checked when the file is compiled (a positioned error) and again when it is opened (a link may
 * have changed since). Paths with control characters, {@code \} separators or a URL scheme are refused.
 */
public final class FileAccess {
  private enum Kind { NONE, ROOT, OWN_FOLDER }

  private final Kind kind;
  private final Path root; // for ROOT: absolute, real

  private FileAccess(Kind kind, Path root) {
    this.kind = kind;
    this.root = root;
  }

  public static FileAccess none() {
    return new FileAccess(Kind.NONE, null);
  }

  public static FileAccess ownFolder() {
    return new FileAccess(Kind.OWN_FOLDER, null);
  }

  /** Only files under {@code root} (which must exist). */
  public static FileAccess under(Path root) {
    try {
      return new FileAccess(Kind.ROOT, root.toAbsolutePath().toRealPath());
    } catch (IOException e) {
      throw new NnetException("the file root " + root + " does not exist", "give an existing folder");
    }
  }

  /** Whether error messages may quote what files hold beyond the offending value (column lists, class names). */
  public boolean restricted() {
    return kind != Kind.OWN_FOLDER;
  }

  @Override
  public String toString() {
    return switch (kind) {
      case NONE -> "no file access";
      case ROOT -> "files under " + root;
      case OWN_FOLDER -> "the .nnet file's folder and absolute paths";
    };
  }

  /**
   * The problem with reading {@code written} (as the .nnet file wrote it, relative to {@code base}, the file's
   * folder or null), or null when it may be read. Does not echo anything the path points to.
   */
  public String problem(String written, Path base) {
    if (written.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) return "the path holds control characters";
    if (written.contains("\\")) return "the path holds '\\': write '/' between folders";
    if (written.matches("^[A-Za-z][A-Za-z0-9+.-]*:.*")) return "the path looks like a URL or a drive letter; only plain paths are read";
    if (kind == Kind.NONE) return "this compiler was given no file access (" + this + ")";
    Path p;
    try {
      p = Path.of(written);
    } catch (InvalidPathException e) {
      return "the path is not valid here";
    }
    if (kind == Kind.OWN_FOLDER && p.isAbsolute()) return null;
    Path folder = kind == Kind.ROOT ? (base != null ? base : root) : base;
    if (folder == null) return "a relative path needs the .nnet file's folder, and this text came from memory";
    Path resolved = folder.toAbsolutePath().resolve(p).normalize();
    Path limit = kind == Kind.ROOT ? root : realOrSelf(folder.toAbsolutePath().normalize());
    Path real = realOrSelf(resolved);
    if (!real.startsWith(limit)) {
      return kind == Kind.ROOT ? "it leads outside the file root " + root
          : "it leads outside the .nnet file's folder (write an absolute path to read elsewhere)";
    }
    return null;
  }

  /** Checks a path just before it is opened: a symbolic link may have changed since compilation. */
  public void checkOpen(Path base, String written) {
    String problem = problem(written, base);
    if (problem != null) throw new DataException("data file '" + written + "' may not be read: " + problem, hint());
  }

  /** The hint for a refused path. */
  public String hint() {
    return switch (kind) {
      case NONE -> "the application compiled this text without file access; give it data from Java, or a file root";
      case ROOT -> "keep data files under " + root;
      case OWN_FOLDER -> "keep data beside the .nnet file, or write its absolute path";
    };
  }

  /** The real path of the longest existing prefix of {@code p}, with the rest appended: links resolved as far as they exist. */
  private static Path realOrSelf(Path p) {
    Path existing = p;
    Path rest = null;
    while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
      rest = rest == null ? existing.getFileName() : existing.getFileName().resolve(rest);
      existing = existing.getParent();
    }
    if (existing == null) return p;
    try {
      Path real = existing.toRealPath();
      return rest == null ? real : real.resolve(rest).normalize();
    } catch (IOException e) {
      return p;
    }
  }
}
