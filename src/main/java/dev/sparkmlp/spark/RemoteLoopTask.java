package dev.sparkmlp.spark;

import dev.sparkmlp.spark.StepTasks.StepOp;
import dev.sparkmlp.train.Gradient;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.net.InetSocketAddress;
import java.net.Socket;
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
      LoopWire wire = new LoopWire(killed);
      float[] params = null;
      float[] buffers = null;
      Gradient g = new Gradient();
      long[] times = timeCompute ? new long[2] : null;
      while (true) {
        int seq = wire.readInt(in);
        if (seq == 0) break;
        int epoch = wire.readInt(in);
        int step = wire.readInt(in);
        params = wire.readFloats(in, params);
        buffers = wire.readFloats(in, buffers);
        Gradient sum = StepTasks.sumBlocks(template.at(epoch, step),
            new StepWeights(params, buffers), shards, g, times);
        wire.writeSum(out, seq, sum, times == null ? 0 : times[0], times == null ? 0 : times[1]);
        served++;
      }
    } catch (IOException e) {
      if (killed.getAsBoolean()) return scala.collection.Iterator$.MODULE$.single(served);
      throw new IllegalStateException("partition " + p + "'s step loop lost the driver at "
          + driver.host() + ":" + driver.port() + ": " + e.getMessage(), e);
    }
    return scala.collection.Iterator$.MODULE$.single(served);
  }
}
