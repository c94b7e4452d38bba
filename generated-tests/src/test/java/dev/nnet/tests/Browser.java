package dev.nnet.tests;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;

/**
 * Debian's Chromium, headless, as a person's browser: opens a local page, reports what it wrote to its
 * console, the DOM after loading, and a screenshot. Started with the flags that keep it off the network.
 */
final class Browser {
  private Browser() {}

  /** What Chromium saw of a page. */
  record Page(List<String> console, String dom, BufferedImage screenshot) {}

  static Path executable() {
    for (String p : new String[] {System.getenv("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
      if (p != null && Files.isExecutable(Path.of(p))) return Path.of(p);
    }
    return null;
  }

  static Page open(Path html, Path screenshot, int width, int height) throws IOException, InterruptedException {
    Path profile = Files.createTempDirectory("chromium-profile");
    List<String> common = List.of(executable().toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
        "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0", "--window-size=" + width + "," + height);
    List<String> shot = new ArrayList<>(common);
    shot.add("--screenshot=" + screenshot.toAbsolutePath());
    shot.add(html.toUri().toString());
    String log = run(shot, profile.resolve("shot.log"));
    List<String> console = new ArrayList<>();
    for (String line : log.split("\n")) if (line.contains(":CONSOLE")) console.add(line);
    List<String> dump = new ArrayList<>(common);
    dump.add("--dump-dom");
    dump.add(html.toUri().toString());
    Path domFile = profile.resolve("dom.html");
    ProcessBuilder pb = new ProcessBuilder(dump).redirectOutput(domFile.toFile()).redirectError(profile.resolve("dom.log").toFile());
    Process p = pb.start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("chromium --dump-dom did not finish in 2 minutes");
    }
    return new Page(console, Files.readString(domFile, StandardCharsets.UTF_8), ImageIO.read(screenshot.toFile()));
  }

  private static String run(List<String> command, Path log) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("chromium did not finish in 2 minutes");
    }
    return Files.readString(log, StandardCharsets.UTF_8);
  }
}
