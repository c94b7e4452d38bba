package dev.nnet.maven;

import java.io.File;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/** Generates Java trainers from {@code src/main/nnet/**}{@code /*.nnet} into {@code target/generated-sources/nnet}. */
@Mojo(name = "generate", defaultPhase = LifecyclePhase.GENERATE_SOURCES, threadSafe = true)
public class GenerateMojo extends AbstractNnetMojo {

  /** Where the .nnet files are; sub-folders give the Java package. */
  @Parameter(defaultValue = "${project.basedir}/src/main/nnet", property = "nnet.sourceDirectory")
  private File sourceDirectory;

  @Parameter(defaultValue = "${project.build.directory}/generated-sources/nnet", property = "nnet.outputDirectory")
  private File outputDirectory;

  @Override
  protected File sourceDirectory() {
    return sourceDirectory;
  }

  @Override
  protected File outputDirectory() {
    return outputDirectory;
  }

  @Override
  protected String statusName() {
    return "generate";
  }

  @Override
  protected void addSourceRoot(String path) {
    project.addCompileSourceRoot(path);
  }
}
