package dev.nnet.spark;

import dev.nnet.runtime.NnetException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkEnv;
import scala.Tuple2;

/**
 * An executor's local copy of a search's training files, taken from a Hadoop FileSystem folder (HDFS, S3, a
 * local or mounted folder as {@code file:/…}) once per executor JVM, into a temporary folder that lasts as long
 * as the JVM: every trial the executor runs reads from there.
 */
final class StoreCopy {
  private StoreCopy() {}

  private static final Map<String, Path> COPIES = new ConcurrentHashMap<>();

  /** The local folder holding {@code names} (paths relative to {@code folder}), copied on first use. */
  static Path local(String folder, List<String> names) {
    return COPIES.computeIfAbsent(folder + "\n" + String.join("\n", names), k -> copy(folder, names));
  }

  private static Path copy(String folder, List<String> names) {
    Path dir;
    try {
      dir = Files.createTempDirectory("nnet-data-");
    } catch (IOException e) {
      throw new NnetException("cannot make a folder for the training data (" + e.getMessage() + ")", "check the executor's temporary folder");
    }
    Configuration conf = hadoopConfiguration();
    for (String name : names) {
      Path dst = dir.resolve(name).normalize();
      if (!dst.startsWith(dir)) throw new NnetException("the training file " + name + " leaves its folder", "name files inside the data folder");
      org.apache.hadoop.fs.Path src = new org.apache.hadoop.fs.Path(folder.endsWith("/") ? folder + name : folder + "/" + name);
      try {
        Files.createDirectories(dst.getParent());
        Path part = dst.resolveSibling(dst.getFileName() + ".part");
        try (InputStream in = src.getFileSystem(conf).open(src); OutputStream out = Files.newOutputStream(part)) {
          in.transferTo(out);
        }
        Files.move(part, dst, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        throw new NnetException("cannot copy the training file " + src + " (" + e + ")",
            "check that every executor can read the folder given to --data-from");
      }
      dst.toFile().deleteOnExit();
    }
    dir.toFile().deleteOnExit();
    return dir;
  }

  /** Hadoop's configuration (core-site.xml and the like from the classpath) with Spark's spark.hadoop.* settings on top, as Spark's own readers use. */
  private static Configuration hadoopConfiguration() {
    Configuration conf = new Configuration();
    SparkEnv env = SparkEnv.get();
    if (env != null) {
      for (Tuple2<String, String> kv : env.conf().getAll()) {
        if (kv._1().startsWith("spark.hadoop.")) conf.set(kv._1().substring("spark.hadoop.".length()), kv._2());
      }
    }
    return conf;
  }
}
