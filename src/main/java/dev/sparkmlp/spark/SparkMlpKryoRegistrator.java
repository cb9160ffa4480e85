package dev.sparkmlp.spark;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import dev.sparkmlp.data.Block;
import dev.sparkmlp.math.Segments;
import dev.sparkmlp.nn.Activation;
import dev.sparkmlp.nn.Init;
import dev.sparkmlp.nn.LayerSpec;
import dev.sparkmlp.nn.Loss;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.nn.NetworkSpec;
import dev.sparkmlp.train.Gradient;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.IntFunction;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoRegistrator;

/**
 * Registers every class sparkmlp ships to or from executors, so that Spark can run with
 * {@code spark.kryo.registrationRequired=true}.
 *
 * <p>The per-step traffic (the weights broadcast, the gradient each task returns) and the one-time
 * data shuffle carry large float arrays; their serializers copy the arrays in bulk instead of
 * Kryo's element-by-element {@code writeFloat}. The network is shipped once per run and uses Java
 * serialization: its layer classes are package-private, and its records and immutable lists are
 * beyond Kryo 4's field serializer. Its parts are registered too, for code that ships them alone.
 */
public final class SparkMlpKryoRegistrator implements KryoRegistrator {
  /** Package-private classes of nn that may travel inside a network. */
  private static final String[] NN_INTERNALS = {
      "dev.sparkmlp.nn.Layer", "dev.sparkmlp.nn.DenseLayer", "dev.sparkmlp.nn.ActivationLayer",
      "dev.sparkmlp.nn.DropoutLayer", "dev.sparkmlp.nn.BatchNormLayer",
      "dev.sparkmlp.nn.LayerNormLayer"};

