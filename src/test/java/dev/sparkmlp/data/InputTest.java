package dev.sparkmlp.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class InputTest {
  /** Records whether close() was called. */
  private static final class Watched extends FilterInputStream {
    boolean closed;

    Watched(byte[] bytes) {
      super(new ByteArrayInputStream(bytes));
    }

    @Override
    public void close() throws IOException {
      closed = true;
      super.close();
    }
  }

  @Test
  void readersLeaveTheCallersStreamOpen() throws IOException {
    byte[] csv = "1,2,0\n".getBytes(StandardCharsets.UTF_8);
    Watched raw = new Watched(csv);
    Csv.read(raw, "a.csv", CsvOptions.classification());
    assertFalse(raw.closed);
    Watched gz = new Watched(TestFiles.gzip(csv));
    Csv.read(gz, "a.csv.gz", CsvOptions.classification());
    assertFalse(gz.closed);
  }

  @Test
  void gzipIsDetectedByContentNotName() throws IOException {
    byte[] text = "hello".getBytes(StandardCharsets.UTF_8);
    try (InputStream in = Input.open(new ByteArrayInputStream(TestFiles.gzip(text)), "x.txt")) {
      assertArrayEquals(text, in.readAllBytes());
    }
    try (InputStream in = Input.open(new ByteArrayInputStream(text), "x.gz")) {
      assertArrayEquals(text, in.readAllBytes());
    }
    // A single byte 0x1f is not gzip.
    try (InputStream in = Input.open(new ByteArrayInputStream(new byte[] {0x1f}), "one")) {
      assertArrayEquals(new byte[] {0x1f}, in.readAllBytes());
    }
  }

  @Test
  void corruptGzipNamesFileAndOffset() {
    byte[] gz = TestFiles.gzip(new byte[10_000]);
    gz[gz.length - 8] ^= 0x40; // the first byte of the CRC-32 trailer
    DataException e = assertThrows(DataException.class, () -> {
      try (InputStream in = Input.open(new ByteArrayInputStream(gz), "z.gz")) {
        in.readAllBytes();
      }
    });
    assertEquals("z.gz", e.source());
    assertEquals("byte 10000", e.location());
    assertEquals("z.gz: byte 10000: gzip data is corrupt (Corrupt GZIP trailer)", e.getMessage());
  }
}
