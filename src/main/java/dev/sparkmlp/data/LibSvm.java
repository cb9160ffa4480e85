package dev.sparkmlp.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reader for LibSVM / SVMlight text files, raw or gzip-compressed, densified into a {@link Block}.
 *
 * <pre>
 * line  = label (' ' index ':' value)* ['#' comment]
 * index = 1-based feature number, strictly ascending within a line; missing features are 0
 * </pre>
 *
 * Tokens are separated by spaces or tabs; blank lines are skipped. For classification the labels
 * must be integers. Binary files often label the classes -1 and +1: when every label is -1 or +1
 * and at least one is -1, they are mapped to 0 and 1. Otherwise labels are used as they are and
 * must lie in [0, classes). The stream is not closed.
 */
public final class LibSvm {
  private LibSvm() {}

  /**
   * @param features number of features; 0 infers the largest index seen
   * @param classes number of classes for classification; 0 infers {@code max label + 1} (at least
   *     2). Ignored for regression.
   */
  public static Block read(InputStream in, String name, int features, Task task, int classes)
      throws IOException {
    if (features < 0) throw new IllegalArgumentException("features must be >= 0, got " + features);
    if (classes < 0) throw new IllegalArgumentException("classes must be >= 0, got " + classes);
    if (task == null) throw new IllegalArgumentException("task must be given");
    try (Input input = Input.open(in, name)) {
      return new Parser(new LineReader(input, name), name, features, task, classes).run();
    }
  }

  /**
   * Reads a piece of a larger LibSVM file, such as one Hadoop split of it, with its lines
   * numbered from {@code firstLine}, and keeps it sparse: the whole file's feature count, class
   * count and -1/+1 mapping are known only once every piece has been read (see {@link Part}).
   *
   * @param features number of features; 0 accepts any index
   */
  public static Part readPart(InputStream in, String name, int features, Task task, int firstLine)
      throws IOException {
    if (features < 0) throw new IllegalArgumentException("features must be >= 0, got " + features);
    if (task == null) throw new IllegalArgumentException("task must be given");
    if (firstLine < 1) throw new IllegalArgumentException("lines start at 1, not " + firstLine);
    try (Input input = Input.open(in, name)) {
      LineReader lines = new LineReader(input, name);
      lines.line = firstLine - 1;
      Parser p = new Parser(lines, name, features, task, 0);
      p.parseAll();
      return new Part(p);
    }
  }

  /**
   * A parsed piece of a file, still sparse. {@link #read} decides, for the whole file, the feature
   * count (the largest index), the class count (the largest label + 1) and whether -1/+1 labels
   * are mapped to 0/1 (every label is -1 or +1, and one is -1); a caller reading a file in pieces
   * combines these facts of all pieces and passes the result to {@link #toBlock}.
   */
  public static final class Part {
    private final Parser p;

    Part(Parser p) {
      this.p = p;
    }

    public int rows() {
      return p.rows;
    }

    /** The largest feature index, 0 when there are no index:value pairs. */
    public int maxIndex() {
      return p.maxIndex;
    }

    /** Whether every label is -1 or +1 (true for no rows). */
    public boolean onlyPlusMinusOne() {
      for (int r = 0; r < p.rows; r++) if (p.label[r] != 1f && p.label[r] != -1f) return false;
      return true;
    }

    public boolean anyMinusOne() {
      for (int r = 0; r < p.rows; r++) if (p.label[r] == -1f) return true;
      return false;
    }

    /** The largest label, -infinity for no rows. */
    public float maxLabel() {
      float m = Float.NEGATIVE_INFINITY;
      for (int r = 0; r < p.rows; r++) m = Math.max(m, p.label[r]);
      return m;
    }

    /**
     * The rows, dense with {@code features} columns (at least {@link #maxIndex}); labels are
     * checked against {@code classes} (classification only, &gt; 0) after the -1/+1 mapping if
     * {@code mapPlusMinusOne}.
     */
    public Block toBlock(int features, int classes, boolean mapPlusMinusOne) {
      if (features < Math.max(1, p.maxIndex)) {
        throw new IllegalArgumentException(features + " features, but index " + p.maxIndex
            + " occurs");
      }
      if (p.task == Task.CLASSIFICATION && classes <= 0) {
        throw new IllegalArgumentException("classes must be given: " + classes);
      }
      return p.build(features, classes, mapPlusMinusOne);
    }
  }

  private static final class Parser {
    private final LineReader lines;
    private final String name;
    private final int declaredFeatures;
    private final Task task;
    private final int classes;

    private int rows;
    private float[] label = new float[0];
    private int[] lineOf = new int[0];
    /** Row r's pairs are entries [rowEnd[r-1], rowEnd[r]) of index and value. */
    private int[] rowEnd = new int[0];
    private int[] index = new int[0];
    private float[] value = new float[0];
    private int pairs;
    private int maxIndex;

    Parser(LineReader lines, String name, int features, Task task, int classes) {
      this.lines = lines;
      this.name = name;
      this.declaredFeatures = features;
      this.task = task;
      this.classes = classes;
    }

    void parseAll() throws IOException {
      while (lines.next()) parseLine();
    }

    Block run() throws IOException {
      parseAll();
      if (rows == 0) throw Checks.empty(name);
      int d = declaredFeatures > 0 ? declaredFeatures : maxIndex;
      if (d == 0) {
        throw new DataException(name, null, "no features: no index:value pairs, and the number "
            + "of features was not given");
      }
      boolean plusMinusOne = true;
      boolean anyMinusOne = false;
      for (int r = 0; r < rows; r++) {
        if (label[r] != 1f && label[r] != -1f) plusMinusOne = false;
        if (label[r] == -1f) anyMinusOne = true;
      }
      return build(d, classes, plusMinusOne && anyMinusOne);
    }

