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
    LoopServer.writeFloats(out, a);
    LoopServer.writeFloats(out, null);
    Gradient g = new Gradient();
    g.add(new float[] {1.5f, -2f}, new float[] {0.25f}, 3.5, 7, 4);
    LoopServer.writeSum(out, 9, g, 11, 12);
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()));
    assertArrayEquals(a, LoopServer.readFloats(in), "bit for bit, across the 16 Ki chunks");
    assertNull(LoopServer.readFloats(in));
    assertEquals(9, in.readInt());
    assertEquals(3.5, in.readDouble());
    assertEquals(7, in.readLong());
    assertEquals(4, in.readLong());
    assertEquals(1, in.readInt());
    assertEquals(11, in.readLong());
    assertEquals(12, in.readLong());
    assertArrayEquals(new float[] {1.5f, -2f}, LoopServer.readFloats(in));
    assertArrayEquals(new float[] {0.25f}, LoopServer.readFloats(in));
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
