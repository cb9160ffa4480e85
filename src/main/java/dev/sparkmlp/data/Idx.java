package dev.sparkmlp.data;

import java.io.IOException;
import java.io.InputStream;
import java.util.function.IntPredicate;

/**
 * Reader for the IDX files of MNIST and Fashion-MNIST, raw or gzip-compressed (detected by
 * content).
 *
 * <pre>
 * images: int32 magic = 2051 (0x00000803), int32 count, int32 rows, int32 cols,
 *         then count * rows * cols unsigned bytes, each image row-major
 * labels: int32 magic = 2049 (0x00000801), int32 count, then count unsigned bytes
 * </pre>
 *
 * All integers are big-endian. A file must be exactly as long as its header says: a shorter one is
 * truncated, a longer one has trailing data, and both are errors. The streams are not closed.
 */
public final class Idx {
  public static final int IMAGES_MAGIC = 0x00000803;
  public static final int LABELS_MAGIC = 0x00000801;

  private Idx() {}

  /** Images as read: {@code pixels[i * rows * cols + r * cols + c]} is 0..255. */
  public record Images(int count, int rows, int cols, float[] pixels) {}

  /**
   * A classification block from an image file and its label file: features are the raw pixel values
   * 0..255 as floats (scaling is the {@link Scaler}'s job), targets one-hot of width
   * {@code classes}.
   */
  public static Block read(InputStream images, String imagesName, InputStream labels,
      String labelsName, int classes) throws IOException {
    if (classes < 2) {
      throw new IllegalArgumentException("classes must be at least 2, got " + classes);
    }
    Images im = readImages(images, imagesName);
    int[] lab = readLabels(labels, labelsName);
    checkCounts(im.count(), imagesName, lab.length, labelsName);
    checkLabels(lab, labelsName, classes);
    return Block.classification(im.count(), im.rows() * im.cols(), im.pixels(), lab, classes);
  }

  /** An image file's header. */
  public record ImageHeader(int count, int rows, int cols) implements java.io.Serializable {
    public int pixels() {
      return rows * cols;
    }
  }

  /**
   * An image file's 16-byte header, checked as {@link #readImages} checks it before the pixels;
   * the rest of the file is not read.
   */
  public static ImageHeader imageHeader(InputStream stream, String name) throws IOException {
    try (Input in = Input.open(stream, name)) {
      int[] h = header(in, name, IMAGES_MAGIC, 4);
      checkImageSize(name, h[2], h[3]);
      checkPixelCount(name, h[1], h[2], h[3]);
      return new ImageHeader(h[1], h[2], h[3]);
    }
  }

  /** A label file's 8-byte header, checked as {@link #readLabels} checks it: the label count. */
  public static int labelCount(InputStream stream, String name) throws IOException {
    try (Input in = Input.open(stream, name)) {
      return header(in, name, LABELS_MAGIC, 2)[1];
    }
  }

  /** An image file and its label file hold as many records. */
  public static void checkCounts(int images, String imagesName, int labels, String labelsName) {
    if (labels != images) {
      throw new DataException(imagesName, "header", images + " images, but " + labelsName
          + " has " + labels + " labels");
    }
  }

