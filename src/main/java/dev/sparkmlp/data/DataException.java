package dev.sparkmlp.data;

/**
 * Bad input data: a malformed file, a value that is not a number, a label out of range. The message
 * is one line, {@code source: location: detail}, for example
 * {@code data/train.csv: row 12, column 3: 'abc' is not a number}.
 *
 * <p>Locations follow one convention across the package, so a user can find the spot:
 *
 * <ul>
 *   <li>{@code row N}: 1-based line number in a text file (CSV, LibSVM), counting blank lines and
 *       the header, so it matches what an editor shows; in a Parquet or ORC file, the 1-based row
 *       within that file.
 *   <li>{@code column 'name'}: a Parquet or ORC column.
 *   <li>{@code column N}: 1-based field number in a CSV row, followed by the header name when the
 *       file has one.
 *   <li>{@code record N}: 0-based index of a record in a binary file (IDX, CIFAR) or of a row in a
 *       {@link Block}.
 *   <li>{@code byte N}: 0-based offset in the decompressed stream.
 *   <li>{@code header}: the file's header.
 * </ul>
 */
public final class DataException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String source;
  private final String location;
  private final String detail;

  /** A location of null means the problem concerns the whole source (an empty file, say). */
  public DataException(String source, String location, String detail) {
    this(source, location, detail, null);
  }

  public DataException(String source, String location, String detail, Throwable cause) {
    super(format(source, location, detail), cause);
    this.source = source;
    this.location = location;
    this.detail = detail;
  }

  private static String format(String source, String location, String detail) {
    return location == null ? source + ": " + detail : source + ": " + location + ": " + detail;
  }

  /** The file or stream name the caller gave the reader. */
  public String source() {
    return source;
  }

  /** Where in the source, or null when it concerns the whole source. */
  public String location() {
    return location;
  }

  /** What is wrong, without source and location. */
  public String detail() {
    return detail;
  }
}
