package dev.sparkmlp.train;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.math.Rng;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.nn.Workspace;

/**
 * The mini-batch layout shared by every gradient source, so that P Spark partitions and P local
 * shards follow the same trajectory.
 *
 * <pre>
 * load:   perm = permutation(N, key(seed, PARTITION)); shard p holds perm[lo(p) .. lo(p+1)),
 *         lo(p) = floor(p * N / P), so shard sizes differ by at most one.
 * epoch:  shard p visits its rows in the order permutation(n_p, key(seed, SHUFFLE, epoch, p)).
 * step s: shard p takes the next b_p rows of that order, b_p = B / P plus one for p < B mod P.
 *         With a micro-batch m > 0 it accumulates them m at a time: rows [c, min(b_p, c + m)) of
 *         the step for c = 0, m, 2m, ..., each chunk's sum added into the shard's sum in turn.
 * sum:    the shard sums are added in a fixed tree: group k holds shards [k g, min(P, (k+1) g)),
 *         each group is summed in shard order, then the group sums in group order, with
 *         g = sumGroupSize(P) = P up to P = 32 (one group: a plain sum in shard order), else
 *         ceil(sqrt(P)).
 * </pre>
 *
 * An epoch has {@code min_p floor(n_p / b_p)} steps; the rows a shard does not reach in an epoch
 * differ from epoch to epoch because the order does.
 */
public final class Shards {
  /**
   * Up to this many shards, the shard sums are added in one run in shard order; above, in groups
   * (see {@link #sumGroupSize}).
   */
  public static final int FLAT_SUM_MAX = 32;

  private final long seed;
  private final int[][] rows;

  private Shards(long seed, int[][] rows) {
    this.seed = seed;
    this.rows = rows;
  }

  /** Spreads {@code n} rows over {@code shards} shards in a seeded, balanced way. */
  public static Shards assign(int n, int shards, long seed) {
    if (shards <= 0) throw new IllegalArgumentException("shard count must be positive: " + shards);
    if (n < shards) {
      throw new IllegalArgumentException(
          "cannot spread " + n + " rows over " + shards + " shards: use fewer partitions");
    }
    int[] perm = new int[n];
    Rng.permutation(Rng.key(seed, Rng.PARTITION), perm, n);
    int[][] rows = new int[shards][];
    for (int p = 0; p < shards; p++) {
      int lo = (int) ((long) p * n / shards);
      int hi = (int) ((long) (p + 1) * n / shards);
      rows[p] = java.util.Arrays.copyOfRange(perm, lo, hi);
      // Ascending order within a shard: better memory locality, and the order is irrelevant
      // because every epoch reshuffles.
      java.util.Arrays.sort(rows[p]);
    }
    return new Shards(seed, rows);
  }

  public int count() {
    return rows.length;
  }

  /** The dataset rows of shard p, ascending. Not to be modified. */
  public int[] rows(int p) {
    return rows[p];
  }

  public int size(int p) {
    return rows[p].length;
  }

  /** Rows shard p of {@code shards} contributes to each step of a global batch of {@code batch}. */
  public static int rowsPerStep(int p, int shards, int batch) {
    return batch / shards + (p < batch % shards ? 1 : 0);
  }

  /** Steps per epoch for a global batch: {@code min_p floor(n_p / b_p)}. */
  public int stepsPerEpoch(int batch) {
    return stepsPerEpoch(sizes(), batch);
  }

  /** Steps per epoch for shards of the given sizes. */
  public static int stepsPerEpoch(int[] sizes, int batch) {
    int shards = sizes.length;
    if (batch < shards) {
      throw new IllegalArgumentException("batch size " + batch + " is smaller than the "
          + shards + " shards/partitions: every shard needs at least one row per step");
    }
    int steps = Integer.MAX_VALUE;
    for (int p = 0; p < shards; p++) steps = Math.min(steps, sizes[p] / rowsPerStep(p, shards, batch));
    if (steps == 0) {
      throw new IllegalArgumentException("batch size " + batch + " is larger than the training set");
    }
    return steps;
  }

  public int[] sizes() {
    int[] s = new int[rows.length];
    for (int p = 0; p < rows.length; p++) s[p] = rows[p].length;
    return s;
  }

  /**
   * Writes the epoch's visiting order of shard p (positions 0..n_p-1 within the shard) into
   * {@code order}. Modified: order.
   */
  public static void epochOrder(long seed, int epoch, int p, int[] order, int n) {
    Rng.permutation(Rng.key(seed, Rng.SHUFFLE, epoch, p), order, n);
  }

