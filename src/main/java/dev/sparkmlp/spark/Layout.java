package dev.sparkmlp.spark;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.data.DataException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.HashPartitioner;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.CollectionAccumulator;
import scala.Tuple2;

/**
 * Puts rows into a cached RDD with exactly one {@link ShardBlock} per partition, partition p
 * holding shard p.
 *
 * <p>Rows the executors read in pieces ({@link FileBlocks}) travel as {@link ShardChunk}s keyed
 * by shard through one shuffle ({@link #cache}). Rows the driver holds are shipped by
 * {@link #ship}: by reference in local mode, one broadcast per shard on a cluster. Rows each
 * executor can read for its own partition are read there ({@link #read}). None derives the
 * cached RDD from {@code parallelize} of the rows: a task carries its partition object, and a
 * partition of {@code parallelize} holds its data, so every step's tasks would resend the
 * training set; here a partition is an index.
 */
final class Layout {
  private Layout() {}

  /** Contiguous row ranges: shard p holds rows [floor(p n / P), floor((p + 1) n / P)). */
  static int[][] contiguous(int n, int partitions) {
    int[][] rows = new int[partitions][];
    for (int p = 0; p < partitions; p++) {
      int lo = (int) ((long) p * n / partitions);
      int hi = (int) ((long) (p + 1) * n / partitions);
      rows[p] = new int[hi - lo];
      for (int i = lo; i < hi; i++) rows[p][i - lo] = i;
    }
    return rows;
  }

  /**
   * Ships driver-side rows into a cached RDD of one ShardBlock per shard, shard p holding rows
   * {@code shardRows[p]} (ascending) of {@code data}. On a cluster each shard goes out as a
   * broadcast of its own ({@link #broadcast}). In local mode the executors run in this JVM, so
   * each shard's block is gathered here and handed to its task by reference (as the step's
   * weights are, see {@link ExecutorCache}): serializing the rows, writing and reading the
   * shuffle and reassembling the blocks took about 4 s of a 5.5-6.3 s load of MNIST (60,000
   * training and 10,000 test rows) and bought nothing. Either way the blocks hold the same rows
   * in the same order.
   */
  static JavaRDD<ShardBlock> ship(JavaSparkContext jsc, Block data, int[][] shardRows,
      String name) {
    if (!jsc.isLocal()) return broadcast(jsc, data, shardRows, name);
    int partitions = shardRows.length;
    ShardBlock[] blocks = new ShardBlock[partitions];
    for (int p = 0; p < partitions; p++) blocks[p] = shard(data, shardRows, p);
    long id = NEXT_HANDOFF.incrementAndGet();
    HANDED_OFF.put(id, blocks);
    try {
      return materialize(
          jsc.parallelize(indices(partitions), partitions).map(new FromHandOff(id)),
          partitions, name);
    } finally {
      HANDED_OFF.remove(id);
    }
  }

  /**
   * Ships shard p's rows as a broadcast of their own, and makes partition p of the cached RDD that
   * broadcast's value. One job of one task per shard fetches the rows from the driver's block
   * manager in pieces (spark.broadcast.blockSize), where parallelize would send them inside a
   * task each (under 1 MiB apiece, so a few hundred tasks for MNIST) and a shuffle would then
   * write, read and reassemble them: on the loopback cluster that took 15.9 s of a 188 MB load.
   *
   * <p>The broadcasts live as long as the RDD, so that a partition lost with its executor is
   * rebuilt from its broadcast and the step that lost it sees the same rows; {@link Release#rdd}
   * destroys them with it. The driver keeps each shard's rows while they are broadcast, as the
   * parallelized chunks did.
   */
  static JavaRDD<ShardBlock> broadcast(JavaSparkContext jsc, Block data, int[][] shardRows,
      String name) {
    int partitions = shardRows.length;
    List<Broadcast<ShardBlock>> shards = new ArrayList<>(partitions);
    JavaRDD<ShardBlock> cached;
    try {
      for (int p = 0; p < partitions; p++) shards.add(jsc.broadcast(shard(data, shardRows, p)));
      cached = jsc.parallelize(indices(partitions), partitions).map(new FromBroadcast(shards));
    } catch (RuntimeException e) {
      for (Broadcast<ShardBlock> b : shards) Release.broadcast(b);
      throw e;
    }
    // From here Release.rdd destroys the broadcasts with the RDD, also when materializing fails.
    BROADCAST_ROWS.put(cached.id(), shards);
    return materialize(cached, partitions, name);
  }

  /** The broadcasts behind each RDD that {@link #broadcast} built, by RDD id. */
  private static final Map<Integer, List<Broadcast<ShardBlock>>> BROADCAST_ROWS =
      new ConcurrentHashMap<>();

