package dev.sparkmlp.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.train.Gradient;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import scala.reflect.ClassTag$;

/** Round trips through Spark's KryoSerializer with registration required; no SparkContext. */
class KryoRegistratorTest {
  static final SerializerInstance KRYO = new KryoSerializer(SparkMlpKryoRegistrator.configure(
      new SparkConf().set("spark.kryo.registrationRequired", "true"))).newInstance();

  @SuppressWarnings("unchecked")
  static <T> T roundTrip(T value) {
    ByteBuffer bytes = KRYO.serialize(value, ClassTag$.MODULE$.apply(Object.class));
    return (T) KRYO.deserialize(bytes, ClassTag$.MODULE$.apply(Object.class));
  }

  @Test
  void configureKeepsTheUsersRegistrators() {
    SparkConf conf = new SparkConf().set("spark.kryo.registrator", "com.example.Mine");
    SparkMlpKryoRegistrator.configure(conf);
    SparkMlpKryoRegistrator.configure(conf);
    assertEquals("com.example.Mine," + SparkMlpKryoRegistrator.class.getName(),
        conf.get("spark.kryo.registrator"));
    assertEquals("true", conf.get("spark.kryo.registrationRequired"));
    SparkConf off = SparkMlpKryoRegistrator.configure(
        new SparkConf().set("spark.kryo.registrationRequired", "false"));
    assertEquals("false", off.get("spark.kryo.registrationRequired"), "the user's choice stands");
  }

  @Test
  void gradientsKeepEmptinessAndValues() {
    Gradient empty = roundTrip(new Gradient());
    assertTrue(empty.isEmpty());
    assertNull(empty.batchStats);
    Gradient g = new Gradient();
    float[] grad = new float[70_001];
    for (int i = 0; i < grad.length; i++) grad[i] = (float) Math.sin(i) * 1e-3f;
    g.add(grad, new float[] {1.5f, -2f}, 12.25, 40, 33);
    Gradient back = roundTrip(g);
    assertArrayEquals(g.grad, back.grad);
    assertArrayEquals(g.batchStats, back.batchStats);
    assertEquals(12.25, back.lossSum);
    assertEquals(40, back.count);
    assertEquals(33, back.correct);
    assertEquals(1, back.shards);
  }

  @Test
  void blocksWeightsAndNetworksSurvive() {
    Block b = TestSpark.blobs(37, 4);
    ShardBlock s = roundTrip(new ShardBlock(3, b));
    assertEquals(3, s.partition);
    assertArrayEquals(b.x, s.block.x);
    assertArrayEquals(b.y, s.block.y);
    assertArrayEquals(b.labels, s.block.labels);
    Block reg = Block.regression(2, 2, new float[] {1, 2, 3, 4}, 1, new float[] {5, 6});
    ShardChunk c = roundTrip(new ShardChunk(1, new int[] {4, 9}, reg));
    assertArrayEquals(new int[] {4, 9}, c.ids);
    assertNull(c.rows.labels);
    assertArrayEquals(reg.y, c.rows.y);

    StepWeights w = roundTrip(new StepWeights(new float[] {1, 2, 3}, new float[0]));
    assertArrayEquals(new float[] {1, 2, 3}, w.params);
    assertEquals(0, w.buffers.length);

    Network net = Network.build(TestSpark.spec(0.1f, true));
    Network back = roundTrip(net);
    assertEquals(net.spec(), back.spec());
    assertEquals(net.paramCount(), back.paramCount());
    assertEquals(net.toString(), back.toString());
    assertEquals(net.spec().layers().get(0), roundTrip(net.spec().layers().get(0)));
    assertEquals(net.spec(), roundTrip(net.spec()));

    EvalSums e = roundTrip(new EvalSums(1.5, 2, 3, new double[] {4.5, 5.5}));
    assertEquals(3, e.count);
    assertArrayEquals(new double[] {4.5, 5.5}, e.extras);
    assertEquals(0, roundTrip(new EvalSums(0)).extras.length);
  }

  @Test
  void unregisteredClassesAreRefused() {
    // The registrationRequired setting is live: otherwise the tests above would prove little.
    Exception e = assertThrows(Exception.class, () -> roundTrip(new AtomicLong(3)));
    assertTrue(e.getMessage().contains("not registered"), e.getMessage());
  }
}