  /**
   * How many consecutive shards of {@code shards} are summed together before the group sums are
   * added: {@code shards} itself up to {@link #FLAT_SUM_MAX}, else {@code ceil(sqrt(shards))}, so
   * that neither a group nor the list of group sums is much longer than sqrt(P). Float addition is
   * not associative: every gradient source adds in this tree, so that the same shard sums give
   * bitwise the same total whatever computes them and whenever each finishes.
   */
  public static int sumGroupSize(int shards) {
    if (shards <= 0) throw new IllegalArgumentException("shard count must be positive: " + shards);
    if (shards <= FLAT_SUM_MAX) return shards;
    int g = (int) Math.sqrt(shards);
    while ((long) g * g < shards) g++;
    return g;
  }

  /** Number of groups in the sum tree: {@code ceil(shards / sumGroupSize(shards))}. */
  public static int sumGroups(int shards) {
    int g = sumGroupSize(shards);
    return (shards + g - 1) / g;
  }

  /**
   * Adds the shard sums {@code parts[0..P)} in the tree of {@link #sumGroupSize}: each group in
   * shard order, then the group sums in group order, through {@link Gradient#merge}. Modified: the
   * parts (they are merged into in place); the returned Gradient is one of them.
   */
  public static Gradient sumInTree(Gradient[] parts) {
    int g = sumGroupSize(parts.length);
    Gradient total = null;
    for (int lo = 0; lo < parts.length; lo += g) {
      Gradient group = sumInOrder(parts, lo, Math.min(parts.length, lo + g));
      total = total == null ? group : total.merge(group);
    }
    return total;
  }

  /** parts[lo] + parts[lo+1] + ... + parts[hi-1], left to right. Modified: the parts. */
  public static Gradient sumInOrder(Gradient[] parts, int lo, int hi) {
    Gradient sum = parts[lo];
    for (int p = lo + 1; p < hi; p++) sum = sum.merge(parts[p]);
    return sum;
  }

  /**
   * Rows of the workspace a shard of {@code rowsPerStep} rows a step needs: all of them, or at
   * most {@code microBatch} when that is positive. This, not the global batch, bounds a worker's
   * activation memory.
   */
  public static int workspaceRows(int rowsPerStep, int microBatch) {
    return microBatch > 0 ? Math.min(rowsPerStep, microBatch) : rowsPerStep;
  }

  /**
   * Fails when {@code microBatch} would split a shard's rows of a step while the network has
   * batch norm, which normalises over the rows of one {@link Network#accumulate} call: the
   * statistics of micro-batches are not those of the batch. Also fails on a negative micro-batch.
   */
  public static void checkMicroBatch(Network net, int microBatch, int maxRowsPerStep) {
    checkMicroBatch(net, microBatch, maxRowsPerStep, "train.micro-batch");
  }

  /** As above, the error naming the setting {@code name} (a config key or an ML param). */
  public static void checkMicroBatch(Network net, int microBatch, int maxRowsPerStep,
      String name) {
    if (microBatch < 0) {
      throw new IllegalArgumentException(name + " must be 0 (off) or positive: " + microBatch);
    }
    if (microBatch > 0 && microBatch < maxRowsPerStep && net.bufferCount() > 0) {
      throw new IllegalArgumentException(name + " " + microBatch + " would split a"
          + " shard's " + maxRowsPerStep + " rows per step, but the network has batch norm, which"
          + " normalises over whole batches; raise it to " + maxRowsPerStep + " or set it to 0");
    }
  }

  /**
   * One shard's training pass of one step: rows {@code order[from..to)} of {@code block}, in
   * micro-batches of {@code microBatch} rows when that is positive (else in one call), each
   * drawing the dropout masks of its rows' positions in the step. Every gradient source calls
   * this, so that they add the micro-batch sums in the same order. Modified: ws (adds to its
   * sums).
   */
  public static void accumulate(Network net, float[] params, float[] buffers, Block block,
      int[] order, int from, int to, int microBatch, long dropoutKey, Workspace ws) {
    int m = microBatch > 0 ? microBatch : Math.max(1, to - from);
    for (int c = from; c < to; c += m) {
      net.accumulate(params, buffers, block, order, c, Math.min(to, c + m), dropoutKey, c - from,
          ws);
    }
  }

  /** The dropout stream of shard p at (epoch, step). */
  public static long dropoutKey(long seed, int epoch, int step, int p) {
    return Rng.key(seed, Rng.DROPOUT, epoch, step, p);
  }

  public long seed() {
    return seed;
  }
}
