package dev.nnet.maven;

import java.io.File;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/** Generates Java trainers from {@code src/test/nnet} into {@code target/generated-test-sources/nnet}, for tests. */
@Mojo(name = "test-generate", defaultPhase = LifecyclePhase.GENERATE_TEST_SOURCES, threadSafe = true)
public class TestGenerateMojo extends AbstractNnetMojo {

  @Parameter(defaultValue = "${project.basedir}/src/test/nnet", property = "nnet.testSourceDirectory")
  private File sourceDirectory;

  @Parameter(defaultValue = "${project.build.directory}/generated-test-sources/nnet", property = "nnet.testOutputDirectory")
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
    return "test-generate";
  }

  @Override
  protected void addSourceRoot(String path) {
    project.addTestCompileSourceRoot(path);
  }
}