  /** Every label is below {@code classes}; the first that is not is named by its record. */
  public static void checkLabels(int[] labels, String labelsName, int classes) {
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] >= classes) {
        throw new DataException(labelsName, "record " + i,
            "label " + labels[i] + " is outside [0, " + classes + ")");
      }
    }
  }

  /**
   * The pixels (0..255, as floats) of the images {@code keep} accepts, in file order, row-major:
   * {@code kept} images of {@link ImageHeader#pixels} values. The whole file is read and checked
   * as {@link #readImages} checks it, with the same errors, so a reader of part of the rows sees
   * the same bad file as a reader of all of them.
   *
   * @param keep tests record numbers 0..count-1, each once, in order
   * @param kept how many records keep accepts; more or fewer is an IllegalArgumentException
   */
  public static float[] readImages(InputStream stream, String name, IntPredicate keep, int kept)
      throws IOException {
    try (Input in = Input.open(stream, name)) {
      int[] h = header(in, name, IMAGES_MAGIC, 4);
      int count = h[1];
      checkImageSize(name, h[2], h[3]);
      checkPixelCount(name, count, h[2], h[3]);
      int pixels = h[2] * h[3];
      long n = (long) count * pixels;
      if (kept < 0 || kept > count) {
        throw new IllegalArgumentException("cannot keep " + kept + " of " + count + " images");
      }
      String what = count + " images of " + h[2] + "x" + h[3];
      float[] out = new float[kept * pixels];
      // Whole records at a time, about 64 KiB of them.
      int per = Math.max(1, Input.BUFFER / pixels);
      byte[] buf = new byte[per * pixels];
      int o = 0;
      for (int first = 0; first < count; first += per) {
        int records = Math.min(per, count - first);
        int got = in.readFully(buf, 0, records * pixels);
        if (got < records * pixels) throw truncated(name, 16, what, 16 + n, in.position());
        for (int r = 0; r < records; r++) {
          if (!keep.test(first + r)) continue;
          if (o == out.length) {
            throw new IllegalArgumentException("more than " + kept + " images were kept");
          }
          for (int j = 0, b = r * pixels; j < pixels; j++) out[o + j] = buf[b + j] & 0xFF;
          o += pixels;
        }
      }
      if (o != out.length) {
        throw new IllegalArgumentException(o / pixels + " images were kept, not " + kept);
      }
      checkEnd(in, name, 16, what, 16 + n);
      return out;
    }
  }

  public static Images readImages(InputStream stream, String name) throws IOException {
    try (Input in = Input.open(stream, name)) {
      int[] h = header(in, name, IMAGES_MAGIC, 4);
      int count = h[1];
      int rows = h[2];
      int cols = h[3];
      checkImageSize(name, rows, cols);
      checkPixelCount(name, count, rows, cols);
      long n = (long) count * rows * cols;
      String what = count + " images of " + rows + "x" + cols;
      // readNBytes allocates as data arrives, so a corrupt header claiming billions of pixels
      // fails as truncated instead of exhausting the heap first.
      byte[] bytes = in.readNBytes((int) n);
      if (bytes.length < n) throw truncated(name, 16, what, 16 + n, in.position());
      float[] pixels = new float[(int) n];
      for (int i = 0; i < pixels.length; i++) pixels[i] = bytes[i] & 0xFF;
      checkEnd(in, name, 16, what, 16 + n);
      return new Images(count, rows, cols, pixels);
    }
  }

  /** The labels as stored, 0..255; {@link #read} checks them against the number of classes. */
  public static int[] readLabels(InputStream stream, String name) throws IOException {
    try (Input in = Input.open(stream, name)) {
      int count = header(in, name, LABELS_MAGIC, 2)[1];
      String what = count + " labels";
      byte[] bytes = in.readNBytes(count);
      if (bytes.length < count) throw truncated(name, 8, what, 8L + count, in.position());
      checkEnd(in, name, 8, what, 8L + count);
      int[] labels = new int[count];
      for (int i = 0; i < count; i++) labels[i] = bytes[i] & 0xFF;
      return labels;
    }
  }

  /**
   * The label file's path for an image file's path, replacing the last "images-idx3" with
   * "labels-idx1": {@code .../train-images-idx3-ubyte.gz -> .../train-labels-idx1-ubyte.gz}.
   */
  public static String defaultLabelsName(String imagesPath) {
    int at = imagesPath.lastIndexOf("images-idx3");
    if (at < 0) {
      throw new IllegalArgumentException("cannot derive the labels file from '" + imagesPath
          + "': its name does not contain 'images-idx3'; give the labels file explicitly");
    }
    return imagesPath.substring(0, at) + "labels-idx1"
        + imagesPath.substring(at + "images-idx3".length());
  }

  /** Both sides of an image positive, and their product an int. */
  private static void checkImageSize(String name, int rows, int cols) {
    if (rows <= 0 || cols <= 0) {
      throw new DataException(name, "header", "image size " + unsigned(rows) + "x"
          + unsigned(cols) + " must be positive");
    }
    if ((long) rows * cols > Integer.MAX_VALUE) {
      throw new DataException(name, "header", "image size " + rows + "x" + cols
          + " is more pixels than an int counts");
    }
  }

  /** The images fit in one block. */
  private static void checkPixelCount(String name, int count, int rows, int cols) {
    long n = (long) count * rows * cols;
    if (n > Input.MAX_ARRAY) {
      throw new DataException(name, "header", count + " images of " + rows + "x" + cols
          + " are " + n + " pixels, more than one block can hold");
    }
  }

  /** Reads a header of {@code ints} big-endian int32s, checking the magic number and the count. */
  private static int[] header(Input in, String name, int magic, int ints) throws IOException {
    byte[] b = new byte[4 * ints];
    int got = in.readFully(b, 0, b.length);
    String kind = magic == IMAGES_MAGIC ? "image" : "label";
    if (got < 4) {
      throw new DataException(name, "header", "file has only " + got + " bytes; an IDX " + kind
          + " file starts with a " + b.length + "-byte header");
    }
    int[] h = new int[ints];
    for (int i = 0; i < got / 4; i++) {
      h[i] = (b[4 * i] & 0xFF) << 24 | (b[4 * i + 1] & 0xFF) << 16 | (b[4 * i + 2] & 0xFF) << 8
          | (b[4 * i + 3] & 0xFF);
    }
    if (h[0] != magic) {
      String seen = "magic number " + unsigned(h[0]) + String.format(" (0x%08x)", h[0]);
      String expected = String.format("%d (0x%08x) of an IDX %s file", magic, magic, kind);
      if (h[0] == IMAGES_MAGIC || h[0] == LABELS_MAGIC) {
        String other = h[0] == IMAGES_MAGIC ? "image" : "label";
        throw new DataException(name, "header", seen + " marks an IDX " + other
            + " file, expected " + expected);
      }
      throw new DataException(name, "header", seen + ", expected " + expected);
    }
    if (got < b.length) {
      throw new DataException(name, "header", "file has only " + got + " bytes; an IDX " + kind
          + " file starts with a " + b.length + "-byte header");
    }
    if (h[1] < 0) {
      throw new DataException(name, "header", "count " + unsigned(h[1]) + " is too large");
    }
    if (h[1] == 0) throw new DataException(name, "header", "count is 0: the file holds no records");
    return h;
  }

  private static DataException truncated(String name, int headerBytes, String what, long expected,
      long found) {
    return new DataException(name, "byte " + found, "file is truncated: expected " + expected
        + " bytes (" + headerBytes + "-byte header + " + what + "), found " + found);
  }

  private static void checkEnd(Input in, String name, int headerBytes, String what, long expected)
      throws IOException {
    long extra = in.drain();
    if (extra > 0) {
      throw new DataException(name, "byte " + expected, "file is longer than its header says: "
          + "expected " + expected + " bytes (" + headerBytes + "-byte header + " + what
          + "), found " + (expected + extra));
    }
  }

  private static long unsigned(int v) {
    return Integer.toUnsignedLong(v);
  }
}
