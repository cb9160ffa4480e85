package dev.sparkmlp.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CifarTest {
  @TempDir Path dir;

  /**
   * Records in the exact layout: label byte, then red plane, green plane, blue plane. Pixel (row,
   * col) of channel ch in record r holds (r * 7 + ch * 50 + row + col) mod 256.
   */
  private static byte[] records(int... labels) {
    byte[] out = new byte[labels.length * Cifar.RECORD];
    for (int r = 0; r < labels.length; r++) {
      int base = r * Cifar.RECORD;
      out[base] = (byte) labels[r];
      for (int ch = 0; ch < 3; ch++) {
        for (int row = 0; row < 32; row++) {
          for (int col = 0; col < 32; col++) {
            int v = (r * 7 + ch * 50 + row + col) % 256;
            out[base + 1 + ch * 1024 + row * 32 + col] = (byte) v;
          }
        }
      }
    }
    return out;
  }

  private Block read(String file, byte[] bytes) throws IOException {
    Path p = TestFiles.write(dir, file, bytes);
    try (InputStream in = TestFiles.open(p)) {
      return Cifar.read(in, file);
    }
  }

  @Test
  void readsThreeRecords() throws IOException {
    Block b = read("data_batch_1.bin", records(3, 9, 0));
    assertEquals(3, b.rows);
    assertEquals(3072, b.features);
    assertEquals(10, b.targetWidth);
    assertArrayEquals(new int[] {3, 9, 0}, b.labels);
    assertEquals(1f, b.y[3]);
    assertEquals(1f, b.y[10 + 9]);
    // record 1, green plane, row 2, col 5: (7 + 50 + 7) = 64
    assertEquals(64f, b.x[3072 + 1024 + 2 * 32 + 5]);
    // record 2, blue plane, row 31, col 31: (14 + 100 + 62) = 176
    assertEquals(176f, b.x[2 * 3072 + 2048 + 31 * 32 + 31]);
    assertEquals(0f, b.x[0]);
  }

  @Test
  void pixelsAbove127AreUnsigned() throws IOException {
    byte[] rec = records(1);
    rec[1] = (byte) 200;
    rec[3072] = (byte) 255;
    Block b = read("one.bin", rec);
    assertEquals(200f, b.x[0]);
    assertEquals(255f, b.x[3071]);
  }

  @Test
  void gzipIsDetected() throws IOException {
    Block b = read("batch.bin.gz", TestFiles.gzip(records(4, 5)));
    assertArrayEquals(new int[] {4, 5}, b.labels);
  }

  @Test
  void readAllConcatenatesInOrder() throws IOException {
    Path a = TestFiles.write(dir, "a.bin", records(1, 2));
    Path c = TestFiles.write(dir, "c.bin", records(8));
    try (InputStream ia = TestFiles.open(a); InputStream ic = TestFiles.open(c)) {
      Block b = Cifar.readAll(List.of(ia, ic), List.of("a.bin", "c.bin"));
      assertEquals(3, b.rows);
      assertArrayEquals(new int[] {1, 2, 8}, b.labels);
      // the record of c.bin is its own record 0
      assertEquals(0f, b.x[2 * 3072]);
    }
  }

  @Test
  void partialRecordIsAnError() {
    byte[] bytes = Arrays.copyOf(records(1, 2), 2 * Cifar.RECORD - 100);
    DataException e = assertThrows(DataException.class, () -> read("short.bin", bytes));
    assertTrue(e.getMessage().startsWith(
        "short.bin: byte 3073: length 6046 bytes is not a multiple"), e.getMessage());
    assertTrue(e.getMessage().contains("2973 bytes left over"), e.getMessage());
  }

  @Test
  void labelAboveNineNamesTheRecord() {
    DataException e = assertThrows(DataException.class, () -> read("bad.bin", records(1, 2, 10)));
    assertEquals("bad.bin: record 2: label 10 is outside [0, 10)", e.getMessage());
  }

  @Test
  void badLabelInSecondFileNamesThatFile() throws IOException {
    Path a = TestFiles.write(dir, "a.bin", records(1));
    Path c = TestFiles.write(dir, "c.bin", records(255));
    try (InputStream ia = TestFiles.open(a); InputStream ic = TestFiles.open(c)) {
      DataException e = assertThrows(DataException.class,
          () -> Cifar.readAll(List.of(ia, ic), List.of("a.bin", "c.bin")));
      assertEquals("c.bin: record 0: label 255 is outside [0, 10)", e.getMessage());
    }
  }

  @Test
  void emptyFile() {
    DataException e = assertThrows(DataException.class, () -> read("empty.bin", new byte[0]));
    assertTrue(e.getMessage().startsWith("empty.bin: "), e.getMessage());
    assertTrue(e.getMessage().contains("no records"), e.getMessage());
  }
}
