package dev.sparkmlp.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sparkmlp.math.Vec;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The bias gradient's four-rows-a-pass sum against one row at a time. */
class DenseBiasGradientTest {

  /**
   * Every row count around the multiples of four, from a first row of 0 or 1, at widths below,
   * at and above a vector: the bits of adding the rows one at a time, in order. Values of mixed
   * magnitude make a changed order of additions show in the last bits.
   */
  @Test
  void fourRowsAPassGiveTheBitsOfOneRowAtATime() {
    Random rnd = new Random(11);
    int compared = 0;
    for (int out : new int[] {1, 10, 17, 128}) {
      for (int rows = 1; rows <= 11; rows++) {
        for (int r0 = 0; r0 <= 1 && r0 < rows; r0++) {
          float[] dy = new float[rows * out];
          for (int i = 0; i < dy.length; i++) {
            dy[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(7) - 3));
          }
          int b = 5;
          float[] fast = new float[b + out + 3];
          for (int j = 0; j < fast.length; j++) fast[j] = (float) rnd.nextGaussian();
          float[] slow = fast.clone();
          DenseLayer.addRows(dy, r0, rows, out, fast, b);
          for (int r = r0; r < rows; r++) Vec.add(out, dy, r * out, slow, b);
          assertArrayEquals(slow, fast, "out " + out + ", rows " + rows + ", from " + r0);
          compared++;
        }
      }
    }
    assertEquals(4 * (1 + 10 * 2), compared);
  }

  /** Known answer: 1 + (1 + 2 + 3 + 4 + 5) for the first unit, 10 x that for the second. */
  @Test
  void addsEveryRowFromTheFirst() {
    float[] dy = {1, 10, 2, 20, 3, 30, 4, 40, 5, 50};
    float[] grad = {7, 1, 1, 7};
    DenseLayer.addRows(dy, 0, 5, 2, grad, 1);
    assertArrayEquals(new float[] {7, 16, 151, 7}, grad);
    DenseLayer.addRows(dy, 4, 5, 2, grad, 1);
    assertArrayEquals(new float[] {7, 21, 201, 7}, grad);
  }
}
