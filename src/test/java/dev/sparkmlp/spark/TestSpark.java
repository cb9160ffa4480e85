package dev.sparkmlp.spark;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.math.Rng;
import dev.sparkmlp.nn.Activation;
import dev.sparkmlp.nn.Init;
import dev.sparkmlp.nn.Loss;
import dev.sparkmlp.nn.NetworkSpec;
import dev.sparkmlp.optim.OptimizerSpec;
import dev.sparkmlp.optim.Regularization;
import dev.sparkmlp.optim.ScheduleSpec;
import dev.sparkmlp.train.TrainConfig;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** One Spark session per test class, with Kryo registration required, plus shared fixtures. */
final class TestSpark {
  private TestSpark() {}

  /**
   * A fresh session on {@code master}. A session another test class left running is stopped first,
   * since a JVM holds one SparkContext and its settings (master, Kryo) would otherwise win.
   */
  static SparkSession start(String master) {
    SparkSession.getActiveSession().foreach(s -> {
      s.stop();
      return null;
    });
    SparkSession.getDefaultSession().foreach(s -> {
      s.stop();
      return null;
    });
    SparkConf conf = new SparkConf()
        .setMaster(master)
        .setAppName("sparkmlp-test")
        .set("spark.ui.enabled", "false")
        .set("spark.log.level", "WARN")
        .set("spark.sql.shuffle.partitions", "4")
        .set("spark.kryo.registrationRequired", "true");
    SparkMlpKryoRegistrator.configure(conf);
    SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    return spark;
  }

  static void stop(SparkSession spark) {
    if (spark != null) spark.stop();
    SparkSession.clearActiveSession();
    SparkSession.clearDefaultSession();
  }

  /** Three Gaussian blobs in 4 dimensions; class c is centred at 2 e_c. */
  static Block blobs(int rows, long seed) {
    float[] x = new float[rows * 4];
    int[] labels = new int[rows];
    long key = Rng.key(seed, 77);
    for (int r = 0; r < rows; r++) {
      int c = Rng.below(key, r, 3);
      labels[r] = c;
      for (int j = 0; j < 4; j++) {
        x[r * 4 + j] = (float) (Rng.gaussian(key, 1000L + r * 4L + j) * 0.8 + (j == c ? 2 : 0));
      }
    }
    return Block.classification(rows, 4, x, labels, 3);
  }

  static NetworkSpec spec(float dropout, boolean batchNorm) {
    return NetworkSpec.mlp(4, new int[] {16, 12}, 3, Activation.RELU, 0f, Init.HE_UNIFORM,
        Activation.SOFTMAX, Loss.CCE, dropout, batchNorm, false);
  }

  static TrainConfig config(String optimizer, float lr, int epochs, int batch, long seed) {
    return new TrainConfig(epochs, batch, seed, OptimizerSpec.defaults(optimizer),
        ScheduleSpec.constant(lr), Regularization.NONE, 0, 0,
        "val_loss", 0, false);
  }
}