  /** Destroys the broadcasts behind {@code rddId}, if {@link #broadcast} built it. */
  static void releaseRows(int rddId) {
    List<Broadcast<ShardBlock>> shards = BROADCAST_ROWS.remove(rddId);
    if (shards != null) for (Broadcast<ShardBlock> b : shards) Release.broadcast(b);
  }

  /** The broadcasts behind {@code rddId} if {@link #broadcast} built it and it is not released. */
  static List<Broadcast<ShardBlock>> broadcastsOf(int rddId) {
    return BROADCAST_ROWS.get(rddId);
  }

  /** Partition p's block: the value of broadcast p. */
  static final class FromBroadcast implements Function<Integer, ShardBlock> {
    private static final long serialVersionUID = 1L;
    private final List<Broadcast<ShardBlock>> shards;

    FromBroadcast(List<Broadcast<ShardBlock>> shards) {
      this.shards = new ArrayList<>(shards);
    }

    @Override
    public ShardBlock call(Integer p) {
      ShardBlock b = shards.get(p).value();
      if (b.partition != p) {
        throw new IllegalStateException("broadcast of shard " + b.partition + " in partition " + p);
      }
      return b;
    }
  }

  /**
   * Local mode: partition p's block, handed off by the driver. A plain object, not a lambda, which
   * Spark's closure cleaner would read the class files of.
   */
  private static final class FromHandOff implements Function<Integer, ShardBlock> {
    private static final long serialVersionUID = 1L;
    private final long id;

    FromHandOff(long id) {
      this.id = id;
    }

    @Override
    public ShardBlock call(Integer p) {
      return handedOff(id, p);
    }
  }

  private static ShardBlock shard(Block data, int[][] shardRows, int p) {
    int[] rows = shardRows[p];
    if (rows.length == 0) throw new IllegalStateException("shard " + p + " has no rows");
    return new ShardBlock(p, data.select(rows, 0, rows.length));
  }

  /** 0, 1, ..., partitions - 1: the elements of a parallelized RDD whose partition p holds p. */
  static List<Integer> indices(int partitions) {
    List<Integer> indices = new ArrayList<>(partitions);
    for (int p = 0; p < partitions; p++) indices.add(p);
    return indices;
  }

  /** Local mode: blocks gathered by the driver, by hand-off id, until their RDD is cached. */
  private static final Map<Long, ShardBlock[]> HANDED_OFF = new ConcurrentHashMap<>();
  private static final AtomicLong NEXT_HANDOFF = new AtomicLong();

  private static ShardBlock handedOff(long id, int p) {
    ShardBlock[] blocks = HANDED_OFF.get(id);
    if (blocks == null) {
      // Only a cached block evicted for lack of memory is computed again after the hand-off.
      throw new IllegalStateException("the cached rows of partition " + p + " were evicted from"
          + " memory and cannot be rebuilt in local mode: give the driver more memory"
          + " (--driver-memory)");
    }
    return blocks[p];
  }

  /**
   * Rows the executors read themselves, without a shuffle: partition p's block is
   * {@code read.call(p)}, cached and computed. {@code read} must give the same block each time it
   * is called for p: a partition lost with its executor is read again. A {@link DataException}
   * or {@link Unreadable} of {@code read} is thrown here, the one of the lowest partition when
   * several fail, and nothing stays cached; in this job it does not fail its task
   * ({@link Reads}), so Spark neither retries the read nor logs the failure.
   */
  static JavaRDD<ShardBlock> read(JavaSparkContext jsc, int partitions,
      Function<Integer, ShardBlock> read, String name) {
    CollectionAccumulator<Tuple2<Integer, RuntimeException>> errors =
        jsc.sc().collectionAccumulator("sparkmlp errors reading " + name);
    JavaRDD<ShardBlock> blocks = jsc.parallelize(indices(partitions), partitions)
        .flatMap(new Reads(read, errors));
    String before = jsc.getLocalProperty(READING);
    jsc.setLocalProperty(READING, "true");
    try {
      return materialize(blocks, partitions, name, () -> {
        Tuple2<Integer, RuntimeException> first = null;
        for (Tuple2<Integer, RuntimeException> e : errors.value()) {
          if (first == null || e._1() < first._1()) first = e;
        }
        return first == null ? null : first._2();
      });
    } finally {
      jsc.setLocalProperty(READING, before);
    }
  }

