package dev.sparkmlp.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Opens a caller's stream for reading: detects gzip by its magic bytes and decompresses it, counts
 * the decompressed bytes, and turns a truncated or corrupt gzip stream into a {@link DataException}
 * naming the source and the byte offset.
 *
 * <p>Closing the returned stream releases the inflater but leaves the caller's stream open: the
 * caller opened it and closes it.
 */
final class Input extends FilterInputStream {
  static final int BUFFER = 1 << 16;
  /** The largest array length every JVM allows. */
  static final int MAX_ARRAY = Integer.MAX_VALUE - 8;
  /**
   * The most classes a reader infers from the largest label. A larger label is far more likely a
   * wrong label column than a real class, and its one-hot targets could exhaust the heap; callers
   * who mean it pass the number of classes explicitly.
   */
  static final int MAX_INFERRED_CLASSES = 1 << 16;

  private final String name;
  private final boolean gzip;
  private long position;

  private Input(InputStream in, String name, boolean gzip) {
    super(in);
    this.name = name;
    this.gzip = gzip;
  }

  static Input open(InputStream raw, String name) throws IOException {
    BufferedInputStream in = new BufferedInputStream(new KeepOpen(raw), BUFFER);
    in.mark(2);
    int b0 = in.read();
    int b1 = in.read();
    in.reset();
    if (b0 != 0x1f || b1 != 0x8b) return new Input(in, name, false);
    try {
      return new Input(new GZIPInputStream(in, BUFFER), name, true);
    } catch (EOFException | ZipException e) {
      throw new DataException(name, "byte 0", gzipProblem(e), e);
    }
  }

  /** Bytes read so far (after decompression). */
  long position() {
    return position;
  }

  @Override
  public int read() throws IOException {
    try {
      int b = in.read();
      if (b >= 0) position++;
      return b;
    } catch (EOFException | ZipException e) {
      throw corrupt(e);
    }
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    try {
      int n = in.read(b, off, len);
      if (n > 0) position += n;
      return n;
    } catch (EOFException | ZipException e) {
      throw corrupt(e);
    }
  }

  @Override
  public long skip(long n) throws IOException {
    byte[] scratch = new byte[(int) Math.min(n, BUFFER)];
    long done = 0;
    while (done < n) {
      int k = read(scratch, 0, (int) Math.min(n - done, scratch.length));
      if (k < 0) break;
      done += k;
    }
    return done;
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  private IOException corrupt(IOException e) {
    if (!gzip) return e;
    throw new DataException(name, "byte " + position, gzipProblem(e), e);
  }

  private static String gzipProblem(IOException e) {
    if (e instanceof EOFException) {
      return "gzip data is truncated (the compressed stream ends early)";
    }
    return "gzip data is corrupt (" + e.getMessage() + ")";
  }

  /** Reads until {@code len} bytes are in or the stream ends; returns how many were read. */
  int readFully(byte[] b, int off, int len) throws IOException {
    int done = 0;
    while (done < len) {
      int n = read(b, off + done, len - done);
      if (n < 0) break;
      done += n;
    }
    return done;
  }

  /** Reads to the end and returns how many bytes were left. */
  long drain() throws IOException {
    return skip(Long.MAX_VALUE);
  }

  /** Protects the caller's stream from being closed with ours. */
  private static final class KeepOpen extends FilterInputStream {
    KeepOpen(InputStream in) {
      super(in);
    }

    @Override
    public void close() {}
  }

  /** A capacity of at least {@code need}, growing by half so appends cost amortized O(1). */
  static int grow(int capacity, long need, String name) {
    if (need > MAX_ARRAY) {
      throw new DataException(name, null,
          "more than " + MAX_ARRAY + " values do not fit in one block");
    }
    long c = Math.max(need, capacity + (capacity >> 1) + 16L);
    return (int) Math.min(c, MAX_ARRAY);
  }
}
