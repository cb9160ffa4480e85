package dev.sparkmlp.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The peak heap that {@link DriverMemoryIT} reads from a driver's GC log. */
final class GcLogPeakTest {
  @Test
  void peakIsTheLargestOccupancyBeforeACollectionOrAtExit() {
    String log = """
        [0.008s][info][gc] Using G1
        [0.601s][info][gc] GC(0) Pause Young (Concurrent Start) (G1 Humongous Allocation) 182M->2M(380M) 5.320ms
        [0.601s][info][gc] GC(1) Concurrent Undo Cycle
        [0.700s][info][gc] GC(2) Pause Young (Normal) (G1 Evacuation Pause) 201M->40M(380M) 3.1ms
        [0.769s][info][gc,heap,exit] Heap
        [0.769s][info][gc,heap,exit]  garbage-first heap   total 443392K, used 144941K [0x00000000e0000000, 0x0000000100000000)
        """;
    assertEquals(201L << 20, DriverMemoryIT.peakHeap(log));
    String bigExit = log.replace("used 144941K", "used 300000K");
    assertEquals(300000L << 10, DriverMemoryIT.peakHeap(bigExit));
    assertEquals(0, DriverMemoryIT.peakHeap("[0.008s][info][gc] Using G1\n"));
    assertEquals(1L << 30, DriverMemoryIT.peakHeap("GC(7) Pause Full 1G->300M(1G) 90ms"));
  }
}
