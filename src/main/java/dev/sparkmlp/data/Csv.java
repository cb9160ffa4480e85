package dev.sparkmlp.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Reader for numeric CSV files, raw or gzip-compressed. Every field must be a finite decimal
 * number; the label or target columns are chosen by {@link CsvOptions}, and all other columns are
 * features in file order.
 *
 * <p>Lines end in LF or CRLF; blank lines are skipped; spaces and tabs around a field are
 * ignored. A field may be wrapped in double quotes (with {@code ""} for a quote inside), but a
 * quoted field cannot span lines. The parser works on bytes and parses numbers without building
 * strings, which keeps a 60000 x 785 file to about a second. The stream is not closed.
 */
public final class Csv {
  private Csv() {}

  public static Block read(InputStream in, String name, CsvOptions options) throws IOException {
    options.check();
    try (Input input = Input.open(in, name)) {
      return new Parser(new LineReader(input, name), name, options).run();
    }
  }

  /**
   * The layout a file's first non-blank line gives: the header names (null when that line is
   * data) and the column count. The roles the options give the columns are checked.
   */
  public record Head(List<String> names, int columns) implements Serializable {
    private static final long serialVersionUID = 1L;

    public Head {
      names = names == null ? null : List.copyOf(names);
    }
  }

  /**
   * Reads the first non-blank line of a CSV file and decides, as {@link #read} does, whether it is
   * a header. Reads no further than that line.
   *
   * @throws DataException when the file has no non-blank line, or the options do not fit it
   */
  public static Head head(InputStream in, String name, CsvOptions options) throws IOException {
    options.check();
    try (Input input = Input.open(in, name)) {
      Parser p = new Parser(new LineReader(input, name), name, options);
      p.readHead();
      return new Head(p.names, p.columns);
    }
  }

  /**
   * Reads a piece of a larger CSV file, such as one Hadoop split of it: its lines are numbered
   * from {@code firstLine} (so errors name the line of the whole file), and the columns are those
   * of {@code head}, found by {@link #head} on the file's start. A piece that starts the file
   * ({@code startsFile}) begins with the header line, if there is one, which is checked against
   * {@code head} and skipped. Unlike {@link #read}, a piece may hold no rows. With
   * {@code options.classes() == 0}, the block's class count is inferred from this piece alone.
   */
  public static Block readPart(InputStream in, String name, CsvOptions options, Head head,
      boolean startsFile, int firstLine) throws IOException {
    options.check();
    if (firstLine < 1) throw new IllegalArgumentException("lines start at 1, not " + firstLine);
    try (Input input = Input.open(in, name)) {
      LineReader lines = new LineReader(input, name);
      lines.line = firstLine - 1;
      return new Parser(lines, name, options).runPart(head, startsFile);
    }
  }

  /** Roles of a column: a feature slot {@code >= 0}, or one of these. */
  private static final int LABEL = -1;

  private static int targetRole(int t) {
    return -2 - t;
  }

  private static final class Parser {
    private final LineReader lines;
    private final String name;
    private final CsvOptions opt;
    private final byte delim;

    private int columns;
    private List<String> names;
    private int[] role;
    private int[] targetColumn;
    private int features;
    private int targets;
    private boolean oneHot;
    private int classes;

    private int rows;
    private float[] x = new float[0];
    private float[] y = new float[0];
    private int[] labels = new int[0];
    private int maxLabel = -1;
    private float[] oneHotRow;

    /** Bounds of the field just scanned: its content, and where the next one starts (or -1). */
    private int fieldStart;
    private int fieldEnd;
    private int next;

    Parser(LineReader lines, String name, CsvOptions opt) {
      this.lines = lines;
      this.name = name;
      this.opt = opt;
      this.delim = (byte) opt.delimiter();
    }

    /** Reads the first non-blank line: the header, or the first row (left unparsed). */
    private boolean readHead() throws IOException {
      if (!nextNonBlank()) throw Checks.empty(name);
      List<String> first = splitSlow();
      columns = first.size();
      boolean header = opt.header() != null
          ? opt.header()
          : first.stream().anyMatch(f -> !Numbers.looksNumeric(f));
      names = header ? first : null;
      assignRoles();
      return header;
    }

    Block runPart(Head head, boolean startsFile) throws IOException {
      columns = head.columns();
      names = head.names();
      assignRoles();
      if (names != null && startsFile && nextNonBlank()) {
        List<String> h = splitSlow();
        if (!h.equals(names)) {
          throw new DataException(name, "row " + lines.line, "header " + h
              + " differs from the first file's " + names);
        }
      }
      while (nextNonBlank()) parseRow();
      return build();
    }

