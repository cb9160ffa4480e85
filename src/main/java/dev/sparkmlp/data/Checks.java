package dev.sparkmlp.data;

/** Checks on whole blocks; each throws a {@link DataException} naming the source and the spot. */
public final class Checks {
  private Checks() {}

  /**
   * Every feature and target is finite. The message names the first bad value as
   * {@code record r, feature j} (or {@code target t}), both 0-based.
   */
  public static void finite(Block b, String name) {
    int bad = firstNonFinite(b.x);
    if (bad >= 0) {
      throw new DataException(name, "record " + bad / b.features + ", feature " + bad % b.features,
          "value " + b.x[bad] + " is not finite");
    }
    bad = firstNonFinite(b.y);
    if (bad >= 0) {
      throw new DataException(name,
          "record " + bad / b.targetWidth + ", target " + bad % b.targetWidth,
          "value " + b.y[bad] + " is not finite");
    }
  }

  /** The block has at least one row. */
  public static void nonEmpty(Block b, String name) {
    if (b.rows == 0) throw empty(name);
  }

  /**
   * Why {@code v}, written as {@code text} in the file, is not a class label for {@code classes}
   * classes (0: to be inferred from the largest label), or null if it is one.
   */
  static String labelProblem(float v, String text, int classes) {
    if (v != Math.rint(v)) return "label '" + text + "' is not an integer";
    if (v < 0) return "label " + text + " is negative";
    if (classes > 0 && v >= classes) return "label " + text + " is outside [0, " + classes + ")";
    if (classes == 0 && v >= Input.MAX_INFERRED_CLASSES) {
      return "label " + text + " would mean more than " + Input.MAX_INFERRED_CLASSES
          + " classes; set the number of classes explicitly if that is intended";
    }
    return null;
  }

  static DataException empty(String name) {
    return new DataException(name, null, "no data rows");
  }

  private static int firstNonFinite(float[] a) {
    for (int i = 0; i < a.length; i++) if (!Float.isFinite(a[i])) return i;
    return -1;
  }
}