    /** The rows with d features; classes 0 = inferred; map: -1/+1 to 0/1. */
    Block build(int d, int classes, boolean map) {
      if ((long) rows * d > Input.MAX_ARRAY) {
        throw new DataException(name, null, rows + " rows of " + d + " features are more than "
            + "one block can hold");
      }
      float[] x = new float[rows * d];
      for (int r = 0, k = 0; r < rows; r++) {
        for (; k < rowEnd[r]; k++) x[r * d + index[k] - 1] = value[k];
      }
      if (task == Task.REGRESSION) {
        return Block.regression(rows, d, x, 1, Arrays.copyOf(label, rows));
      }
      int[] labels = classLabels(map, classes);
      int k = classes;
      if (k == 0) {
        k = 2;
        for (int c : labels) k = Math.max(k, c + 1);
      }
      if ((long) rows * k > Input.MAX_ARRAY) {
        throw new DataException(name, null, k + " classes (from the largest label) for " + rows
            + " rows are more one-hot targets than one block can hold");
      }
      return Block.classification(rows, d, x, labels, k);
    }

    /** Integer labels, with -1/+1 mapped to 0/1 when those are the only labels. */
    private int[] classLabels(boolean map, int classes) {
      int[] out = new int[rows];
      for (int r = 0; r < rows; r++) {
        float v = map ? (label[r] < 0 ? 0 : 1) : label[r];
        String problem = Checks.labelProblem(v, format(v), classes);
        if (problem != null) {
          if (v < 0) problem += " (only -1/+1 binary labels are mapped to 0/1)";
          throw new DataException(name, "row " + lineOf[r] + ", label", problem);
        }
        out[r] = (int) v;
      }
      return out;
    }

    private void parseLine() {
      byte[] b = lines.buf;
      int end = lines.end;
      int line = lines.line;
      int p = skipSpace(b, lines.start, end);
      if (p == end || b[p] == '#') return;
      int te = tokenEnd(b, p, end);
      float v = Numbers.parse(b, p, te);
      if (!Float.isFinite(v)) {
        throw new DataException(name, "row " + line + ", label", Numbers.describe(b, p, te));
      }
      if (task == Task.CLASSIFICATION && v != Math.rint(v)) {
        throw new DataException(name, "row " + line + ", label", "label '" + text(b, p, te)
            + "' is not an integer");
      }
      if (rows == label.length) {
        int cap = Input.grow(label.length, rows + 1L, name);
        label = Arrays.copyOf(label, cap);
        lineOf = Arrays.copyOf(lineOf, cap);
        rowEnd = Arrays.copyOf(rowEnd, cap);
      }
      label[rows] = v;
      lineOf[rows] = line;
      int prev = 0;
      int token = 1;
      p = skipSpace(b, te, end);
      while (p < end && b[p] != '#') {
        token++;
        te = tokenEnd(b, p, end);
        int colon = p;
        while (colon < te && b[colon] != ':') colon++;
        if (colon == te) {
          throw new DataException(name, where(line, token),
              "'" + text(b, p, te) + "' is not index:value");
        }
        int idx = parseIndex(b, p, colon);
        if (idx < 0) {
          throw new DataException(name, where(line, token), "index '" + text(b, p, colon)
              + "' is not an integer in [1, 2^31)");
        }
        if (idx < 1) {
          throw new DataException(name, where(line, token), "index 0: indices start at 1");
        }
        if (idx <= prev) {
          throw new DataException(name, where(line, token),
              "index " + idx + " follows index " + prev + "; indices must ascend");
        }
        if (declaredFeatures > 0 && idx > declaredFeatures) {
          throw new DataException(name, where(line, token),
              "index " + idx + " exceeds the " + declaredFeatures + " features");
        }
        float fv = Numbers.parse(b, colon + 1, te);
        if (!Float.isFinite(fv)) {
          throw new DataException(name, where(line, token),
              "value " + Numbers.describe(b, colon + 1, te));
        }
        if (pairs == index.length) {
          int cap = Input.grow(index.length, pairs + 1L, name);
          index = Arrays.copyOf(index, cap);
          value = Arrays.copyOf(value, cap);
        }
        index[pairs] = idx;
        value[pairs] = fv;
        pairs++;
        prev = idx;
        if (idx > maxIndex) maxIndex = idx;
        p = skipSpace(b, te, end);
      }
      rowEnd[rows] = pairs;
      rows++;
    }

    private static String format(float v) {
      return v == Math.rint(v) && Math.abs(v) < 1e15f ? Long.toString((long) v) : Float.toString(v);
    }

    private static String where(int line, int token) {
      return "row " + line + ", token " + token;
    }

    /** The decimal integer in b[s..e), or -1 if it is not one or exceeds int range. */
    private static int parseIndex(byte[] b, int s, int e) {
      if (s == e || e - s > 10) return -1;
      long v = 0;
      for (int i = s; i < e; i++) {
        if (b[i] < '0' || b[i] > '9') return -1;
        v = v * 10 + (b[i] - '0');
      }
      return v > Integer.MAX_VALUE ? -1 : (int) v;
    }

    private static int skipSpace(byte[] b, int p, int end) {
      while (p < end && (b[p] == ' ' || b[p] == '\t')) p++;
      return p;
    }

    private static int tokenEnd(byte[] b, int p, int end) {
      while (p < end && b[p] != ' ' && b[p] != '\t') p++;
      return p;
    }

    private static String text(byte[] b, int s, int e) {
      return new String(b, s, e - s, StandardCharsets.UTF_8);
    }
  }
}
