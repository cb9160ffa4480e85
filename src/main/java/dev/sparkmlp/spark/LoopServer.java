package dev.sparkmlp.spark;

import dev.sparkmlp.train.Gradient;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.SecureRandom;

/**
 * A step loop's channel between the driver and executors in other JVMs (a cluster): the driver
 * listens on a port of its own, each of the loop job's tasks connects to it, and through that
 * connection the driver sends each step (its epoch, step and weights) and the task sends back
 * its partition's sum. In local mode the loop needs none of this: tasks and driver share
 * {@link StepLoop} in one JVM.
 *
 * <pre>
 * task -> driver, once:   loopId (long), token (2 longs), partition (int)
 * driver -> task, a step: seq (int, > 0), epoch (int), step (int), params (int n, n floats),
 *                         buffers (int m, m floats);  the loop's end: seq = 0
 * task -> driver, a sum:  seq, lossSum (double), count, correct (longs), shards (int),
 *                         nanos, cpuNanos (longs), grad (int n, n floats; n = -1: empty),
 *                         batchStats (int m, m floats)
 * </pre>
 *
 * <p>Only a task that names the current loop and its random 128-bit token (which reaches the
 * executors inside the task, through Spark's own RPC) is served. The channel is not encrypted:
 * with Spark's RPC or I/O encryption on, the weights would cross it in the clear, so
 * {@link SparkGradients} then keeps a job per step. Any broken connection while the loop runs
 * fails the loop; the driver then computes the step with a job of its own and stops looping.
 */
final class LoopServer implements AutoCloseable {
  /** How long a task waits to connect before its attempt fails. */
  static final int CONNECT_TIMEOUT_MILLIS = 10_000;
  /** How long a task blocks in a read before it checks whether Spark killed it. */
  static final int READ_POLL_MILLIS = 100;

  private static final SecureRandom RANDOM = new SecureRandom();

  private final ServerSocket server;
  private final String host;
  private final Thread acceptor;
  private volatile Current current;
  private volatile boolean closed;

  /** The loop being served, its token, its tasks' connections and the step to send on connect. */
  private static final class Current {
    final StepLoop loop;
    final long token0;
    final long token1;
    final Connection[] tasks;
    /** The posted step, sent to a task that connects after the post; null before the first. */
    StepLoop.Request pending;
    StepWeights pendingWeights;

    Current(StepLoop loop, int partitions) {
      this.loop = loop;
      this.token0 = RANDOM.nextLong();
      this.token1 = RANDOM.nextLong();
      this.tasks = new Connection[partitions];
    }
  }

