package dev.sparkmlp.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest {
  @TempDir Path dir;

  /** Three 2x3 images whose pixel i of image n is 40 * n + 50 * i (mod 256), so 255 occurs too. */
  private static byte[] pixels() {
    byte[] p = new byte[3 * 6];
    for (int n = 0; n < 3; n++) {
      for (int i = 0; i < 6; i++) p[n * 6 + i] = (byte) ((40 * n + 50 * i) % 256);
    }
    p[17] = (byte) 255;
    return p;
  }

  private static final byte[] LABELS = {7, 0, 9};

  private Block read(byte[] images, byte[] labels) throws IOException {
    Path ip = TestFiles.write(dir, "images.idx", images);
    Path lp = TestFiles.write(dir, "labels.idx", labels);
    try (InputStream i = TestFiles.open(ip); InputStream l = TestFiles.open(lp)) {
      return Idx.read(i, ip.toString(), l, lp.toString(), 10);
    }
  }

  private void assertContent(Block b) {
    assertEquals(3, b.rows);
    assertEquals(6, b.features);
    assertEquals(10, b.targetWidth);
    byte[] p = pixels();
    for (int i = 0; i < p.length; i++) assertEquals(p[i] & 0xFF, b.x[i], "pixel " + i);
    assertEquals(255f, b.x[17]);
    assertArrayEquals(new int[] {7, 0, 9}, b.labels);
    float[] row0 = Arrays.copyOfRange(b.y, 0, 10);
    assertArrayEquals(new float[] {0, 0, 0, 0, 0, 0, 0, 1, 0, 0}, row0);
    assertEquals(1f, b.y[2 * 10 + 9]);
  }

  @Test
  void readsRawFiles() throws IOException {
    assertContent(read(TestFiles.idxImages(3, 2, 3, pixels()), TestFiles.idxLabels(LABELS)));
  }

  @Test
  void readsGzipFiles() throws IOException {
    assertContent(read(TestFiles.gzip(TestFiles.idxImages(3, 2, 3, pixels())),
        TestFiles.gzip(TestFiles.idxLabels(LABELS))));
  }

  @Test
  void readsGzipImagesWithRawLabels() throws IOException {
    assertContent(read(TestFiles.gzip(TestFiles.idxImages(3, 2, 3, pixels())),
        TestFiles.idxLabels(LABELS)));
  }

  @Test
  void imagesAloneKeepShape() throws IOException {
    Path ip = TestFiles.write(dir, "im", TestFiles.idxImages(3, 2, 3, pixels()));
    try (InputStream in = TestFiles.open(ip)) {
      Idx.Images im = Idx.readImages(in, "im");
      assertEquals(3, im.count());
      assertEquals(2, im.rows());
      assertEquals(3, im.cols());
      assertEquals(18, im.pixels().length);
    }
  }

  private DataException fails(byte[] images, byte[] labels) {
    return assertThrows(DataException.class, () -> read(images, labels));
  }

  @Test
  void readImagesKeepsTheSelectedRecordsInFileOrder() throws IOException {
    byte[] p = pixels();
    for (byte[] file : new byte[][] {TestFiles.idxImages(3, 2, 3, p),
        TestFiles.gzip(TestFiles.idxImages(3, 2, 3, p))}) {
      float[] x = Idx.readImages(new java.io.ByteArrayInputStream(file), "i.idx",
          r -> r != 1, 2);
      assertEquals(12, x.length);
      for (int i = 0; i < 6; i++) {
        assertEquals(p[i] & 0xFF, x[i], "image 0 pixel " + i);
        assertEquals(p[12 + i] & 0xFF, x[6 + i], "image 2 pixel " + i);
      }
      assertEquals(0, Idx.readImages(new java.io.ByteArrayInputStream(file), "i.idx",
          r -> false, 0).length);
    }
    byte[] ok = TestFiles.idxImages(3, 2, 3, p);
    assertThrows(IllegalArgumentException.class, () -> Idx.readImages(
        new java.io.ByteArrayInputStream(ok), "i.idx", r -> true, 2));
    assertThrows(IllegalArgumentException.class, () -> Idx.readImages(
        new java.io.ByteArrayInputStream(ok), "i.idx", r -> r == 0, 2));
  }

  @Test
  void readImagesOfSomeRecordsFailsAsAFullRead() {
    byte[] full = TestFiles.idxImages(3, 2, 3, pixels());
    byte[] longer = Arrays.copyOf(full, full.length + 3);
    byte[] badMagic = full.clone();
    badMagic[3] = 1;
    for (byte[] bad : new byte[][] {Arrays.copyOf(full, full.length - 5),
        TestFiles.gzip(Arrays.copyOf(full, 30)), longer, badMagic, Arrays.copyOf(full, 10)}) {
      DataException all = assertThrows(DataException.class,
          () -> Idx.readImages(new java.io.ByteArrayInputStream(bad), "images.idx"));
      DataException some = assertThrows(DataException.class, () -> Idx.readImages(
          new java.io.ByteArrayInputStream(bad), "images.idx", r -> r == 2, 1));
      assertEquals(all.getMessage(), some.getMessage());
    }
  }

  @Test
  void truncatedImagesNameFileAndBytes() {
    byte[] full = TestFiles.idxImages(3, 2, 3, pixels());
    DataException e = fails(Arrays.copyOf(full, full.length - 5), TestFiles.idxLabels(LABELS));
    assertTrue(e.getMessage().contains("images.idx"), e.getMessage());
    assertTrue(e.getMessage().contains("expected 34 bytes"), e.getMessage());
    assertTrue(e.getMessage().contains("found 29"), e.getMessage());
  }

  @Test
  void truncatedGzipImagesNameFileAndBytes() {
    byte[] full = TestFiles.idxImages(3, 2, 3, pixels());
    DataException e = fails(TestFiles.gzip(Arrays.copyOf(full, 30)), TestFiles.idxLabels(LABELS));
    assertTrue(e.getMessage().contains("images.idx"), e.getMessage());
    assertTrue(e.getMessage().contains("expected 34 bytes"), e.getMessage());
    assertTrue(e.getMessage().contains("found 30"), e.getMessage());
  }

  @Test
  void cutGzipStreamIsADataException() {
    byte[] gz = TestFiles.gzip(TestFiles.idxImages(3, 2, 3, pixels()));
    DataException e = fails(Arrays.copyOf(gz, gz.length - 12), TestFiles.idxLabels(LABELS));
    assertTrue(e.getMessage().contains("images.idx"), e.getMessage());
    assertTrue(e.getMessage().contains("gzip"), e.getMessage());
  }

  @Test
  void truncatedLabels() {
    byte[] full = TestFiles.idxLabels(LABELS);
    DataException e = fails(TestFiles.idxImages(3, 2, 3, pixels()), Arrays.copyOf(full, 10));
    assertTrue(e.getMessage().contains("labels.idx"), e.getMessage());
    assertTrue(e.getMessage().contains("expected 11 bytes"), e.getMessage());
    assertTrue(e.getMessage().contains("found 10"), e.getMessage());
  }

  @Test
  void trailingGarbage() {
    byte[] im = TestFiles.concat(TestFiles.idxImages(3, 2, 3, pixels()), new byte[] {1, 2, 3});
    DataException e = fails(im, TestFiles.idxLabels(LABELS));
    assertTrue(e.getMessage().contains("images.idx"), e.getMessage());
    assertTrue(e.getMessage().contains("expected 34 bytes"), e.getMessage());
    assertTrue(e.getMessage().contains("found 37"), e.getMessage());
  }

  @Test
  void wrongMagic() {
    byte[] im = TestFiles.idxImages(3, 2, 3, pixels());
    im[3] = 4;
    DataException e = fails(im, TestFiles.idxLabels(LABELS));
    assertTrue(e.getMessage().startsWith(dir.resolve("images.idx") + ": header: magic number 2052"),
        e.getMessage());
  }

  @Test
  void swappedFilesAreRecognised() {
    DataException e = fails(TestFiles.idxLabels(LABELS), TestFiles.idxImages(3, 2, 3, pixels()));
    assertTrue(e.getMessage().contains("images.idx: header"), e.getMessage());
    assertTrue(e.getMessage().contains("marks an IDX label file"), e.getMessage());
  }

  @Test
  void imageHeaderReadsTheHeaderOnly() throws Exception {
    // 3 images of 2x3 announced; the pixels are cut short, which only a full read notices.
    byte[] im = TestFiles.idxImages(3, 2, 3, pixels());
    byte[] header = Arrays.copyOf(im, 16);
    Idx.ImageHeader h = Idx.imageHeader(new java.io.ByteArrayInputStream(header), "h.idx");
    assertEquals(new Idx.ImageHeader(3, 2, 3), h);
    assertEquals(6, h.pixels());
    assertEquals(3, Idx.labelCount(new java.io.ByteArrayInputStream(TestFiles.idxLabels(LABELS)),
        "labels.idx"));
    DataException e = assertThrows(DataException.class, () -> Idx.imageHeader(
        new java.io.ByteArrayInputStream(TestFiles.idxLabels(LABELS)), "labels.idx"));
    assertTrue(e.getMessage().startsWith("labels.idx: header"), e.getMessage());
    DataException z = assertThrows(DataException.class, () -> Idx.imageHeader(
        new java.io.ByteArrayInputStream(TestFiles.idxImages(3, 0, 3, new byte[0])), "z.idx"));
    assertTrue(z.getMessage().contains("z.idx: header: image size 0x3"), z.getMessage());
  }

  @Test
  void zeroDimension() {
    DataException e = fails(TestFiles.idxImages(3, 0, 3, new byte[0]), TestFiles.idxLabels(LABELS));
    assertTrue(e.getMessage().contains("images.idx: header: image size 0x3"), e.getMessage());
  }

  @Test
  void hugeCountIsNotAllocatedBeforeCheckingLength() {
    DataException e = fails(TestFiles.idxImages(3_000_000, 28, 28, pixels()),
        TestFiles.idxLabels(LABELS));
    assertTrue(e.getMessage().contains("images.idx: header"), e.getMessage());
    assertTrue(e.getMessage().contains("more than one block can hold"), e.getMessage());
    DataException f = fails(TestFiles.idxImages(1_000_000, 28, 28, pixels()),
        TestFiles.idxLabels(LABELS));
    assertTrue(f.getMessage().contains("expected 784000016 bytes"), f.getMessage());
  }

  @Test
  void shortHeader() {
    DataException e = fails(new byte[] {0, 0, 8}, TestFiles.idxLabels(LABELS));
    assertTrue(e.getMessage().contains("images.idx: header: file has only 3 bytes"),
        e.getMessage());
  }

  @Test
  void countMismatchNamesBothFiles() {
    DataException e = fails(TestFiles.idxImages(3, 2, 3, pixels()),
        TestFiles.idxLabels(new byte[] {1, 2}));
    assertTrue(e.getMessage().contains("images.idx"), e.getMessage());
    assertTrue(e.getMessage().contains("labels.idx"), e.getMessage());
    assertTrue(e.getMessage().contains("3 images"), e.getMessage());
    assertTrue(e.getMessage().contains("2 labels"), e.getMessage());
  }

  @Test
  void labelOutOfRangeNamesRecord() {
    DataException e = fails(TestFiles.idxImages(3, 2, 3, pixels()),
        TestFiles.idxLabels(new byte[] {1, 2, 10}));
    assertTrue(e.getMessage().contains("labels.idx: record 2: label 10 is outside [0, 10)"),
        e.getMessage());
  }

  @Test
  void defaultLabelsName() {
    assertEquals("/d/mnist/train-labels-idx1-ubyte.gz",
        Idx.defaultLabelsName("/d/mnist/train-images-idx3-ubyte.gz"));
    assertEquals("hdfs://nn/x/t10k-labels-idx1-ubyte",
        Idx.defaultLabelsName("hdfs://nn/x/t10k-images-idx3-ubyte"));
    assertEquals("a/b-labels-idx1", Idx.defaultLabelsName("a/b-images-idx3"));
    assertThrows(IllegalArgumentException.class, () -> Idx.defaultLabelsName("/d/pixels.bin"));
  }
}
