package dev.sparkmlp.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The piece readers Spark executors use ({@link Csv#readPart}, {@link LibSvm#readPart}): a file
 * cut into pieces reads as the whole file does, with lines numbered within the file.
 */
class FilePiecesTest {
  static InputStream in(String s) {
    return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
  }

  static final String CSV = "x,y,label\n1,2,0\n\n3,4,1\n5,6,2\n7,8,1\n";

  @Test
  void csvPiecesJoinToTheWholeFile() throws IOException {
    CsvOptions opt = CsvOptions.classification().withClasses(3);
    Block whole = Csv.read(in(CSV), "f.csv", opt);
    Csv.Head head = Csv.head(in(CSV), "f.csv", opt);
    assertEquals(List.of("x", "y", "label"), head.names());
    assertEquals(3, head.columns());
    // Lines 1-3 (header, a row, a blank line), then lines 4-6.
    Block a = Csv.readPart(in("x,y,label\n1,2,0\n\n"), "f.csv", opt, head, true, 1);
    Block b = Csv.readPart(in("3,4,1\n5,6,2\n7,8,1\n"), "f.csv", opt, head, false, 4);
    assertEquals(1, a.rows);
    assertEquals(3, b.rows);
    float[] x = new float[8];
    System.arraycopy(a.x, 0, x, 0, 2);
    System.arraycopy(b.x, 0, x, 2, 6);
    assertArrayEquals(whole.x, x);
    assertArrayEquals(new int[] {1, 2, 1}, b.labels);
  }

  @Test
  void csvPieceErrorsNameTheLineInTheFile() {
    CsvOptions opt = CsvOptions.classification();
    Csv.Head head = new Csv.Head(List.of("x", "y", "label"), 3);
    DataException e = assertThrows(DataException.class,
        () -> Csv.readPart(in("3,4,1\n5,oops,2\n"), "f.csv", opt, head, false, 40));
    assertEquals("f.csv: row 41, column 2 'y': 'oops' is not a number", e.getMessage());
  }

  @Test
  void aSecondFileMustRepeatTheHeader() {
    CsvOptions opt = CsvOptions.classification();
    Csv.Head head = new Csv.Head(List.of("x", "y", "label"), 3);
    DataException e = assertThrows(DataException.class,
        () -> Csv.readPart(in("x,z,label\n1,2,0\n"), "g.csv", opt, head, true, 1));
    assertTrue(e.getMessage().startsWith("g.csv: row 1: header [x, z, label] differs"),
        e.getMessage());
  }

  @Test
  void aHeadWithoutHeaderIsData() throws IOException {
    Csv.Head head = Csv.head(in("\n1,2,0\n"), "f.csv", CsvOptions.classification());
    assertNull(head.names());
    Block b = Csv.readPart(in("\n1,2,0\n"), "f.csv", CsvOptions.classification().withClasses(2),
        head, true, 1);
    assertEquals(1, b.rows, "the first line is data, not skipped");
  }

  @Test
  void libsvmPiecesKeepWholeFileFacts() throws IOException {
    LibSvm.Part a = LibSvm.readPart(in("-1 1:0.5\n+1 3:2\n"), "s.txt", 0, Task.CLASSIFICATION, 1);
    LibSvm.Part b = LibSvm.readPart(in("1 2:1\n"), "s.txt", 0, Task.CLASSIFICATION, 3);
    assertEquals(3, a.maxIndex());
    assertEquals(2, b.maxIndex());
    assertTrue(a.onlyPlusMinusOne() && b.onlyPlusMinusOne());
    assertTrue(a.anyMinusOne());
    assertFalse(b.anyMinusOne(), "alone, b would not map its labels; the whole file does");
    Block whole = LibSvm.read(in("-1 1:0.5\n+1 3:2\n1 2:1\n"), "s.txt", 0, Task.CLASSIFICATION, 0);
    Block pa = a.toBlock(3, 2, true);
    Block pb = b.toBlock(3, 2, true);
    assertArrayEquals(whole.labels, new int[] {pa.labels[0], pa.labels[1], pb.labels[0]});
    assertArrayEquals(new float[] {0, 1, 0}, pb.x);
    DataException e = assertThrows(DataException.class,
        () -> LibSvm.readPart(in("1 2:1 2:3\n"), "s.txt", 0, Task.CLASSIFICATION, 9));
    assertEquals("s.txt: row 9, token 3: index 2 follows index 2; indices must ascend",
        e.getMessage());
  }
}