    Block run() throws IOException {
      boolean header = readHead();
      if (!header) parseRow();
      while (nextNonBlank()) parseRow();
      if (rows == 0) {
        String why = opt.header() != null ? "" : "; the first line was taken for a header because "
            + "not all its fields are numbers";
        throw new DataException(name, null, "no data rows (only a header" + why + ")");
      }
      return build();
    }

    private boolean nextNonBlank() throws IOException {
      while (lines.next()) {
        if (!lines.blank()) return true;
      }
      return false;
    }

    private void assignRoles() {
      role = new int[columns];
      oneHot = opt.oneHotTargets();
      // Defaults are indices, never looked up as names: a header may well contain "2".
      int[] cols;
      if (!opt.targetColumns().isEmpty()) {
        cols = opt.targetColumns().stream().mapToInt(this::resolve).toArray();
      } else if (oneHot) {
        if (columns - opt.classes() < 1) {
          throw new DataException(name, "header", "the last " + opt.classes() + " columns are "
              + "the one-hot targets, but the file has only " + columns + " columns");
        }
        cols = IntStream.range(columns - opt.classes(), columns).toArray();
      } else {
        cols = new int[] {opt.labelColumn() == null ? columns - 1 : resolve(opt.labelColumn())};
      }
      targets = cols.length;
      targetColumn = cols;
      boolean[] isTarget = new boolean[columns];
      boolean single = opt.task() == Task.CLASSIFICATION && !oneHot;
      for (int t = 0; t < targets; t++) {
        int c = cols[t];
        if (isTarget[c]) {
          throw new DataException(name, "header", "column " + describeColumn(c)
              + " is listed twice as a target");
        }
        isTarget[c] = true;
        role[c] = single ? LABEL : targetRole(t);
      }
      for (int c = 0; c < columns; c++) {
        if (!isTarget[c]) role[c] = features++;
      }
      if (features == 0) {
        throw new DataException(name, "header", "no feature columns: all " + columns
            + " column(s) are targets");
      }
      if (oneHot) {
        if (opt.classes() != 0 && opt.classes() != targets) {
          throw new DataException(name, "header", targets + " one-hot target columns, but "
              + "classes is " + opt.classes());
        }
        if (targets < 2) {
          throw new DataException(name, "header", "one-hot targets need at least 2 columns, got "
              + targets);
        }
        classes = targets;
        oneHotRow = new float[targets];
      } else {
        classes = opt.classes();
      }
    }

    /** The 0-based column for a header name or an index written as text. */
    private int resolve(String spec) {
      if (names != null) {
        int at = names.indexOf(spec);
        if (at >= 0) return at;
      }
      int index;
      try {
        index = Integer.parseInt(spec.strip());
      } catch (NumberFormatException e) {
        if (names == null) {
          throw new DataException(name, "header", "column '" + spec + "' is given by name, but the "
              + "file has no header");
        }
        throw new DataException(name, "header", "no column named '" + spec + "'; the columns are: "
            + String.join(", ", names));
      }
      if (index < 0 || index >= columns) {
        throw new DataException(name, "header", "column index " + index + " is outside the "
            + columns + " columns (0-based)");
      }
      return index;
    }

    private void parseRow() {
      byte[] b = lines.buf;
      int line = lines.line;
      if ((long) (rows + 1) * features > x.length) {
        x = Arrays.copyOf(x, Input.grow(x.length, (long) (rows + 1) * features, name));
      }
      if (opt.task() == Task.REGRESSION && (long) (rows + 1) * targets > y.length) {
        y = Arrays.copyOf(y, Input.grow(y.length, (long) (rows + 1) * targets, name));
      }
      if (opt.task() == Task.CLASSIFICATION && rows + 1 > labels.length) {
        labels = Arrays.copyOf(labels, Input.grow(labels.length, rows + 1L, name));
      }
      int xBase = rows * features;
      int c = 0;
      int p = lines.start;
      while (true) {
        if (c == columns) throw wrongCount(line);
        scanField(b, p, lines.end, line, c);
        float v = Numbers.parse(b, fieldStart, fieldEnd);
        if (!Float.isFinite(v)) {
          throw new DataException(name, where(line, c), Numbers.describe(b, fieldStart, fieldEnd));
        }
        int r = role[c];
        if (r >= 0) {
          x[xBase + r] = v;
        } else if (r == LABEL) {
          labels[rows] = label(v, b, line, c);
        } else if (oneHot) {
          oneHotRow[-2 - r] = v;
        } else {
          y[rows * targets - 2 - r] = v;
        }
        c++;
        if (next < 0) break;
        p = next;
      }
      if (c != columns) throw wrongCount(line);
      if (oneHot) labels[rows] = oneHotLabel(line);
      rows++;
    }

