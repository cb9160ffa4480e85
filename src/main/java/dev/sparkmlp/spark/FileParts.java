package dev.sparkmlp.spark;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.data.Csv;
import dev.sparkmlp.data.CsvOptions;
import dev.sparkmlp.data.DataException;
import dev.sparkmlp.data.LibSvm;
import dev.sparkmlp.data.Task;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * Data files read on the executors in pieces. A piece is the part of one file that one Spark file
 * split holds, named by the file's path and the split's start byte ({@code _metadata.file_path},
 * {@code _metadata.file_block_start}). Spark may pack several pieces into one task, in any order,
 * and cut a file into pieces at any byte; the rows of one piece arrive together and in file order.
 * So the row order is defined by the pieces: sorted by (path, start), and within a piece in file
 * order. That is the order in which the local readers see one file.
 *
 * <p>Every format reads a piece two ways: {@link Format#scan} parses and checks every row and
 * returns what the driver needs to fix the shape (rows, largest label, largest index);
 * {@link Format#rows} parses it into a {@link Block} of that shape. Errors are the readers'
 * {@link DataException}s, naming the file and the 1-based line or row within it (given the
 * piece's first line).
 *
 * <p>The Dataset a format opens has the columns (path, start, payload...): for text formats the
 * line, for Parquet and ORC the label and then the feature columns.
 */
final class FileParts {
  private FileParts() {}

  /**
   * What the driver learns of one piece. {@code maxIndex}: libsvm's largest index, or a width.
   * {@code error}: the piece's first bad row, else null.
   */
  record Info(String path, long start, int lines, int rows, float maxLabel, int maxIndex,
      boolean onlyPlusMinusOne, boolean anyMinusOne, DataException error) implements Serializable {
    private static final long serialVersionUID = 1L;

    Info(String path, long start, int lines, int rows, float maxLabel, int maxIndex,
        boolean onlyPlusMinusOne, boolean anyMinusOne) {
      this(path, start, lines, rows, maxLabel, maxIndex, onlyPlusMinusOne, anyMinusOne, null);
    }

    Info withLines(int n) {
      return new Info(path, start, n, rows, maxLabel, maxIndex, onlyPlusMinusOne, anyMinusOne,
          error);
    }

    static Info failed(String path, long start, DataException error) {
      return new Info(path, start, 0, 0, Float.NEGATIVE_INFINITY, 0, true, false, error);
    }
  }

  /**
   * The shape every piece is read into: {@code features} columns; for classification
   * {@code classes} classes (one-hot width, after the -1/+1 mapping of libsvm when
   * {@code plusMinusOne}); for regression classes is 0.
   */
  record Shape(int features, int classes, boolean plusMinusOne) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  /** One data format, read on the executors. Implementations must be serializable. */
  abstract static class Format implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Opens the files on the driver (no row is read): columns path, start, payload. */
    abstract Dataset<Row> open(SparkSession spark, String path);

    /** Parses and checks a piece whose first line is line {@code firstLine} of its file. */
    abstract Info scan(String path, long start, int firstLine, Iterator<Row> rows);

    /** The piece's rows in file order, in the given shape. */
    abstract Block rows(String path, long start, int firstLine, Iterator<Row> rows, Shape shape);
  }

  static final String PATH = "_sparkmlp_path";
  static final String START = "_sparkmlp_start";

  /** The path and start columns every format's Dataset begins with. */
  static Dataset<Row> withPlace(Dataset<Row> df, String... payload) {
    org.apache.spark.sql.Column[] cols = new org.apache.spark.sql.Column[2 + payload.length];
    cols[0] = functions.col("_metadata.file_path").as(PATH);
    cols[1] = functions.col("_metadata.file_block_start").as(START);
    for (int i = 0; i < payload.length; i++) {
      cols[2 + i] = functions.col("`" + payload[i].replace("`", "``") + "`");
    }
    return df.select(cols);
  }

  /** Receives one piece at a time. */
  interface PieceVisitor {
    void visit(String path, long start, Iterator<Row> rows);
  }

  /**
   * Calls {@code visitor} once per piece of a task's rows, with an iterator over that piece's
   * rows; the rows the visitor leaves unread are skipped.
   */
  static void forEachPiece(Iterator<Row> it, PieceVisitor visitor) {
    Peeking rows = new Peeking(it);
    while (rows.hasNext()) {
      Row first = rows.peek();
      String path = first.getString(0);
      long start = first.getLong(1);
      Iterator<Row> piece = new Iterator<>() {
        @Override
        public boolean hasNext() {
          if (!rows.hasNext()) return false;
          Row r = rows.peek();
          return r.getLong(1) == start && r.getString(0).equals(path);
        }

        @Override
        public Row next() {
          if (!hasNext()) throw new NoSuchElementException();
          return rows.next();
        }
      };
      visitor.visit(path, start, piece);
      while (piece.hasNext()) piece.next();
    }
  }

  private static final class Peeking implements Iterator<Row> {
    private final Iterator<Row> it;
    private Row head;

    Peeking(Iterator<Row> it) {
      this.it = it;
    }

    Row peek() {
      if (head == null) head = it.next();
      return head;
    }

    @Override
    public boolean hasNext() {
      return head != null || it.hasNext();
    }

    @Override
    public Row next() {
      Row r = peek();
      head = null;
      return r;
    }
  }

  /** The lines (column 2) of a piece as a byte stream, each followed by LF. */
  static final class LineStream extends InputStream {
    private final Iterator<Row> rows;
    private byte[] line = new byte[0];
    private int at;
    private boolean newline;

    LineStream(Iterator<Row> rows) {
      this.rows = rows;
    }

    private boolean advance() {
      if (at < line.length || newline) return true;
      if (!rows.hasNext()) return false;
      line = rows.next().getString(2).getBytes(StandardCharsets.UTF_8);
      at = 0;
      newline = true;
      return true;
    }

    @Override
    public int read() {
      if (!advance()) return -1;
      if (at < line.length) return line[at++] & 0xFF;
      newline = false;
      return '\n';
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (len == 0) return 0;
      int done = 0;
      while (done < len && advance()) {
        if (at < line.length) {
          int n = Math.min(len - done, line.length - at);
          System.arraycopy(line, at, b, off + done, n);
          at += n;
          done += n;
        } else {
          b[off + done++] = '\n';
          newline = false;
        }
      }
      return done == 0 ? -1 : done;
    }
  }

  /** Text formats: one Dataset row per line (Spark's text source). */
  abstract static class Text extends Format {
    private static final long serialVersionUID = 1L;

    @Override
    Dataset<Row> open(SparkSession spark, String path) {
      return withPlace(spark.read().text(path), "value");
    }
  }

  /** CSV as {@link Csv} reads it, with the column layout of the first file's head. */
  static final class CsvFormat extends Text {
    private static final long serialVersionUID = 1L;
    private final CsvOptions options;
    private final Csv.Head head;

    CsvFormat(CsvOptions options, Csv.Head head) {
      this.options = options;
      this.head = head;
    }

    @Override
    Info scan(String path, long start, int firstLine, Iterator<Row> rows) {
      Block b = read(path, start, firstLine, rows, options);
      float max = Float.NEGATIVE_INFINITY;
      if (b.labels != null) for (int c : b.labels) max = Math.max(max, c);
      return new Info(path, start, 0, b.rows, max, b.features, true, false);
    }

    @Override
    Block rows(String path, long start, int firstLine, Iterator<Row> rows, Shape shape) {
      return read(path, start, firstLine, rows, options.withClasses(shape.classes()));
    }

    private Block read(String path, long start, int firstLine, Iterator<Row> rows,
        CsvOptions opt) {
      try {
        return Csv.readPart(new LineStream(rows), path, opt, head, start == 0, firstLine);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** LibSVM as {@link LibSvm} reads it; {@code features} 0 accepts any index. */
  static final class LibSvmFormat extends Text {
    private static final long serialVersionUID = 1L;
    private final Task task;
    private final int features;

    LibSvmFormat(Task task, int features) {
      this.task = task;
      this.features = features;
    }

    @Override
    Info scan(String path, long start, int firstLine, Iterator<Row> rows) {
      LibSvm.Part p = read(path, firstLine, rows);
      return new Info(path, start, 0, p.rows(), p.maxLabel(), p.maxIndex(),
          p.onlyPlusMinusOne(), p.anyMinusOne());
    }

    @Override
    Block rows(String path, long start, int firstLine, Iterator<Row> rows, Shape shape) {
      return read(path, firstLine, rows)
          .toBlock(shape.features(), shape.classes(), shape.plusMinusOne());
    }

    private LibSvm.Part read(String path, int firstLine, Iterator<Row> rows) {
      try {
        return LibSvm.readPart(new LineStream(rows), path, features, task, firstLine);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
