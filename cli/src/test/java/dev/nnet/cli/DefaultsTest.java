package dev.nnet.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.nnet.compile.JaninoCompiler;
import dev.nnet.runtime.IdxReader;
import dev.nnet.runtime.TileWarmup;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The system properties the command line sets before a command runs, unless the user gave them. */
class DefaultsTest {
  private static final List<String> PROPERTIES = List.of(JaninoCompiler.CACHE_PROPERTY, IdxReader.CACHE_PROPERTY, TileWarmup.PROPERTY);

  @AfterEach
  void clear() {
    PROPERTIES.forEach(System::clearProperty);
  }

  @Test
  void theCachesAreKeptUnderTheCacheFolder() {
    Main.setDefaults(Path.of("/c/nnet"), new String[] {"check", "x.nnet"});
    assertEquals(Path.of("/c/nnet/classes").toString(), System.getProperty(JaninoCompiler.CACHE_PROPERTY));
    assertEquals(Path.of("/c/nnet/data").toString(), System.getProperty(IdxReader.CACHE_PROPERTY));
  }

  @Test
  void onlyTheCommandsThatTrainWarmTheTilesUp() {
    for (String command : List.of("train", "bench", "search")) {
      Main.setDefaults(Path.of("/c"), new String[] {command, "x.nnet"});
      assertEquals("true", System.getProperty(TileWarmup.PROPERTY), command);
      clear();
    }
    for (String[] args : List.of(new String[] {"eval", "x.nnet"}, new String[] {"predict", "x.nnet"}, new String[] {})) {
      Main.setDefaults(Path.of("/c"), args);
      assertNull(System.getProperty(TileWarmup.PROPERTY), String.join(" ", args));
    }
  }

  @Test
  void whatTheUserGaveStays() {
    System.setProperty(TileWarmup.PROPERTY, "false");
    System.setProperty(IdxReader.CACHE_PROPERTY, "");
    Main.setDefaults(Path.of("/c"), new String[] {"train", "x.nnet"});
    assertEquals("false", System.getProperty(TileWarmup.PROPERTY));
    assertEquals("", System.getProperty(IdxReader.CACHE_PROPERTY));
  }
}
