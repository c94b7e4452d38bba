package dev.nnet.compile;

import dev.nnet.runtime.Precision;
import java.util.Optional;

/**
 * Whether this JVM can run Vector API kernels, and how wide its preferred vectors are. The module
 * {@code jdk.incubator.vector} is present only when the JVM was started with
 * {@code --add-modules jdk.incubator.vector} (the ./nnet launcher does that); otherwise the generator
 * emits the plain-Java path. Read by reflection so nnet itself runs without the module.
 */
public final class VectorSupport {
  private VectorSupport() {}

  public static boolean available() {
    return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
  }

  /** Lanes of the preferred species for {@code precision}, or empty without the module (or a vector unit worth using). */
  public static Optional<Integer> lanes(Precision precision) {
    if (!available()) return Optional.empty();
    try {
      String cls = precision == Precision.FLOAT32 ? "jdk.incubator.vector.FloatVector" : "jdk.incubator.vector.DoubleVector";
      Object species = Class.forName(cls).getField("SPECIES_PREFERRED").get(null);
      int lanes = (Integer) Class.forName("jdk.incubator.vector.VectorSpecies").getMethod("length").invoke(species);
      return lanes >= 2 ? Optional.of(lanes) : Optional.empty();
    } catch (ReflectiveOperationException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
