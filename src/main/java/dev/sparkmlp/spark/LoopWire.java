package dev.sparkmlp.spark;

import dev.sparkmlp.train.Gradient;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.function.BooleanSupplier;

/**
 * The byte format of a cluster's step loop ({@link LoopServer} describes the messages), one
 * instance per reading or writing side of a connection. Its scratch buffer and the arrays it
 * reads into are reused from step to step, so a step allocates nothing on either side once the
 * arrays have their size. Not thread-safe.
 */
final class LoopWire {
  private static final int CHUNK_FLOATS = 1 << 14;
  private final byte[] scratch = new byte[CHUNK_FLOATS * 4];
  private final ByteBuffer buf = ByteBuffer.wrap(scratch);
  private final BooleanSupplier killed;

  /** @param killed checked whenever a read times out (SO_TIMEOUT); true ends the read */
  LoopWire(BooleanSupplier killed) {
    this.killed = killed;
  }

  /** n, then n floats; n = -1 for null. */
  void writeFloats(DataOutputStream out, float[] a) throws IOException {
    if (a == null) {
      out.writeInt(-1);
      return;
    }
    out.writeInt(a.length);
    for (int at = 0; at < a.length; ) {
      int n = Math.min(a.length - at, CHUNK_FLOATS);
      buf.clear();
      buf.asFloatBuffer().put(a, at, n);
      out.write(scratch, 0, n * 4);
      at += n;
    }
  }

  /**
   * The inverse of {@link #writeFloats}: into {@code reuse} when it has the length read, else
   * into a new array; null for n = -1.
   */
  float[] readFloats(InputStream in, float[] reuse) throws IOException {
    int n = readInt(in);
    if (n < 0) return null;
    float[] a = reuse != null && reuse.length == n ? reuse : new float[n];
    for (int at = 0; at < n; ) {
      int k = Math.min(n - at, CHUNK_FLOATS);
      readFully(in, k * 4);
      buf.clear();
      buf.asFloatBuffer().get(a, at, k);
      at += k;
    }
    return a;
  }

  /** A big-endian int, as DataOutputStream writes it. */
  int readInt(InputStream in) throws IOException {
    readFully(in, 4);
    return buf.getInt(0);
  }

  /** A big-endian long. */
  long readLong(InputStream in) throws IOException {
    readFully(in, 8);
    return buf.getLong(0);
  }

  /** A task's sum of step {@code seq}, computed in {@code nanos} ({@code cpu} of CPU). */
  void writeSum(DataOutputStream out, int seq, Gradient g, long nanos, long cpu)
      throws IOException {
    out.writeInt(seq);
    out.writeDouble(g.lossSum);
    out.writeLong(g.count);
    out.writeLong(g.correct);
    out.writeInt(g.shards);
    out.writeLong(nanos);
    out.writeLong(cpu);
    writeFloats(out, g.grad);
    writeFloats(out, g.grad == null ? null : g.batchStats);
    out.flush();
  }

  /** The compute times of the last sum read: wall and CPU nanoseconds. */
  long nanos;
  long cpuNanos;

  /**
   * The inverse of {@link #writeSum} after its seq: into {@code g}, whose arrays are reused when
   * their sizes match; the times into {@link #nanos} and {@link #cpuNanos}. Modified: g.
   */
  void readSum(InputStream in, Gradient g) throws IOException {
    g.lossSum = Double.longBitsToDouble(readLong(in));
    g.count = readLong(in);
    g.correct = readLong(in);
    g.shards = readInt(in);
    nanos = readLong(in);
    cpuNanos = readLong(in);
    g.grad = readFloats(in, g.grad);
    float[] stats = readFloats(in, g.batchStats);
    g.batchStats = g.grad == null ? null : stats;
  }

  /** Reads exactly {@code len} bytes into the scratch buffer. */
  private void readFully(InputStream in, int len) throws IOException {
    int at = 0;
    while (at < len) {
      int n;
      try {
        n = in.read(scratch, at, len - at);
      } catch (SocketTimeoutException e) {
        if (killed.getAsBoolean()) throw new IOException("the task was killed");
        continue;
      }
      if (n < 0) throw new IOException("the connection closed");
      at += n;
    }
  }
}
