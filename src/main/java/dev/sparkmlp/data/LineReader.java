package dev.sparkmlp.data;

import java.io.IOException;
import java.io.InputStream;

/**
 * Lines of a byte stream without decoding them: after {@link #next()} the current line is
 * {@code buf[start..end)}, without its LF or CRLF. A UTF-8 byte order mark at the start is dropped.
 * The buffer grows to hold the longest line, and the bytes stay valid until the next call.
 */
final class LineReader {
  private final InputStream in;
  private final String name;
  byte[] buf = new byte[1 << 20];
  int start;
  int end;
  /** 1-based number of the current line. */
  int line;

  private int pos;
  private int limit;
  private int scanned;
  private boolean eof;

  LineReader(InputStream in, String name) {
    this.in = in;
    this.name = name;
  }

  boolean next() throws IOException {
    while (true) {
      int nl = -1;
      for (int i = scanned; i < limit; i++) {
        if (buf[i] == '\n') {
          nl = i;
          break;
        }
      }
      if (nl >= 0) {
        take(nl);
        pos = nl + 1;
        return true;
      }
      scanned = limit;
      if (eof) {
        if (pos == limit) return false;
        take(limit);
        pos = limit;
        return true;
      }
      fill();
    }
  }

  private void take(int stop) {
    start = pos;
    end = stop;
    if (end > start && buf[end - 1] == '\r') end--;
    line++;
    if (line == 1 && end - start >= 3 && (buf[start] & 0xFF) == 0xEF
        && (buf[start + 1] & 0xFF) == 0xBB && (buf[start + 2] & 0xFF) == 0xBF) {
      start += 3;
    }
    scanned = stop + 1;
  }

  private void fill() throws IOException {
    if (pos > 0) {
      System.arraycopy(buf, pos, buf, 0, limit - pos);
      limit -= pos;
      scanned -= pos;
      pos = 0;
    }
    if (limit == buf.length) {
      if (buf.length > Input.MAX_ARRAY / 2) {
        throw new DataException(name, "row " + (line + 1),
            "line longer than " + buf.length + " bytes");
      }
      buf = java.util.Arrays.copyOf(buf, buf.length * 2);
    }
    int n = in.read(buf, limit, buf.length - limit);
    if (n < 0) eof = true;
    else limit += n;
  }

  /** True when the current line holds only spaces and tabs. */
  boolean blank() {
    for (int i = start; i < end; i++) if (buf[i] != ' ' && buf[i] != '\t') return false;
    return true;
  }
}
