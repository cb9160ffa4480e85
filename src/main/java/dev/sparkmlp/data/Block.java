package dev.sparkmlp.data;

import java.io.Serializable;

/**
 * A block of rows: features as one contiguous row-major {@code float[rows * features]}, targets as
 * one contiguous {@code float[rows * targetWidth]}, and for classification the integer class of each
 * row.
 *
 * <ul>
 *   <li>Classification with K classes: {@code targetWidth = K}, {@code y} is one-hot and
 *       {@code labels[r]} is the class in [0, K). Binary classification with one sigmoid output
 *       uses K = 1: {@code y[r]} is 0 or 1 and so is {@code labels[r]}.
 *   <li>Regression: {@code y} holds the targets and {@code labels} is null.
 * </ul>
 *
 * Fields are public and final for the hot path; the arrays are shared, never copied, and must not be
 * modified after construction.
 */
public final class Block implements Serializable {
  private static final long serialVersionUID = 1L;

  public final int rows;
  public final int features;
  public final int targetWidth;
  /** Row r, feature j is {@code x[r * features + j]}. */
  public final float[] x;
  /** Row r, target t is {@code y[r * targetWidth + t]}. */
  public final float[] y;
  /** Class of each row, or null for regression. */
  public final int[] labels;

  public Block(int rows, int features, int targetWidth, float[] x, float[] y, int[] labels) {
    if (rows < 0 || features <= 0 || targetWidth <= 0) {
      throw new IllegalArgumentException(
          "bad block shape: rows=" + rows + " features=" + features + " targetWidth=" + targetWidth);
    }
    if (x.length != (long) rows * features) {
      throw new IllegalArgumentException("x has " + x.length + " floats, expected " + (long) rows * features);
    }
    if (y.length != (long) rows * targetWidth) {
      throw new IllegalArgumentException("y has " + y.length + " floats, expected " + (long) rows * targetWidth);
    }
    if (labels != null && labels.length != rows) {
      throw new IllegalArgumentException("labels has " + labels.length + " entries, expected " + rows);
    }
    this.rows = rows;
    this.features = features;
    this.targetWidth = targetWidth;
    this.x = x;
    this.y = y;
    this.labels = labels;
  }

  /** A classification block: builds the one-hot targets from labels in [0, classes). */
  public static Block classification(int rows, int features, float[] x, int[] labels, int classes) {
    int width = classes;
    float[] y = new float[rows * width];
    for (int r = 0; r < rows; r++) {
      int c = labels[r];
      if (c < 0 || c >= classes) {
        throw new IllegalArgumentException("row " + r + ": label " + c + " outside [0, " + classes + ")");
      }
      y[r * width + c] = 1f;
    }
    return new Block(rows, features, width, x, y, labels);
  }

  /** A binary block for one sigmoid output: targets are the labels 0 or 1 as floats. */
  public static Block binary(int rows, int features, float[] x, int[] labels) {
    float[] y = new float[rows];
    for (int r = 0; r < rows; r++) {
      if (labels[r] != 0 && labels[r] != 1) {
        throw new IllegalArgumentException("row " + r + ": label " + labels[r] + " is not 0 or 1");
      }
      y[r] = labels[r];
    }
    return new Block(rows, features, 1, x, y, labels);
  }

  /** A regression block. */
  public static Block regression(int rows, int features, float[] x, int targetWidth, float[] y) {
    return new Block(rows, features, targetWidth, x, y, null);
  }

  public boolean isClassification() {
    return labels != null;
  }

  /** Number of classes for classification (the one-hot width, or 2 for a single sigmoid output). */
  public int classes() {
    return targetWidth == 1 ? 2 : targetWidth;
  }

  /** A new block holding the given rows, in the given order (a copy). */
  public Block select(int[] rowIndex, int from, int to) {
    int n = to - from;
    float[] nx = new float[n * features];
    float[] ny = new float[n * targetWidth];
    int[] nl = labels == null ? null : new int[n];
    for (int i = 0; i < n; i++) {
      int r = rowIndex[from + i];
      System.arraycopy(x, r * features, nx, i * features, features);
      System.arraycopy(y, r * targetWidth, ny, i * targetWidth, targetWidth);
      if (nl != null) nl[i] = labels[r];
    }
    return new Block(n, features, targetWidth, nx, ny, nl);
  }

  /** Rows [from, to) as a new block (a copy). */
  public Block slice(int from, int to) {
    int n = to - from;
    float[] nx = new float[n * features];
    float[] ny = new float[n * targetWidth];
    System.arraycopy(x, from * features, nx, 0, n * features);
    System.arraycopy(y, from * targetWidth, ny, 0, n * targetWidth);
    int[] nl = labels == null ? null : java.util.Arrays.copyOfRange(labels, from, to);
    return new Block(n, features, targetWidth, nx, ny, nl);
  }
}