  /**
   * Listens on {@code bindAddress} (any port), advertising {@code host} to the tasks.
   *
   * @throws IllegalStateException when the address cannot be bound
   */
  LoopServer(String bindAddress, String host) {
    try {
      server = new ServerSocket();
      server.bind(new InetSocketAddress(InetAddress.getByName(bindAddress), 0));
    } catch (IOException e) {
      throw new IllegalStateException("cannot listen for step-loop tasks on " + bindAddress + ": "
          + e.getMessage(), e);
    }
    this.host = host;
    acceptor = new Thread(this::accept, "sparkmlp step-loop server :" + server.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
    Thread idle = new Thread(this::watchIdle, "sparkmlp step-loop idle watch");
    idle.setDaemon(true);
    idle.start();
  }

  /**
   * Ends the current loop when the driver has posted no step for {@link StepLoop#IDLE_NANOS}
   * after the last one was complete, as a local loop's tasks do themselves.
   */
  private void watchIdle() {
    while (!closed) {
      Current c = current;
      if (c != null && c.loop.endIfIdle(StepLoop.IDLE_NANOS)) end();
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** What a task needs to reach the driver and to be served: host, port, loop id, token. */
  record Address(String host, int port, long loopId, long token0, long token1)
      implements java.io.Serializable {}

  /** Serves {@code loop} from now on (a previous loop's connections are closed). */
  Address serve(StepLoop loop, int partitions) {
    Current old = current;
    Current c = new Current(loop, partitions);
    current = c;
    if (old != null) closeAll(old);
    return new Address(host, server.getLocalPort(), loop.id, c.token0, c.token1);
  }

  /** Sends the posted step to every connected task of the current loop. */
  void post(StepLoop.Request r, StepWeights w) {
    Current c = current;
    synchronized (c) {
      c.pending = r;
      c.pendingWeights = w;
    }
    for (Connection t : connections(c)) t.sendStep(r, w);
  }

  /** Tells the current loop's tasks that it ended; they return. */
  void end() {
    Current c = current;
    if (c == null) return;
    for (Connection t : connections(c)) t.sendEnd();
  }

  private void accept() {
    while (!closed) {
      Socket s;
      try {
        s = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      Thread handshake = new Thread(() -> register(s), "sparkmlp step-loop handshake");
      handshake.setDaemon(true);
      handshake.start();
    }
  }

  /** Reads a task's handshake and, when it names the current loop, serves it. */
  private void register(Socket s) {
    Current c = current;
    int p;
    Connection conn;
    try {
      s.setTcpNoDelay(true);
      s.setSoTimeout(CONNECT_TIMEOUT_MILLIS);
      DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 1 << 16));
      long id = in.readLong();
      long t0 = in.readLong();
      long t1 = in.readLong();
      p = in.readInt();
      if (c == null || id != c.loop.id || t0 != c.token0 || t1 != c.token1 || p < 0
          || p >= c.tasks.length || c.loop.ended()) {
        s.close();
        return;
      }
      s.setSoTimeout(0);
      conn = new Connection(s, in);
    } catch (IOException e) {
      closeQuietly(s);
      return;
    }
    Connection replaced;
    StepLoop.Request r;
    StepWeights w;
    synchronized (c) {
      replaced = c.tasks[p];
      c.tasks[p] = conn;
      r = c.pending;
      w = c.pendingWeights;
    }
    if (replaced != null) replaced.close();
    if (r != null) conn.sendStep(r, w);
    conn.read(c.loop, p);
  }

  /** Closes the current loop's connections, as a lost executor would; for tests. */
  void dropConnections() {
    Current c = current;
    if (c == null) return;
    for (Connection t : connections(c)) closeQuietly(t.socket);
  }

  @Override
  public void close() {
    closed = true;
    closeQuietly(server);
    Current c = current;
    if (c != null) closeAll(c);
  }

  private static void closeAll(Current c) {
    java.util.List<Connection> targets = connections(c);
    synchronized (c) {
      java.util.Arrays.fill(c.tasks, null);
    }
    for (Connection t : targets) t.close();
  }

  /** The loop's connected tasks, as they are now. */
  private static java.util.List<Connection> connections(Current c) {
    java.util.List<Connection> out = new java.util.ArrayList<>();
    synchronized (c) {
      for (Connection t : c.tasks) {
        if (t != null) out.add(t);
      }
    }
    return out;
  }

  private static void closeQuietly(java.io.Closeable c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // Closing: nothing to do.
    }
  }

  /** The driver's end of one task's connection. */
  private static final class Connection {
    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;
    /** Reading runs on the connection's thread, writing under its lock: a wire each. */
    private final LoopWire reader = new LoopWire(() -> false);
    private final LoopWire writer = new LoopWire(() -> false);
    /**
     * The task's sum, reused from step to step: the driver is done with a step's sums before it
     * posts the next step, and the task sends the next sum only after that.
     */
    private final Gradient sum = new Gradient();
    private volatile boolean closing;

    Connection(Socket socket, DataInputStream in) throws IOException {
      this.socket = socket;
      this.in = in;
      this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 1 << 16));
    }

    synchronized void sendStep(StepLoop.Request r, StepWeights w) {
      try {
        out.writeInt(r.seq());
        out.writeInt(r.op().epoch);
        out.writeInt(r.op().step);
        writer.writeFloats(out, w.params);
        writer.writeFloats(out, w.buffers);
        out.flush();
      } catch (IOException e) {
        close(); // the reader sees it and fails the loop
      }
    }

    synchronized void sendEnd() {
      try {
        out.writeInt(0);
        out.flush();
      } catch (IOException e) {
        close();
      }
    }

    /** Delivers the task's sums to {@code loop} until the connection ends. */
    void read(StepLoop loop, int p) {
      try {
        while (true) {
          int seq = reader.readInt(in);
          reader.readSum(in, sum);
          loop.deliver(p, seq, sum, reader.nanos, reader.cpuNanos);
        }
      } catch (IOException e) {
        if (!closing && !loop.ended()) {
          loop.fail(new IllegalStateException("the step loop lost partition " + p
              + "'s task (" + e + ")"));
        }
      } finally {
        close();
      }
    }

    void close() {
      closing = true;
      closeQuietly(socket);
    }
  }
}
