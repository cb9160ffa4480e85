package dev.sparkmlp.spark;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.nn.Workspace;
import dev.sparkmlp.train.Gradient;
import dev.sparkmlp.train.Shards;
import java.io.Serializable;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.Partitioner;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.CollectionAccumulator;
import scala.Tuple2;
import scala.runtime.AbstractFunction1;
import scala.runtime.AbstractFunction2;
import scala.runtime.BoxedUnit;

/**
 * The functions of {@link SparkGradients}' per-step jobs: what a task computes ({@link StepOp}),
 * the task functions of depth 1 and 2, the partitioner of the depth-2 shuffle and the driver's
 * result handler. All are plain objects rather than Scala lambdas, which Spark's closure cleaner
 * passes over without reading class files.
 */
final class StepTasks {
  private static final ThreadMXBean CPU_TIME = ManagementFactory.getThreadMXBean();

  private StepTasks() {}

  /** Adds every block of a partition into {@code g} with {@code op}; returns the sum. */
  private static Gradient sumAll(StepOp op, Gradient g,
      scala.collection.Iterator<ShardBlock> it) {
    while (it.hasNext()) g = op.call(g, it.next());
    return g;
  }

  /** A task of the depth-1 job: its partition's gradient. */
  static final class PartitionTask
      extends AbstractFunction2<TaskContext, scala.collection.Iterator<ShardBlock>, Gradient>
      implements Serializable {
    private static final long serialVersionUID = 1L;
    private final StepOp op;
    private final boolean handBack;

    /**
     * @param handBack local mode: sum into the partition's reused Gradient in this JVM and
     *     return an empty one, instead of returning a new one that Spark serializes
     */
    PartitionTask(StepOp op, boolean handBack) {
      this.op = op;
      this.handBack = handBack;
    }

    @Override
    public Gradient apply(TaskContext task, scala.collection.Iterator<ShardBlock> it) {
      if (!handBack) {
        return sumAll(op, new Gradient(), it);
      }
      int p = task.partitionId();
      Gradient g = ExecutorCache.resultBuffer(op.runId, p);
      g.clear();
      g = sumAll(op, g, it);
      ExecutorCache.handBack(op.runId, p, op.epoch, op.step, g);
      return new Gradient();
    }
  }

  /**
   * A task of a {@link StepLoop} job (a barrier stage over the cached blocks): its partition's sum
   * of every step the driver posts to the loop, until the loop ends. Returns the steps it served.
   */
  static final class LoopTask extends AbstractFunction1<scala.collection.Iterator<ShardBlock>,
      scala.collection.Iterator<Integer>> implements Serializable {
    private static final long serialVersionUID = 1L;
    private final long loopId;
    private final long runId;

    LoopTask(long loopId, long runId) {
      this.loopId = loopId;
      this.runId = runId;
    }

    @Override
    public scala.collection.Iterator<Integer> apply(scala.collection.Iterator<ShardBlock> it) {
      TaskContext task = TaskContext.get();
      int p = task.partitionId();
      List<ShardBlock> shards = blocks(it);
      StepLoop loop = StepLoop.attach(loopId);
      // A retried attempt sums into a buffer of its own: the first may still be writing its.
      Gradient g = task.attemptNumber() == 0 ? ExecutorCache.resultBuffer(runId, p) : new Gradient();
      int served = 0;
      long[] times = loop.timed() ? new long[2] : null;
      try {
        for (StepLoop.Request r = loop.next(0, task::isInterrupted); r != null;
            r = loop.next(r.seq(), task::isInterrupted)) {
          loop.serve(p, r, g, shards, times);
          served++;
        }
      } catch (InterruptedException e) {
        // Spark killed the task with an interrupt; it ignores what a killed task returns.
        Thread.currentThread().interrupt();
      }
      return scala.collection.Iterator$.MODULE$.single(served);
    }
  }