    private int label(float v, byte[] b, int line, int c) {
      int k = (int) v;
      int limit = classes > 0 ? classes : Input.MAX_INFERRED_CLASSES;
      if (k != v || k < 0 || k >= limit) {
        String text = new String(b, fieldStart, fieldEnd - fieldStart, StandardCharsets.UTF_8);
        throw new DataException(name, where(line, c), Checks.labelProblem(v, text, classes));
      }
      if (k > maxLabel) maxLabel = k;
      return k;
    }

    private int oneHotLabel(int line) {
      int hot = -1;
      int ones = 0;
      boolean binary = true;
      for (int t = 0; t < targets; t++) {
        if (oneHotRow[t] == 1f) {
          hot = t;
          ones++;
        } else if (oneHotRow[t] != 0f) {
          binary = false;
        }
      }
      if (!binary || ones != 1) {
        StringBuilder cols = new StringBuilder();
        for (int t = 0; t < targets; t++) {
          cols.append(t == 0 ? "" : ", ").append(describeColumn(targetColumn[t])).append('=')
              .append(oneHotRow[t]);
        }
        throw new DataException(name, "row " + line, "one-hot target columns hold " + cols
            + "; expected a single 1 and the rest 0");
      }
      return hot;
    }

    /**
     * Finds the field starting at {@code p}: sets its trimmed, unquoted content bounds and the
     * start of the next field (-1 at the end of the line).
     */
    private void scanField(byte[] b, int p, int end, int line, int c) {
      int s = p;
      while (s < end && isSpace(b[s])) s++;
      if (s < end && b[s] == '"') {
        int q = s + 1;
        while (true) {
          while (q < end && b[q] != '"') q++;
          if (q >= end) throw new DataException(name, where(line, c), "unterminated quote");
          if (q + 1 < end && b[q + 1] == '"') {
            q += 2;
            continue;
          }
          break;
        }
        fieldStart = s + 1;
        fieldEnd = q;
        int a = q + 1;
        while (a < end && isSpace(b[a])) a++;
        if (a < end && b[a] != delim) {
          throw new DataException(name, where(line, c), "text after the closing quote");
        }
        next = a < end ? a + 1 : -1;
        return;
      }
      int d = s;
      while (d < end && b[d] != delim) d++;
      int e = d;
      while (e > s && isSpace(b[e - 1])) e--;
      fieldStart = s;
      fieldEnd = e;
      next = d < end ? d + 1 : -1;
    }

    private boolean isSpace(byte ch) {
      return (ch == ' ' || ch == '\t') && ch != delim;
    }

    /** Splits the current line into unquoted field texts (used once, for the first line). */
    private List<String> splitSlow() {
      List<String> out = new ArrayList<>();
      byte[] b = lines.buf;
      int p = lines.start;
      while (true) {
        scanField(b, p, lines.end, lines.line, out.size());
        out.add(new String(b, fieldStart, fieldEnd - fieldStart, StandardCharsets.UTF_8)
            .replace("\"\"", "\""));
        if (next < 0) return out;
        p = next;
      }
    }

    private DataException wrongCount(int line) {
      int n = 0;
      int p = lines.start;
      while (true) {
        scanField(lines.buf, p, lines.end, line, n);
        n++;
        if (next < 0) break;
        p = next;
      }
      return new DataException(name, "row " + line, n + " fields, expected " + columns
          + (names != null ? " (as in the header)" : " (as in the first row)"));
    }

    private String where(int line, int c) {
      return "row " + line + ", column " + describeColumn(c);
    }

    /** 1-based column number, with the header name when there is one. */
    private String describeColumn(int c) {
      return (c + 1) + (names != null && c < names.size() ? " '" + names.get(c) + "'" : "");
    }

    private Block build() {
      float[] bx = x.length == rows * features ? x : Arrays.copyOf(x, rows * features);
      if (opt.task() == Task.REGRESSION) {
        float[] by = y.length == rows * targets ? y : Arrays.copyOf(y, rows * targets);
        return Block.regression(rows, features, bx, targets, by);
      }
      int[] bl = labels.length == rows ? labels : Arrays.copyOf(labels, rows);
      int k = classes > 0 ? classes : Math.max(2, maxLabel + 1);
      if ((long) rows * k > Input.MAX_ARRAY) {
        throw new DataException(name, null, k + " classes (from the largest label) for " + rows
            + " rows are more one-hot targets than one block can hold");
      }
      return Block.classification(rows, features, bx, bl, k);
    }
  }
}
