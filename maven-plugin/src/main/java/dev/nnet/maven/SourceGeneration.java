package dev.nnet.maven;

import dev.nnet.NnetCompiler;
import dev.nnet.emit.PredictorEmitter;
import dev.nnet.syntax.CompileException;
import dev.nnet.syntax.Diagnostic;
import dev.nnet.syntax.SourceFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The work of the plugin, free of Maven: every .nnet file under a source folder becomes Java source under
 * an output folder, in the package of its sub-folder. It is incremental: a file is generated again only
 * when its text, the text of a file it imports, the options or the plugin version changed (content hashes
 * kept in a status file), and the outputs of removed files are deleted. A file another one imports is a
 * library of blocks, data and let values, and is not generated on its own.
 */
public final class SourceGeneration {

  /**
   * @param kernels   which kernels to emit (plain by default: no JVM flag needed where the code runs)
   * @param inference also emit a dependency-free {@code <Model>Predictor} for each file
   * @param version   the plugin's version: a new version regenerates everything
   * @param fileRoot  the folder the files' data paths must stay under (the project's base directory); null for none
   */
  public record Options(NnetCompiler.Kernels kernels, boolean inference, boolean force, String version, Path fileRoot) {
    public Options(NnetCompiler.Kernels kernels, boolean inference, boolean force, String version) {
      this(kernels, inference, force, version, null);
    }

    String fingerprint() {
      return kernels + "|" + inference + "|" + version;
    }
  }

  /** What a run did: files generated, files up to date, outputs deleted, and every error (positioned). */
  public record Result(List<Path> generated, List<Path> upToDate, List<Path> deleted, List<Diagnostic> errors, List<Diagnostic> warnings) {}

  private SourceGeneration() {}

  public static Result run(Path sources, Path output, Path statusFile, Options options) throws IOException {
    Properties previous = load(statusFile);
    Properties next = new Properties();
    List<Path> generated = new ArrayList<>(), upToDate = new ArrayList<>(), deleted = new ArrayList<>();
    List<Diagnostic> errors = new ArrayList<>(), warnings = new ArrayList<>();
    Files.createDirectories(output); // JavaPoet creates package folders, not the root itself
    Map<String, Path> files = new TreeMap<>();
    if (Files.isDirectory(sources)) {
      try (Stream<Path> s = Files.walk(sources)) {
        s.filter(p -> p.toString().endsWith(".nnet") && Files.isRegularFile(p)).forEach(p -> files.put(sources.relativize(p).toString().replace('\\', '/'), p));
      }
    }
    // what each file imports: a change there regenerates it, and a file another imports is a library (its
    // blocks, data and let values), not a network of its own
    Map<String, List<Path>> imports = new TreeMap<>();
    java.util.Set<Path> libraries = new java.util.HashSet<>();
    for (Map.Entry<String, Path> f : files.entrySet()) {
      Path p = f.getValue();
      List<Path> closure = dev.nnet.analysis.Expansion.importedFiles(
          new SourceFile(p.toString(), Files.readString(p, StandardCharsets.UTF_8), p.toAbsolutePath().getParent()));
      imports.put(f.getKey(), closure);
      libraries.addAll(closure);
    }
    for (Map.Entry<String, Path> f : files.entrySet()) {
      String key = f.getKey();
      if (libraries.contains(f.getValue().toAbsolutePath().normalize())) continue; // its outputs, if any from before, are deleted below
      String text = Files.readString(f.getValue(), StandardCharsets.UTF_8);
      StringBuilder imported = new StringBuilder();
      for (Path i : imports.get(key)) {
        imported.append('\n').append(i).append('\n').append(Files.isRegularFile(i) ? Files.readString(i, StandardCharsets.UTF_8) : "");
      }
      String hash = sha256(text + imported + "\n" + options.fingerprint());
      String[] before = previous.getProperty(key, "").split("\\|", -1);
      List<String> outputs = before.length > 1 ? List.of(before).subList(1, before.length) : List.of();
      if (!options.force() && before[0].equals(hash) && outputs.stream().allMatch(o -> Files.exists(output.resolve(o)))) {
        next.setProperty(key, previous.getProperty(key));
        upToDate.add(f.getValue());
        continue;
      }
      String pkg = packageOf(key, f.getValue(), errors);
      if (pkg == null) continue;
      try {
        SourceFile src = new SourceFile(f.getValue().toString(), text, f.getValue().toAbsolutePath().getParent());
        NnetCompiler compiler = NnetCompiler.defaults().kernels(options.kernels()).packageName(pkg);
        if (options.fileRoot() != null) compiler = compiler.fileRoot(options.fileRoot());
        NnetCompiler.Generated g = compiler.generate(src);
        warnings.addAll(g.model().warnings());
        List<String> written = new ArrayList<>();
        written.add(relative(output, g.file().writeToPath(output)));
        if (options.inference()) written.add(relative(output, PredictorEmitter.emit(g.model(), g.layout(), pkg).writeToPath(output)));
        for (String old : outputs) if (!written.contains(old) && Files.deleteIfExists(output.resolve(old))) deleted.add(output.resolve(old));
        next.setProperty(key, hash + "|" + String.join("|", written));
        generated.add(f.getValue());
      } catch (CompileException e) {
        // keep the outputs of its last good version on record (with no hash: it is generated again once it
        // compiles), so that deleting the file after a failed build still removes them
        if (!outputs.isEmpty()) next.setProperty(key, "|" + String.join("|", outputs));
        errors.addAll(e.diagnostics().stream().filter(Diagnostic::isError).toList());
        warnings.addAll(e.diagnostics().stream().filter(d -> !d.isError()).toList());
      }
    }
    // outputs of .nnet files that are gone
    for (String key : previous.stringPropertyNames()) {
      if (files.containsKey(key) && next.containsKey(key)) continue;
      String[] parts = previous.getProperty(key).split("\\|");
      for (int i = 1; i < parts.length; i++) if (Files.deleteIfExists(output.resolve(parts[i]))) deleted.add(output.resolve(parts[i]));
    }
    save(statusFile, next);
    return new Result(generated, upToDate, deleted, errors, warnings);
  }