  /**
   * An executor cannot read its rows as the driver planned them, for example because it does not
   * see the file the driver saw: reading on the driver may still work.
   */
  static final class Unreadable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unreadable(String message) {
      super(message);
    }
  }

  /** A job property set while {@link #read} lays out the rows. */
  private static final String READING = "sparkmlp.reading";

  /**
   * Partition p's block, read. In {@link #read}'s own job a DataException or Unreadable becomes
   * an error value and no block; in a later job (a lost partition read again) it fails the task,
   * since a partition must not come back empty.
   */
  private static final class Reads implements FlatMapFunction<Integer, ShardBlock> {
    private static final long serialVersionUID = 1L;
    private final Function<Integer, ShardBlock> read;
    private final CollectionAccumulator<Tuple2<Integer, RuntimeException>> errors;

    Reads(Function<Integer, ShardBlock> read,
        CollectionAccumulator<Tuple2<Integer, RuntimeException>> errors) {
      this.read = read;
      this.errors = errors;
    }

    @Override
    public Iterator<ShardBlock> call(Integer p) throws Exception {
      try {
        return List.of(read.call(p)).iterator();
      } catch (DataException | Unreadable e) {
        TaskContext task = TaskContext.get();
        if (task == null || !"true".equals(task.getLocalProperty(READING))) throw e;
        errors.add(new Tuple2<>(p, e));
        return java.util.Collections.emptyIterator();
      }
    }
  }

  /**
   * Shuffles chunks keyed by shard into {@code partitions} partitions (an Integer key p hashes to
   * partition p), joins each partition's chunks into its ShardBlock, caches and materializes the
   * result. A {@link DataException} thrown by a task while building the chunks reaches the caller
   * as itself, and nothing stays cached.
   */
  static JavaRDD<ShardBlock> cache(JavaPairRDD<Integer, ShardChunk> keyed, int partitions,
      String name) {
    return materialize(keyed.partitionBy(new HashPartitioner(partitions))
        .mapPartitionsWithIndex(Layout::assemble, true), partitions, name);
  }

  /**
   * Names, caches and computes {@code blocks}, checking that each of the {@code partitions}
   * partitions holds one block. On failure nothing stays cached ({@link Release#rdd}) and a
   * {@link DataException} thrown by a task reaches the caller as itself ({@link #unwrap}).
   */
  private static JavaRDD<ShardBlock> materialize(JavaRDD<ShardBlock> blocks, int partitions,
      String name) {
    return materialize(blocks, partitions, name, () -> null);
  }

  /** As above; after the count, {@code failed} gives an error the tasks reported, or null. */
  private static JavaRDD<ShardBlock> materialize(JavaRDD<ShardBlock> blocks, int partitions,
      String name, java.util.function.Supplier<RuntimeException> failed) {
    blocks.setName(name).persist(StorageLevel.MEMORY_ONLY());
    try {
      long n = blocks.count();
      RuntimeException error = failed.get();
      if (error != null) throw error;
      if (n != partitions) {
        throw new IllegalStateException(
            "expected one block per partition, found " + n + " in " + partitions);
      }
    } catch (Exception e) {
      Release.rdd(blocks);
      throw unwrap(e);
    }
    return blocks;
  }

  /** Joins partition p's chunks in ascending id order. */
  static Iterator<ShardBlock> assemble(int p, Iterator<Tuple2<Integer, ShardChunk>> it) {
    List<ShardChunk> chunks = new ArrayList<>();
    int rows = 0;
    while (it.hasNext()) {
      ShardChunk c = it.next()._2();
      if (c.shard != p) {
        throw new IllegalStateException("chunk of shard " + c.shard + " in partition " + p);
      }
      chunks.add(c);
      rows += c.ids.length;
    }
    if (chunks.isEmpty()) throw new IllegalStateException("partition " + p + " received no rows");
    chunks.sort(Comparator.comparingInt(c -> c.ids[0]));
    Block first = chunks.get(0).rows;
    int d = first.features;
    int k = first.targetWidth;
    float[] x = new float[rows * d];
    float[] y = new float[rows * k];
    int[] labels = first.labels == null ? null : new int[rows];
    int at = 0;
    int lastId = -1;
    for (ShardChunk c : chunks) {
      if (c.ids[0] <= lastId) {
        throw new IllegalStateException("overlapping chunks in partition " + p);
      }
      lastId = c.ids[c.ids.length - 1];
      Block b = c.rows;
      System.arraycopy(b.x, 0, x, at * d, b.rows * d);
      System.arraycopy(b.y, 0, y, at * k, b.rows * k);
      if (labels != null) System.arraycopy(b.labels, 0, labels, at, b.rows);
      at += b.rows;
    }
    return List.of(new ShardBlock(p, new Block(rows, d, k, x, y, labels))).iterator();
  }

  /**
   * A DataException (or {@link Unreadable}) thrown by a task, which Spark wraps in a
   * SparkException (a checked exception that Scala methods throw undeclared); otherwise e, as an
   * unchecked exception.
   */
  static RuntimeException unwrap(Exception e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof DataException d) return d;
      if (t instanceof Unreadable u) return u;
    }
    return e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e);
  }
}