  /** A partition's blocks (one, as laid out), held for the steps of a loop. */
  static List<ShardBlock> blocks(scala.collection.Iterator<ShardBlock> it) {
    List<ShardBlock> shards = new ArrayList<>(1);
    while (it.hasNext()) shards.add(it.next());
    return shards;
  }

  /**
   * {@code op} over a partition's blocks, summed into {@code into} (cleared first), at {@code w}
   * (null: the op's own weights). When {@code times} is given, the wall and CPU nanoseconds it
   * took go into times[0] and times[1]. Returns the sum. Modified: into, times.
   */
  static Gradient sumBlocks(StepOp op, StepWeights w, List<ShardBlock> blocks, Gradient into,
      long[] times) {
    ExecutorWarmup.stopForStep();
    long t0 = System.nanoTime();
    long cpu0 = times == null ? 0 : CPU_TIME.getCurrentThreadCpuTime();
    into.clear();
    Gradient g = into;
    for (ShardBlock b : blocks) g = w == null ? op.call(g, b) : op.call(g, b, w);
    if (times != null) {
      times[0] = System.nanoTime() - t0;
      times[1] = CPU_TIME.getCurrentThreadCpuTime() - cpu0;
    }
    return g;
  }

  /** The result of a task whose iterator holds one value: that value. */
  static final class Single<T>
      extends AbstractFunction1<scala.collection.Iterator<T>, T> implements Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public T apply(scala.collection.Iterator<T> it) {
      return it.next();
    }
  }

  /** A map task of the depth-2 job: (its partition index, its partition's gradient). */
  static final class KeyedTask extends AbstractFunction2<Object,
      scala.collection.Iterator<ShardBlock>, scala.collection.Iterator<Tuple2<Integer, Gradient>>>
      implements Serializable {
    private static final long serialVersionUID = 1L;
    private final StepOp op;

    KeyedTask(StepOp op) {
      this.op = op;
    }

    @Override
    public scala.collection.Iterator<Tuple2<Integer, Gradient>> apply(Object partition,
        scala.collection.Iterator<ShardBlock> it) {
      Gradient g = sumAll(op, new Gradient(), it);
      return scala.collection.Iterator$.MODULE$.single(new Tuple2<>((Integer) partition, g));
    }
  }

  /** Sends partition p to group p / size: groups of consecutive partitions, as the sum tree. */
  static final class GroupPartitioner extends Partitioner {
    private static final long serialVersionUID = 1L;
    private final int partitions;
    private final int size;

    GroupPartitioner(int partitions, int size) {
      this.partitions = partitions;
      this.size = size;
    }

    @Override
    public int numPartitions() {
      return (partitions + size - 1) / size;
    }

    @Override
    public int getPartition(Object key) {
      return (Integer) key / size;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof GroupPartitioner g && g.partitions == partitions && g.size == size;
    }

    @Override
    public int hashCode() {
      return 31 * partitions + size;
    }
  }

  /**
   * A reduce task of the depth-2 job: group k's partition sums arrive in the order their map
   * tasks finished; each is put in its partition's slot, and the slots are added in partition
   * order.
   */
  static final class GroupTask extends AbstractFunction2<TaskContext,
      scala.collection.Iterator<Tuple2<Integer, Gradient>>, Gradient> implements Serializable {
    private static final long serialVersionUID = 1L;
    private final int partitions;
    private final int size;

    GroupTask(int partitions, int size) {
      this.partitions = partitions;
      this.size = size;
    }

    @Override
    public Gradient apply(TaskContext task,
        scala.collection.Iterator<Tuple2<Integer, Gradient>> it) {
      int k = task.partitionId();
      int first = k * size;
      Gradient[] slots = new Gradient[Math.min(partitions, first + size) - first];
      while (it.hasNext()) {
        Tuple2<Integer, Gradient> kv = it.next();
        int at = kv._1() - first;
        if (at < 0 || at >= slots.length || slots[at] != null) {
          throw new IllegalStateException("group " + k + " received the sum of partition "
              + kv._1() + (at >= 0 && at < slots.length ? " twice" : ", not one of its own"));
        }
        slots[at] = kv._2();
      }
      for (int i = 0; i < slots.length; i++) {
        if (slots[i] == null) {
          throw new IllegalStateException(
              "group " + k + " lacks the sum of partition " + (first + i));
        }
      }
      return Shards.sumInOrder(slots, 0, slots.length);
    }
  }

  /**
   * Stores each task's result at its partition index; runs on the driver. The result handler of
   * the steps' jobs and of {@link SparkEvaluation}'s.
   */
  static final class Collect<T> extends AbstractFunction2<Object, T, BoxedUnit> {
    private final T[] parts;

    Collect(T[] parts) {
      this.parts = parts;
    }

    @Override
    public BoxedUnit apply(Object partition, T result) {
      parts[(Integer) partition] = result;
      return BoxedUnit.UNIT;
    }
  }

  /** One partition's gradient of one step, added into {@code acc}. Modified: acc. */
  static final class StepOp implements Function2<Gradient, ShardBlock, Gradient> {
    private static final long serialVersionUID = 1L;
    final long runId;
    private final Broadcast<Network> net;
    private final Broadcast<StepWeights> weights;
    private final long seed;
    final int epoch;
    final int step;
    private final int batch;
    private final int partitions;
    private final int workspaceRows;
    private final int microBatch;
    private final CollectionAccumulator<long[]> computeNanos;

    StepOp(long runId, Broadcast<Network> net, Broadcast<StepWeights> weights,
        long seed, int epoch, int step, int batch, int partitions,
        int workspaceRows, int microBatch, CollectionAccumulator<long[]> computeNanos) {
      this.runId = runId;
      this.net = net;
      this.weights = weights;
      this.seed = seed;
      this.epoch = epoch;
      this.step = step;
      this.batch = batch;
      this.partitions = partitions;
      this.workspaceRows = workspaceRows;
      this.microBatch = microBatch;
      this.computeNanos = computeNanos;
    }

    /** The same computation for another (epoch, step), its weights given at the call. */
    StepOp at(int epoch, int step) {
      return new StepOp(runId, net, null, seed, epoch, step, batch, partitions, workspaceRows,
          microBatch, null);
    }

    /** This op with its weights in {@code w}, for a step computed by a job of its own. */
    StepOp withWeights(Broadcast<StepWeights> w) {
      return new StepOp(runId, net, w, seed, epoch, step, batch, partitions, workspaceRows,
          microBatch, computeNanos);
    }

    @Override
    public Gradient call(Gradient acc, ShardBlock shard) {
      return call(acc, shard, weights != null ? weights.value() : ExecutorCache.handedOff(runId));
    }

    /** {@link #call(Gradient, ShardBlock)} at the weights {@code w}. Modified: acc. */
    Gradient call(Gradient acc, ShardBlock shard, StepWeights w) {
      ExecutorCache.Run run = ExecutorCache.run(runId, net::value);
      long t0 = System.nanoTime();
      long cpu0 = computeNanos == null ? 0 : CPU_TIME.getCurrentThreadCpuTime();
      int p = shard.partition;
      TaskContext task = TaskContext.get();
      if (task != null && task.partitionId() != p) {
        throw new IllegalStateException("shard " + p + " found in partition " + task.partitionId());
      }
      Block b = shard.block;
      int[] order = run.order(seed, epoch, p, b.rows);
      int rows = Shards.rowsPerStep(p, partitions, batch);
      Workspace ws = run.acquire(workspaceRows);
      try {
        ws.reset();
        Shards.accumulate(run.net, w.params, w.buffers, b, order, step * rows, step * rows + rows,
            microBatch, Shards.dropoutKey(seed, epoch, step, p), ws);
        acc.add(ws.grad(), ws.batchStats(), ws.lossSum(), ws.count(), ws.correct());
      } finally {
        run.release(ws);
      }
      if (computeNanos != null) {
        computeNanos.add(
            new long[] {System.nanoTime() - t0, CPU_TIME.getCurrentThreadCpuTime() - cpu0});
      }
      return acc;
    }
  }
}
