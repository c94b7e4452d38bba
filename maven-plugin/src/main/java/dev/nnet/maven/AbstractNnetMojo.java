package dev.nnet.maven;

import dev.nnet.NnetCompiler;
import dev.nnet.syntax.Diagnostic;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import javax.inject.Inject;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;
import org.codehaus.plexus.build.BuildContext;

/** What both goals share: options, incremental generation, and errors reported where IDEs show them. */
abstract class AbstractNnetMojo extends AbstractMojo {

  @Parameter(defaultValue = "${project}", readonly = true, required = true)
  protected MavenProject project;

  /** Skip generation. */
  @Parameter(property = "nnet.skip", defaultValue = "false")
  protected boolean skip;

  /** Generate every file again, even unchanged ones. */
  @Parameter(property = "nnet.force", defaultValue = "false")
  protected boolean force;

  /** {@code plain} (default: runs on any JVM), {@code vector} (needs --add-modules jdk.incubator.vector where it runs and here), or {@code auto}. */
  @Parameter(property = "nnet.kernels", defaultValue = "plain")
  protected String kernels;

  /** Also generate a dependency-free {@code <Model>Predictor} class (forward pass only, evaluation mode). */
  @Parameter(property = "nnet.inference", defaultValue = "false")
  protected boolean inference;

  @Parameter(defaultValue = "${plugin.version}", readonly = true)
  protected String pluginVersion;

  @Inject
  protected BuildContext buildContext;

  protected abstract File sourceDirectory();

  protected abstract File outputDirectory();

  protected abstract String statusName();

  protected abstract void addSourceRoot(String path);

  @Override
  public void execute() throws MojoExecutionException, MojoFailureException {
    if (skip) {
      getLog().info("nnet: skipped (nnet.skip)");
      return;
    }
    addSourceRoot(outputDirectory().getPath()); // always, so a build with nothing new still compiles what is there
    if (!sourceDirectory().isDirectory()) {
      getLog().debug("nnet: no " + sourceDirectory());
      return;
    }
    NnetCompiler.Kernels k;
    try {
      k = NnetCompiler.Kernels.valueOf(kernels.toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new MojoFailureException("nnet: kernels must be plain, vector or auto, not '" + kernels + "'");
    }
    Path status = Path.of(project.getBuild().getDirectory(), "maven-status", "nnet", statusName() + ".properties");
    SourceGeneration.Result r;
    try {
      r = SourceGeneration.run(sourceDirectory().toPath(), outputDirectory().toPath(), status,
          new SourceGeneration.Options(k, inference, force, pluginVersion + "@" + SourceGeneration.generatorFingerprint(),
              project.getBasedir() == null ? null : project.getBasedir().toPath())); // a .nnet file may name data inside the project only
    } catch (IOException e) {
      throw new MojoExecutionException("nnet: " + e.getMessage(), e);
    }
    for (Path p : r.generated()) buildContext.removeMessages(p.toFile());
    for (Diagnostic w : r.warnings()) report(w, BuildContext.SEVERITY_WARNING);
    for (Diagnostic e : r.errors()) report(e, BuildContext.SEVERITY_ERROR);
    getLog().info(String.format("nnet: %d generated, %d up to date, %d removed outputs deleted", r.generated().size(), r.upToDate().size(), r.deleted().size()));
    buildContext.refresh(outputDirectory());
    if (!r.errors().isEmpty()) {
      throw new MojoFailureException("nnet: " + r.errors().size() + (r.errors().size() == 1 ? " error" : " errors") + " in .nnet files; the first: "
          + r.errors().get(0).format().lines().findFirst().orElse(""));
    }
  }

  private void report(Diagnostic d, int severity) {
    File file = new File((d.span().file() != null ? d.span().file() : d.source()).name()); // an imported file's error is that file's
    buildContext.addMessage(file, d.span().line(), d.span().column(), d.message() + (d.hint() == null ? "" : " (" + d.hint() + ")"), severity, null);
    String text = d.format().stripTrailing();
    if (severity == BuildContext.SEVERITY_ERROR) getLog().error(text);
    else getLog().warn(text);
  }
}