  /**
   * Sets the Kryo serializer and this registrator on {@code conf}, keeping registrators the user
   * configured. Registration is required unless the user set it otherwise. Modified: conf.
   */
  public static SparkConf configure(SparkConf conf) {
    conf.set("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
    String mine = SparkMlpKryoRegistrator.class.getName();
    String existing = conf.get("spark.kryo.registrator", "").trim();
    if (existing.isEmpty()) {
      conf.set("spark.kryo.registrator", mine);
    } else if (!java.util.Arrays.asList(existing.split("\\s*,\\s*")).contains(mine)) {
      conf.set("spark.kryo.registrator", existing + "," + mine);
    }
    conf.setIfMissing("spark.kryo.registrationRequired", "true");
    return conf;
  }

  @Override
  public void registerClasses(Kryo kryo) {
    Bulk bulk = new Bulk();
    kryo.register(float[].class);
    kryo.register(int[].class);
    kryo.register(long[].class);
    kryo.register(double[].class);
    kryo.register(byte[].class);
    kryo.register(Block.class, new BlockSerializer(bulk));
    kryo.register(ShardBlock.class, new ShardBlockSerializer());
    kryo.register(ShardChunk.class, new ShardChunkSerializer(bulk));
    kryo.register(StepWeights.class, new StepWeightsSerializer(bulk));
    kryo.register(Gradient.class, new GradientSerializer(bulk));
    kryo.register(EvalSums.class, new EvalSumsSerializer());
    kryo.register(EvalSums[].class);
    kryo.register(ShardBlock[].class);
    kryo.register(scala.Tuple2.class);
    kryo.register(scala.Tuple2[].class);

    JavaSerializer java = new JavaSerializer();
    kryo.register(Network.class, java);
    kryo.register(NetworkSpec.class, java);
    kryo.register(Segments.class, java);
    // Small results of reading data files on the executors (FileBlocks).
    kryo.register(FileParts.Info.class, java);
    kryo.register(FileParts.Info[].class);
    kryo.register(dev.sparkmlp.io.Fs.FileStat.class, java);
    kryo.register(dev.sparkmlp.io.Fs.FileStat[].class);
    kryo.register(dev.sparkmlp.data.FeatureStats.class, java);
    for (Class<?> c : LayerSpec.class.getPermittedSubclasses()) kryo.register(c, java);
    ClassLoader loader = SparkMlpKryoRegistrator.class.getClassLoader();
    for (String name : NN_INTERNALS) {
      try {
        kryo.register(Class.forName(name, false, loader), java);
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException("nn class " + name + " is missing: update "
            + SparkMlpKryoRegistrator.class.getSimpleName() + ".NN_INTERNALS", e);
      }
    }
    kryo.register(Activation.class);
    kryo.register(Init.class);
    kryo.register(Loss.class);
    // A file write's task results carry the written schema (FileData reads and predict writes
    // Parquet, ORC and CSV); Spark does not register these itself.
    for (Class<?> c : SCHEMA_CLASSES) kryo.register(c);
  }

  /** Schema classes of the data sets sparkmlp writes, and of its numeric columns. */
  private static final Class<?>[] SCHEMA_CLASSES = {
      org.apache.spark.sql.types.StructType.class, org.apache.spark.sql.types.StructField.class,
      org.apache.spark.sql.types.StructField[].class, org.apache.spark.sql.types.Metadata.class,
      org.apache.spark.sql.types.ArrayType.class, org.apache.spark.sql.types.FloatType$.class,
      org.apache.spark.sql.types.DoubleType$.class, org.apache.spark.sql.types.IntegerType$.class,
      org.apache.spark.sql.types.LongType$.class, org.apache.spark.sql.types.ShortType$.class,
      org.apache.spark.sql.types.ByteType$.class, org.apache.spark.sql.types.BooleanType$.class,
      org.apache.spark.sql.types.StringType.class, org.apache.spark.ml.linalg.VectorUDT.class};

  /**
   * Bulk copies of primitive arrays through a scratch buffer. A Kryo instance serializes on one
   * thread at a time, and each instance gets its own registrator call, so one scratch per call is
   * enough.
   */
  static final class Bulk {
    private static final int SCRATCH = 1 << 16;
    private final byte[] scratch = new byte[SCRATCH];
    private final ByteBuffer buf = ByteBuffer.wrap(scratch).order(ByteOrder.LITTLE_ENDIAN);

    /** Writes a nullable float[]: its length + 1 (0 for null), then the floats. */
    void writeFloats(Output out, float[] a) {
      write(out, a, a == null ? 0 : a.length);
    }

    float[] readFloats(Input in) {
      return read(in, float[]::new);
    }

    /** Writes a nullable int[] as {@link #writeFloats} does a float[]. */
    void writeInts(Output out, int[] a) {
      write(out, a, a == null ? 0 : a.length);
    }

    int[] readInts(Input in) {
      return read(in, int[]::new);
    }

    /** a is a float[] or an int[] (4 bytes an element) of length len, or null. */
    private void write(Output out, Object a, int len) {
      if (a == null) {
        out.writeVarInt(0, true);
        return;
      }
      out.writeVarInt(len + 1, true);
      for (int i = 0; i < len; i += SCRATCH / 4) {
        int n = Math.min(SCRATCH / 4, len - i);
        buf.clear();
        if (a instanceof float[] f) {
          buf.asFloatBuffer().put(f, i, n);
        } else {
          buf.asIntBuffer().put((int[]) a, i, n);
        }
        out.writeBytes(scratch, 0, n * 4);
      }
    }

    /** Reads what {@link #write} wrote into a new array from {@code make} (float[] or int[]). */
    private <A> A read(Input in, IntFunction<A> make) {
      int len = in.readVarInt(true) - 1;
      if (len < 0) return null;
      A a = make.apply(len);
      for (int i = 0; i < len; i += SCRATCH / 4) {
        int n = Math.min(SCRATCH / 4, len - i);
        in.readBytes(scratch, 0, n * 4);
        buf.clear();
        if (a instanceof float[] f) {
          buf.asFloatBuffer().get(f, i, n);
        } else {
          buf.asIntBuffer().get((int[]) a, i, n);
        }
      }
      return a;
    }
  }

  /** A serializer of a class with large arrays, which it writes through the shared {@link Bulk}. */
  private abstract static class BulkSerializer<T> extends Serializer<T> {
    final Bulk bulk;

    /** @param immutable Kryo may share instances instead of copying them */
    BulkSerializer(Bulk bulk, boolean immutable) {
      super(false, immutable);
      this.bulk = bulk;
    }
  }

  private static final class BlockSerializer extends BulkSerializer<Block> {
    BlockSerializer(Bulk bulk) {
      super(bulk, true);
    }

    @Override
    public void write(Kryo kryo, Output out, Block b) {
      out.writeVarInt(b.rows, true);
      out.writeVarInt(b.features, true);
      out.writeVarInt(b.targetWidth, true);
      bulk.writeFloats(out, b.x);
      bulk.writeFloats(out, b.y);
      bulk.writeInts(out, b.labels);
    }

    @Override
    public Block read(Kryo kryo, Input in, Class<Block> type) {
      int rows = in.readVarInt(true);
      int features = in.readVarInt(true);
      int width = in.readVarInt(true);
      float[] x = bulk.readFloats(in);
      float[] y = bulk.readFloats(in);
      return new Block(rows, features, width, x, y, bulk.readInts(in));
    }
  }

  private static final class ShardBlockSerializer extends Serializer<ShardBlock> {
    ShardBlockSerializer() {
      super(false, true);
    }

    @Override
    public void write(Kryo kryo, Output out, ShardBlock s) {
      out.writeVarInt(s.partition, true);
      kryo.writeObject(out, s.block);
    }

    @Override
    public ShardBlock read(Kryo kryo, Input in, Class<ShardBlock> type) {
      int p = in.readVarInt(true);
      return new ShardBlock(p, kryo.readObject(in, Block.class));
    }
  }

  private static final class ShardChunkSerializer extends BulkSerializer<ShardChunk> {
    ShardChunkSerializer(Bulk bulk) {
      super(bulk, true);
    }

    @Override
    public void write(Kryo kryo, Output out, ShardChunk c) {
      out.writeVarInt(c.shard, true);
      bulk.writeInts(out, c.ids);
      kryo.writeObject(out, c.rows);
    }

    @Override
    public ShardChunk read(Kryo kryo, Input in, Class<ShardChunk> type) {
      int shard = in.readVarInt(true);
      int[] ids = bulk.readInts(in);
      return new ShardChunk(shard, ids, kryo.readObject(in, Block.class));
    }
  }

  private static final class StepWeightsSerializer extends BulkSerializer<StepWeights> {
    StepWeightsSerializer(Bulk bulk) {
      super(bulk, true);
    }

    @Override
    public void write(Kryo kryo, Output out, StepWeights w) {
      bulk.writeFloats(out, w.params);
      bulk.writeFloats(out, w.buffers);
    }

    @Override
    public StepWeights read(Kryo kryo, Input in, Class<StepWeights> type) {
      return new StepWeights(bulk.readFloats(in), bulk.readFloats(in));
    }
  }

  /** The gradient keeps its emptiness: an empty zero value stays a few bytes. */
  private static final class GradientSerializer extends BulkSerializer<Gradient> {
    GradientSerializer(Bulk bulk) {
      super(bulk, false);
    }

    @Override
    public void write(Kryo kryo, Output out, Gradient g) {
      bulk.writeFloats(out, g.grad);
      bulk.writeFloats(out, g.batchStats);
      out.writeDouble(g.lossSum);
      out.writeVarLong(g.count, true);
      out.writeVarLong(g.correct, true);
      out.writeVarInt(g.shards, true);
    }

    @Override
    public Gradient read(Kryo kryo, Input in, Class<Gradient> type) {
      Gradient g = new Gradient();
      g.grad = bulk.readFloats(in);
      g.batchStats = bulk.readFloats(in);
      g.lossSum = in.readDouble();
      g.count = in.readVarLong(true);
      g.correct = in.readVarLong(true);
      g.shards = in.readVarInt(true);
      return g;
    }

    @Override
    public Gradient copy(Kryo kryo, Gradient g) {
      Gradient c = new Gradient();
      c.grad = g.grad == null ? null : g.grad.clone();
      c.batchStats = g.batchStats == null ? null : g.batchStats.clone();
      c.lossSum = g.lossSum;
      c.count = g.count;
      c.correct = g.correct;
      c.shards = g.shards;
      return c;
    }
  }

  private static final class EvalSumsSerializer extends Serializer<EvalSums> {
    EvalSumsSerializer() {
      super(false, true);
    }

    @Override
    public void write(Kryo kryo, Output out, EvalSums s) {
      out.writeDouble(s.loss);
      out.writeVarLong(s.correct, true);
      out.writeVarLong(s.count, true);
      out.writeVarInt(s.extras.length, true);
      for (double v : s.extras) out.writeDouble(v);
    }

    @Override
    public EvalSums read(Kryo kryo, Input in, Class<EvalSums> type) {
      double loss = in.readDouble();
      long correct = in.readVarLong(true);
      long count = in.readVarLong(true);
      double[] extras = new double[in.readVarInt(true)];
      for (int i = 0; i < extras.length; i++) extras[i] = in.readDouble();
      return new EvalSums(loss, correct, count, extras);
    }
  }
}
