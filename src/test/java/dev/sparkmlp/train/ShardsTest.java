package dev.sparkmlp.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ShardsTest {

  @Test
  void shardsAreBalancedDisjointAndCoverEveryRow() {
    Shards s = Shards.assign(1003, 4, 7);
    boolean[] seen = new boolean[1003];
    for (int p = 0; p < 4; p++) {
      assertTrue(s.size(p) == 250 || s.size(p) == 251, "size " + s.size(p));
      int prev = -1;
      for (int r : s.rows(p)) {
        assertTrue(r > prev, "ascending within a shard");
        prev = r;
        assertTrue(!seen[r], "row " + r + " in two shards");
        seen[r] = true;
      }
    }
    for (boolean b : seen) assertTrue(b);
  }

  @Test
  void layoutIsFixedBySeed() {
    assertArrayEquals(Shards.assign(500, 3, 11).rows(1), Shards.assign(500, 3, 11).rows(1));
    assertNotEquals(Arrays.toString(Shards.assign(500, 3, 11).rows(1)),
        Arrays.toString(Shards.assign(500, 3, 12).rows(1)));
  }

  @Test
  void rowsPerStepSplitTheBatchWithTheRemainderOnTheFirstShards() {
    int[] b = new int[3];
    int total = 0;
    for (int p = 0; p < 3; p++) {
      b[p] = Shards.rowsPerStep(p, 3, 100);
      total += b[p];
    }
    assertArrayEquals(new int[] {34, 33, 33}, b);
    assertEquals(100, total);
  }

  @Test
  void stepsPerEpochIsLimitedByTheFullestShard() {
    // 1003 rows over 4 shards: 250 or 251 each; batch 100 = 25 per shard: 10 steps.
    assertEquals(10, Shards.assign(1003, 4, 1).stepsPerEpoch(100));
    // 60000 rows, 2 shards, batch 100: 600 steps.
    assertEquals(600, Shards.assign(60000, 2, 1).stepsPerEpoch(100));
    assertThrows(IllegalArgumentException.class, () -> Shards.assign(10, 4, 1).stepsPerEpoch(3));
    assertThrows(IllegalArgumentException.class, () -> Shards.assign(10, 2, 1).stepsPerEpoch(12));
    assertThrows(IllegalArgumentException.class, () -> Shards.assign(3, 4, 1));
  }

  @Test
  void epochOrderIsAPermutationThatChangesEachEpoch() {
    int[] a = new int[100];
    int[] b = new int[100];
    Shards.epochOrder(5, 0, 1, a, 100);
    Shards.epochOrder(5, 1, 1, b, 100);
    assertNotEquals(Arrays.toString(a), Arrays.toString(b));
    int[] sorted = a.clone();
    Arrays.sort(sorted);
    for (int i = 0; i < 100; i++) assertEquals(i, sorted[i]);
    int[] again = new int[100];
    Shards.epochOrder(5, 0, 1, again, 100);
    assertArrayEquals(a, again);
  }
}
