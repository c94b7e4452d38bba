package dev.nnet.runtime;

import java.util.List;

/**
 * Random changes to training samples, applied in the file's order to each sample of each training batch
 * (never to validation, test or prediction), after scaling and before preprocessing. Seeded; allocates
 * nothing per sample. Images are [H, W] or [C, H, W], row-major.
 * <ul>
 *   <li>{@code noise(std)}: adds N(0, std²) to every feature
 *   <li>{@code mirror}: flips left-right with probability 1/2
 *   <li>{@code crop(pad)}: pads with pad zeros on every side and crops back at a random offset (a shift of up to ±pad)
 *   <li>{@code rotate(degrees)}: rotates by a uniform angle in [−degrees, degrees] about the centre (bilinear, zeros outside)
 *   <li>{@code zoom(amount)}: scales by a uniform factor in [1 − amount, 1 + amount] about the centre (bilinear)
 * </ul>
 */
public final class Augmenter {
  private final List<TrainingPlan.Augment> steps;
  private final int channels, height, width;
  private final float[] tmp;

  public Augmenter(List<TrainingPlan.Augment> steps, int[] inputShape) {
    this.steps = steps;
    int n = inputShape.length;
    this.height = n >= 2 ? inputShape[n - 2] : 1;
    this.width = n >= 2 ? inputShape[n - 1] : (n == 1 ? inputShape[0] : 1);
    this.channels = n >= 3 ? inputShape[0] : 1;
    this.tmp = new float[channels * height * width];
  }

  public boolean active() {
    return !steps.isEmpty();
  }

  /** Changes {@code x[off .. off + C·H·W)} in place. */
  public void apply(float[] x, int off, Rng rng) {
    for (TrainingPlan.Augment a : steps) {
      switch (a.kind()) {
        case "noise" -> {
          for (int i = 0; i < tmp.length; i++) x[off + i] += (float) (a.amount() * rng.nextGaussian());
        }
        case "mirror" -> {
          if (rng.nextFloat() < 0.5f) mirror(x, off);
        }
        case "crop" -> {
          int pad = (int) a.amount();
          shift(x, off, rng.nextInt(2 * pad + 1) - pad, rng.nextInt(2 * pad + 1) - pad);
        }
        case "rotate" -> affine(x, off, Math.toRadians((2 * rng.nextDouble() - 1) * a.amount()), 1);
        case "zoom" -> affine(x, off, 0, 1 + (2 * rng.nextDouble() - 1) * a.amount());
        default -> throw new IllegalArgumentException(a.kind());
      }
    }
  }

  /** Flips every row left-right. */
  public void mirror(float[] x, int off) {
    for (int c = 0; c < channels; c++) {
      for (int r = 0; r < height; r++) {
        int row = off + (c * height + r) * width;
        for (int i = 0, j = width - 1; i < j; i++, j--) {
          float t = x[row + i];
          x[row + i] = x[row + j];
          x[row + j] = t;
        }
      }
    }
  }

  /** Moves the image by (dx, dy) pixels, filling with zeros: a crop of the zero-padded image. */
  public void shift(float[] x, int off, int dx, int dy) {
    for (int c = 0; c < channels; c++) {
      for (int r = 0; r < height; r++) {
        int sr = r - dy;
        for (int col = 0; col < width; col++) {
          int sc = col - dx;
          tmp[(c * height + r) * width + col] = sr < 0 || sr >= height || sc < 0 || sc >= width ? 0 : x[off + (c * height + sr) * width + sc];
        }
      }
    }
    System.arraycopy(tmp, 0, x, off, tmp.length);
  }

  /** Rotation by {@code angle} and scaling by {@code scale} about the centre, sampled bilinearly. */
  private void affine(float[] x, int off, double angle, double scale) {
    double cos = Math.cos(angle) / scale, sin = Math.sin(angle) / scale;
    double cy = (height - 1) / 2.0, cx = (width - 1) / 2.0;
    for (int c = 0; c < channels; c++) {
      int base = off + c * height * width;
      for (int r = 0; r < height; r++) {
        for (int col = 0; col < width; col++) {
          // the source point that lands here
          double y = cos * (r - cy) - sin * (col - cx) + cy, xx = sin * (r - cy) + cos * (col - cx) + cx;
          int y0 = (int) Math.floor(y), x0 = (int) Math.floor(xx);
          double fy = y - y0, fx = xx - x0;
          double v = pixel(x, base, y0, x0) * (1 - fy) * (1 - fx) + pixel(x, base, y0, x0 + 1) * (1 - fy) * fx
              + pixel(x, base, y0 + 1, x0) * fy * (1 - fx) + pixel(x, base, y0 + 1, x0 + 1) * fy * fx;
          tmp[(c * height + r) * width + col] = (float) v;
        }
      }
    }
    System.arraycopy(tmp, 0, x, off, tmp.length);
  }

  private float pixel(float[] x, int base, int r, int c) {
    return r < 0 || r >= height || c < 0 || c >= width ? 0 : x[base + r * width + c];
  }
}
