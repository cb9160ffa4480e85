package dev.sparkmlp.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkmlp.train.Gradient;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import org.junit.jupiter.api.Test;

/** The cluster step loop's channel without Spark: its wire format, its handshake, its errors. */
class LoopServerTest {
  @Test
  void floatsAndSumsRoundTripTheWire() throws IOException {
    float[] a = new float[40_000];
    for (int i = 0; i < a.length; i++) a[i] = (float) Math.sin(i) * 1e-3f;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    LoopWire writer = new LoopWire(() -> false);
    writer.writeFloats(out, a);
    writer.writeFloats(out, null);
    Gradient g = new Gradient();
    g.add(new float[] {1.5f, -2f}, new float[] {0.25f}, 3.5, 7, 4);
    writer.writeSum(out, 9, g, 11, 12);
    writer.writeSum(out, 10, g, 13, 14);
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()));
    LoopWire reader = new LoopWire(() -> false);
    assertArrayEquals(a, reader.readFloats(in, null), "bit for bit, across the 16 Ki chunks");
    assertNull(reader.readFloats(in, new float[3]));
    assertEquals(9, reader.readInt(in));
    Gradient read = new Gradient();
    reader.readSum(in, read);
    assertEquals(3.5, read.lossSum);
    assertEquals(7, read.count);
    assertEquals(4, read.correct);
    assertEquals(1, read.shards);
    assertEquals(11, reader.nanos);
    assertEquals(12, reader.cpuNanos);
    assertArrayEquals(new float[] {1.5f, -2f}, read.grad);
    assertArrayEquals(new float[] {0.25f}, read.batchStats);
    float[] arrays = read.grad;
    assertEquals(10, reader.readInt(in));
    reader.readSum(in, read);
    assertTrue(arrays == read.grad, "the next sum reuses the arrays");
    assertEquals(13, reader.nanos);
  }

  @Test
  void aTaskWithAWrongTokenIsNotServed() throws Exception {
    try (LoopServer server = new LoopServer("127.0.0.1", "127.0.0.1")) {
      StepLoop loop = StepLoop.open(2, false);
      LoopServer.Address at = server.serve(loop, 2);
      try (Socket s = new Socket(at.host(), at.port())) {
        s.setSoTimeout(10_000);
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        out.writeLong(at.loopId());
        out.writeLong(at.token0() + 1);
        out.writeLong(at.token1());
        out.writeInt(0);
        out.flush();
        assertEquals(-1, s.getInputStream().read(), "the driver closes the connection");
      }
      loop.jobEnded(null);
    }
  }

  @Test
  void anAddressItCannotListenOnIsNamed() {
    // 203.0.113.0/24 is reserved for documentation (TEST-NET-3): no interface should have it.
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> new LoopServer("203.0.113.77", "203.0.113.77"));
    assertTrue(e.getMessage().startsWith("cannot listen for step-loop tasks on 203.0.113.77"),
        e.getMessage());
  }
}