  /**
   * Identifies the generator's own code: the jar's size and time, or the newest class file of a classes
   * folder. A snapshot plugin whose version string stays the same still regenerates when its code changes.
   */
  public static String generatorFingerprint() {
    try {
      Path code = Path.of(NnetCompiler.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (Files.isRegularFile(code)) return Files.size(code) + "-" + Files.getLastModifiedTime(code).toMillis();
      try (Stream<Path> s = Files.walk(code)) {
        return Long.toString(s.filter(Files::isRegularFile).mapToLong(p -> {
          try {
            return Files.getLastModifiedTime(p).toMillis();
          } catch (IOException e) {
            return 0;
          }
        }).max().orElse(0));
      }
    } catch (Exception e) { // no code source: the version alone decides
      return "unknown";
    }
  }

  /** The Java package of a file: its folder below the source root, each part a Java identifier. */
  private static String packageOf(String key, Path file, List<Diagnostic> errors) {
    int slash = key.lastIndexOf('/');
    String pkg = slash < 0 ? "" : key.substring(0, slash).replace('/', '.');
    if (!pkg.isEmpty() && !pkg.matches("([A-Za-z_][A-Za-z0-9_]*)(\\.[A-Za-z_][A-Za-z0-9_]*)*")) {
      errors.add(Diagnostic.error(SourceFile.of(file.toString(), ""), dev.nnet.syntax.Span.NONE,
          "the folder " + key.substring(0, slash) + " is not a Java package name", "folders under src/main/nnet become packages: use letters, digits and _"));
      return null;
    }
    return pkg;
  }

  private static String relative(Path root, Path file) {
    return root.relativize(file).toString().replace('\\', '/');
  }

  private static Properties load(Path file) throws IOException {
    Properties p = new Properties();
    if (Files.exists(file)) {
      try (InputStream in = Files.newInputStream(file)) {
        p.load(in);
      }
    }
    return p;
  }

  private static void save(Path file, Properties p) throws IOException {
    Files.createDirectories(file.getParent());
    Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
    try (OutputStream out = Files.newOutputStream(tmp)) {
      p.store(out, "nnet: content hashes of generated .nnet files and their outputs");
    }
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
