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

  @Test
  void theSumTreeIsFlatUpTo32ShardsThenGroupsOfCeilSqrt() {
    assertEquals(1, Shards.sumGroupSize(1));
    assertEquals(32, Shards.sumGroupSize(32));
    assertEquals(1, Shards.sumGroups(32));
    assertEquals(6, Shards.sumGroupSize(33), "6 * 6 = 36 >= 33 > 25");
    assertEquals(6, Shards.sumGroups(33));
    assertEquals(8, Shards.sumGroupSize(64));
    assertEquals(8, Shards.sumGroups(64));
    assertEquals(15, Shards.sumGroupSize(200), "15 * 15 = 225 >= 200 > 196");
    assertEquals(14, Shards.sumGroups(200), "13 groups of 15 and one of 5");
    assertEquals(100, Shards.sumGroupSize(10_000));
    assertThrows(IllegalArgumentException.class, () -> Shards.sumGroupSize(0));
  }

  @Test
  void sumInTreeAddsEachGroupInOrderThenTheGroupSums() {
    int shards = 200;
    int n = 64;
    float[][] x = new float[shards][n];
    long key = dev.sparkmlp.math.Rng.key(3, 9);
    for (int p = 0; p < shards; p++) {
      for (int i = 0; i < n; i++) {
        // Magnitudes over six decades, so that the order of additions shows in the rounding.
        x[p][i] = (float) (dev.sparkmlp.math.Rng.gaussian(key, (long) p * n + i)
            * Math.pow(10, (p * 7 + i) % 6));
      }
    }
    float[] expected = new float[n];
    float[] group = new float[n];
    double expectedLoss = 0;
    for (int k = 0; k < 14; k++) {
      java.util.Arrays.fill(group, 0f);
      double groupLoss = 0;
      for (int p = 15 * k; p < Math.min(shards, 15 * k + 15); p++) {
        for (int i = 0; i < n; i++) group[i] += x[p][i];
        groupLoss += 0.1 * p;
      }
      for (int i = 0; i < n; i++) expected[i] += group[i];
      expectedLoss += groupLoss;
    }
    float[] flat = new float[n];
    for (int p = 0; p < shards; p++) for (int i = 0; i < n; i++) flat[i] += x[p][i];
    assertNotEquals(Arrays.toString(expected), Arrays.toString(flat),
        "the data must tell the tree from a plain sum in shard order");

    Gradient[] parts = new Gradient[shards];
    for (int p = 0; p < shards; p++) {
      parts[p] = new Gradient().add(x[p], new float[] {p}, 0.1 * p, 2, p % 2);
    }
    Gradient sum = Shards.sumInTree(parts);
    assertArrayEquals(expected, sum.grad);
    assertEquals(expectedLoss, sum.lossSum, 0);
    assertEquals(2 * shards, sum.count);
    assertEquals(shards / 2, sum.correct);
    assertEquals(shards, sum.shards);
    assertEquals(shards * (shards - 1) / 2, sum.batchStats[0], 0);
  }
}
