package dev.sparkmlp.spark;

import dev.sparkmlp.spark.StepTasks.StepOp;
import dev.sparkmlp.train.Gradient;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.apache.spark.TaskContext;
import scala.runtime.AbstractFunction1;

/**
 * A task of a step loop on a cluster: connects to the driver's {@link LoopServer}, then computes
 * its partition's sum of every step the driver sends, at the weights that come with it, and sends
 * the sum back, until the driver ends the loop. What it computes is what a per-step job's task
 * computes ({@link StepOp}), so the sums are bitwise the same. Returns the steps it served.
 */
final class RemoteLoopTask extends AbstractFunction1<scala.collection.Iterator<ShardBlock>,
    scala.collection.Iterator<Integer>> implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

  private final LoopServer.Address driver;
  /** Everything of a step but its epoch, step and weights. */
  private final StepOp template;
  private final boolean timeCompute;

  RemoteLoopTask(LoopServer.Address driver, StepOp template, boolean timeCompute) {
    this.driver = driver;
    this.template = template;
    this.timeCompute = timeCompute;
  }

  @Override
  public scala.collection.Iterator<Integer> apply(scala.collection.Iterator<ShardBlock> it) {
    TaskContext task = TaskContext.get();
    int p = task.partitionId();
    List<ShardBlock> shards = StepTasks.blocks(it);
    BooleanSupplier killed = task::isInterrupted;
    int served = 0;
    try (Socket s = new Socket()) {
      s.setTcpNoDelay(true);
      s.connect(new InetSocketAddress(driver.host(), driver.port()),
          LoopServer.CONNECT_TIMEOUT_MILLIS);
      s.setSoTimeout(LoopServer.READ_POLL_MILLIS);
      DataOutputStream out =
          new DataOutputStream(new BufferedOutputStream(s.getOutputStream(), 1 << 16));
      out.writeLong(driver.loopId());
      out.writeLong(driver.token0());
      out.writeLong(driver.token1());
      out.writeInt(p);
      out.flush();
      DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 1 << 16));
      byte[] header = new byte[12];
      ByteBuffer h = ByteBuffer.wrap(header);
      float[] params = null;
      float[] buffers = null;
      Gradient g = new Gradient();
      while (true) {
        LoopServer.readFully(in, header, 4, killed);
        int seq = h.getInt(0);
        if (seq == 0) break;
        LoopServer.readFully(in, header, 8, killed);
        int epoch = h.getInt(0);
        int step = h.getInt(4);
        params = readInto(in, params, killed);
        buffers = readInto(in, buffers, killed);
        long t0 = System.nanoTime();
        long cpu0 = timeCompute ? CPU.getCurrentThreadCpuTime() : 0;
        StepOp op = template.at(epoch, step);
        StepWeights w = new StepWeights(params, buffers);
        g.clear();
        Gradient sum = g;
        for (ShardBlock b : shards) sum = op.call(sum, b, w);
        long nanos = timeCompute ? System.nanoTime() - t0 : 0;
        long cpu = timeCompute ? CPU.getCurrentThreadCpuTime() - cpu0 : 0;
        LoopServer.writeSum(out, seq, sum, nanos, cpu);
        served++;
      }
    } catch (IOException e) {
      if (killed.getAsBoolean()) return scala.collection.Iterator$.MODULE$.single(served);
      throw new IllegalStateException("partition " + p + "'s step loop lost the driver at "
          + driver.host() + ":" + driver.port() + ": " + e.getMessage(), e);
    }
    return scala.collection.Iterator$.MODULE$.single(served);
  }

  /** An int n, then n floats, into {@code a} when it has that length, else a new array. */
  private static float[] readInto(DataInputStream in, float[] a, BooleanSupplier killed)
      throws IOException {
    byte[] n4 = new byte[4];
    LoopServer.readFully(in, n4, 4, killed);
    int n = ByteBuffer.wrap(n4).getInt();
    float[] out = a != null && a.length == n ? a : new float[n];
    LoopServer.readFloats(in, out, killed);
    return out;
  }
}
