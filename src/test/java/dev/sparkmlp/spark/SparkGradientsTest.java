package dev.sparkmlp.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.data.DataException;
import dev.sparkmlp.data.Task;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.nn.OutputMetric;
import dev.sparkmlp.nn.TrueClassOutput;
import dev.sparkmlp.train.EpochMetrics;
import dev.sparkmlp.train.Gradient;
import dev.sparkmlp.train.LocalEvaluator;
import dev.sparkmlp.train.LocalGradients;
import dev.sparkmlp.train.Metrics;
import dev.sparkmlp.train.TrainResult;
import dev.sparkmlp.train.Trainer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * SparkGradients on local[2] against LocalGradients with 2 shards, through the real Trainer loop.
 *
 * <p>The expected agreement is bitwise, not approximate. Both sources take the same rows in the
 * same order (Shards layout, epoch order, slices), draw the same dropout masks, and run the same
 * kernels on the same row counts, and both add shard 0 then shard 1 (the sum tree of two shards),
 * so the trajectories must be identical to the last bit. Any difference means a layout, RNG-key or
 * workspace bug, not rounding. Both depths are covered: 1 (the partition sums added on the
 * driver) and 2 (added by a group task on an executor). ManyPartitionsTest covers 64 and 200.
 */
class SparkGradientsTest {
  static SparkSession spark;
  static JavaSparkContext jsc;

  @BeforeAll
  static void start() {
    spark = TestSpark.start("local[2]");
    jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
  }

  @AfterAll
  static void stop() {
    TestSpark.stop(spark);
  }

  record Run(float[] params, float[] buffers, TrainResult result) {}

  /** Trains for {@code epochs} epochs of 13 steps (400 rows, batch 30, 2 partitions or shards). */
  static Run train(boolean onSpark, String optimizer, float lr, float dropout, boolean batchNorm,
      int epochs, int depth) {
    Network net = Network.build(TestSpark.spec(dropout, batchNorm));
    Block train = TestSpark.blobs(400, 11);
    Block val = TestSpark.blobs(150, 12);
    float[] w = new float[net.paramCount()];
    float[] buf = new float[net.bufferCount()];
    net.initialize(w, buf, 5);
    Trainer t = new Trainer(net, TestSpark.config(optimizer, lr, epochs, 30, 5), w, buf);
    TrainResult r;
    if (onSpark) {
      try (SparkGradients g = new SparkGradients(jsc, net, train, 30, 2, 5, epochs, depth);
          SparkEvaluation v = new SparkEvaluation(jsc, net, val, 2, "validation set")) {
        r = t.fit(g, v, null, null);
      }
    } else {
      try (LocalGradients g = new LocalGradients(net, train, 30, 2, 2, 5);
          LocalEvaluator v = new LocalEvaluator(net, val, 2, "validation set")) {
        r = t.fit(g, v, null, null);
      }
    }
    return new Run(w, buf, r);
  }

  @ParameterizedTest(name = "{0} dropout={2} batchNorm={3} depth={4}")
  @CsvSource({
      "sgd,      0.1,   0,   false, 1",
      "momentum, 0.05,  0,   true,  2",
      "rmsprop,  0.003, 0,   false, 1",
      "adam,     0.005, 0.3, false, 2",
      "adamw,    0.005, 0.2, true,  1"})
  void sparkFollowsTheLocalTrajectoryBitForBit(String optimizer, float lr, float dropout,
      boolean bn, int depth) {
    Run local = train(false, optimizer, lr, dropout, bn, 2, 0);
    Run distributed = train(true, optimizer, lr, dropout, bn, 2, depth);
    assertEquals(26, distributed.result().history().get(1).step(), "2 epochs of 13 steps");
    assertArrayEquals(local.params(), distributed.params(), "params after 26 steps");
    assertArrayEquals(local.buffers(), distributed.buffers(), "batch-norm running statistics");
    for (int e = 0; e < 2; e++) {
      EpochMetrics l = local.result().history().get(e);
      EpochMetrics s = distributed.result().history().get(e);
      assertEquals(l.trainLoss(), s.trainLoss(), 0, "train loss of epoch " + (e + 1));
      assertEquals(l.train().accuracy(), s.train().accuracy(), 0);
      // Validation: LocalEvaluator and SparkEvaluation split the rows differently, so the double
      // sums of the same per-row losses differ in rounding only.
      assertEquals(l.validation().loss(), s.validation().loss(), 1e-6 * l.validation().loss());
      assertEquals(l.validation().accuracy(), s.validation().accuracy(), 0);
      assertEquals(150, s.validation().count());
    }
    // Training moved the weights, so the comparison above is not between two initial states.
    Network net = Network.build(TestSpark.spec(dropout, bn));
    float[] w0 = new float[net.paramCount()];
    net.initialize(w0, new float[net.bufferCount()], 5);
    assertFalse(java.util.Arrays.equals(w0, distributed.params()));
  }

  @Test
  void rerunningTheSameSeedGivesIdenticalWeights() {
    Run a = train(true, "adam", 0.005f, 0.2f, true, 2, 2);
    Run b = train(true, "adam", 0.005f, 0.2f, true, 2, 2);
    assertArrayEquals(a.params(), b.params());
    assertArrayEquals(a.buffers(), b.buffers());
    assertTrue(a.result().last().validation().accuracy() > 0.8,
        "it learns: validation accuracy " + a.result().last().validation().accuracy());
  }

  @Test
  void oneStepEqualsTheSameRowsInOnePass() {
    // Independent of LocalGradients: recompute the step-3 rows of both partitions by hand.
    Network net = Network.build(TestSpark.spec(0f, false));
    Block train = TestSpark.blobs(101, 3);
    float[] w = new float[net.paramCount()];
    float[] buf = new float[net.bufferCount()];
    net.initialize(w, buf, 9);
    try (SparkGradients g = new SparkGradients(jsc, net, train, 21, 2, 9, 1, 2)) {
      assertEquals(4, g.stepsPerEpoch(), "shards of 50 and 51 rows, 11 and 10 rows per step");
      Gradient sum = g.compute(w, buf, 1, 3);
      assertEquals(21, sum.count);
      assertEquals(2, sum.shards);
      dev.sparkmlp.train.Shards shards = dev.sparkmlp.train.Shards.assign(101, 2, 9);
      float[] expected = new float[net.paramCount()];
      double loss = 0;
      for (int p = 0; p < 2; p++) {
        int[] rows = shards.rows(p);
        int[] order = new int[rows.length];
        dev.sparkmlp.train.Shards.epochOrder(9, 1, p, order, rows.length);
        int b = dev.sparkmlp.train.Shards.rowsPerStep(p, 2, 21);
        int[] picked = new int[b];
        for (int i = 0; i < b; i++) picked[i] = rows[order[3 * b + i]];
        var ws = net.newWorkspace(b);
        net.accumulate(w, buf, train, picked, 0, b, 0L, ws);
        for (int i = 0; i < expected.length; i++) expected[i] += ws.grad()[i];
        loss += ws.lossSum();
      }
      assertArrayEquals(expected, sum.grad);
      assertEquals(loss, sum.lossSum, 0);
    }
  }

  @Test
  void jobsAreNamedAndBroadcastsAndCacheAreReleased() throws Exception {
    List<String> names = Collections.synchronizedList(new ArrayList<>());
    SparkListener listener = new SparkListener() {
      @Override
      public void onJobStart(SparkListenerJobStart start) {
        if (start.properties() == null) return;
        String d = start.properties().getProperty("spark.job.description");
        if (d != null) names.add(d);
      }
    };
    spark.sparkContext().addSparkListener(listener);
    try {
      Network net = Network.build(TestSpark.spec(0f, false));
      float[] w = new float[net.paramCount()];
      float[] buf = new float[net.bufferCount()];
      net.initialize(w, buf, 1);
      int cachedBefore = jsc.getPersistentRDDs().size();
      SparkGradients g = new SparkGradients(jsc, net, TestSpark.blobs(100, 1), 20, 2, 1, 3, 0);
      assertEquals(1, g.treeDepth(), "2 partitions: sums added on the driver");
      assertEquals(cachedBefore + 1, jsc.getPersistentRDDs().size());
      assertEquals(0, g.lastComputeNanos().length, "not recorded unless asked");
      // In local mode the weights go by reference by default; here every step broadcasts them.
      g.handOff(false);
      g.recordComputeTimes();
      g.compute(w, buf, 0, 0);
      assertEquals(2, g.lastComputeNanos().length, "one compute time per task");
      assertEquals(2, g.lastComputeCpuNanos().length);
      for (long t : g.lastComputeNanos()) assertTrue(t > 0);
      var first = g.weightsBroadcast();
      assertEquals(w.length, first.value().params.length);
      g.compute(w, buf, 2, 4);
      var second = g.weightsBroadcast();
      g.awaitCleaner();
      assertDestroyed(first, "the previous step's weights are destroyed after the next step");
      g.close();
      assertDestroyed(second, "close destroys the last step's weights");
      assertEquals(cachedBefore, jsc.getPersistentRDDs().size(), "the rows are unpersisted");
      spark.sparkContext().listenerBus().waitUntilEmpty();
      assertTrue(names.contains("sparkmlp epoch 1/3 step 1/5"), names.toString());
      assertTrue(names.contains("sparkmlp epoch 3/3 step 5/5"), names.toString());
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> g.compute(w, buf, 0, 0));
      assertTrue(e.getMessage().contains("closed"), e.getMessage());
    } finally {
      spark.sparkContext().removeSparkListener(listener);
    }
  }

  @Test
  void inLocalModeTheWeightsGoByReferenceWithTheBroadcastsResult() throws Exception {
    Network net = Network.build(TestSpark.spec(0.2f, false));
    float[] w = new float[net.paramCount()];
    float[] buf = new float[net.bufferCount()];
    net.initialize(w, buf, 2);
    try (SparkGradients g = new SparkGradients(jsc, net, TestSpark.blobs(200, 3), 40, 2, 1, 3, 0)) {
      Gradient handedOff = g.compute(w, buf, 0, 1);
      assertNull(g.weightsBroadcast(), "no broadcast in local mode");
      float[] expected = handedOff.grad.clone();
      double loss = handedOff.lossSum;
      g.handOff(false);
      Gradient broadcast = g.compute(w, buf, 0, 1);
      assertNotNull(g.weightsBroadcast());
      assertArrayEquals(expected, broadcast.grad);
      assertEquals(loss, broadcast.lossSum, 0);
      // Back to the hand-off: the last broadcast goes to the cleaner, and is destroyed.
      var last = g.weightsBroadcast();
      g.handOff(true);
      g.compute(w, buf, 0, 2);
      g.awaitCleaner();
      assertDestroyed(last, "a broadcast is destroyed once a step no longer uses it");
    }
  }

  private static void assertDestroyed(org.apache.spark.broadcast.Broadcast<?> b, String why) {
    Exception e = assertThrows(Exception.class, b::value, why);
    assertTrue(e.getMessage().contains("destroyed"), e.getMessage());
  }

  @Test
  void kryoRegistrationIsRequiredInTheseTests() {
    assertEquals("org.apache.spark.serializer.KryoSerializer",
        spark.conf().get("spark.serializer"));
    assertEquals("true", spark.conf().get("spark.kryo.registrationRequired"));
    assertEquals(SparkMlpKryoRegistrator.class.getName(),
        spark.conf().get("spark.kryo.registrator"));
  }

  @Test
  void evaluationMatchesTheLocalEvaluator() {
    Network net = Network.build(TestSpark.spec(0.3f, true));
    float[] w = new float[net.paramCount()];
    float[] buf = new float[net.bufferCount()];
    net.initialize(w, buf, 4);
    for (int i = 0; i < buf.length; i++) buf[i] = 0.5f + 0.01f * i;
    Block data = TestSpark.blobs(1234, 8);
    Metrics local;
    List<OutputMetric> metrics = List.of(new TrueClassOutput());
    try (LocalEvaluator e = new LocalEvaluator(net, data, 2, "test set", metrics)) {
      local = e.evaluate(w, buf);
    }
    try (SparkEvaluation e = new SparkEvaluation(jsc, net, data, 2, "test set", metrics)) {
      assertEquals(1234, e.rows());
      Metrics m = e.evaluate(w, buf);
      assertNotNull(m);
      assertEquals(local.count(), m.count());
      assertEquals(local.accuracy(), m.accuracy(), 0);
      assertEquals(local.loss(), m.loss(), 1e-9 * Math.abs(local.loss()));
      double p = local.extra("p_true");
      assertTrue(p > 0 && p < 1, "mean output of the true class: " + p);
      assertEquals(p, m.extra("p_true"), 1e-9 * p);
      assertEquals(List.of("p_true"), List.copyOf(m.extras().keySet()));
    }
  }

  /** The DataFrame source: the same layout as the Block path, and bad rows refused up front. */
  @Nested
  class DataFrames {
    final StructType schema = new StructType()
        .add("features", new VectorUDT(), true)
        .add("label", DataTypes.DoubleType, true)
        .add("note", DataTypes.StringType, true);

    /** The block's rows in order, every third one as a sparse vector. */
    Dataset<Row> frame(Block b) {
      List<Row> rows = new ArrayList<>();
      for (int r = 0; r < b.rows; r++) {
        double[] x = new double[b.features];
        for (int j = 0; j < x.length; j++) x[j] = b.x[r * b.features + j];
        org.apache.spark.ml.linalg.Vector v = Vectors.dense(x);
        Object features = r % 3 == 0 ? v.toSparse() : v;
        rows.add(RowFactory.create(features, (double) b.labels[r], "row " + r));
      }
      return spark.createDataFrame(rows, schema);
    }

    Dataset<Row> frame(List<Row> rows) {
      return spark.createDataFrame(rows, schema);
    }

    List<Row> goodRows(int n) {
      List<Row> rows = new ArrayList<>();
      for (int r = 0; r < n; r++) {
        rows.add(RowFactory.create(Vectors.dense(r, 1, 2, 3), (double) (r % 3), "ok"));
      }
      return rows;
    }

    DataException refused(Dataset<Row> df, String featuresCol) {
      Network net = Network.build(TestSpark.spec(0f, false));
      int cached = jsc.getPersistentRDDs().size();
      // The failing task would log its expected exception with a stack trace.
      spark.sparkContext().setLogLevel("OFF");
      try {
        DataException e = assertThrows(DataException.class, () -> SparkGradients.fromDataFrame(df,
            featuresCol, "label", Task.CLASSIFICATION, net, 10, 2, 1, 1, 2));
        assertEquals(cached, jsc.getPersistentRDDs().size(), "nothing stays cached");
        return e;
      } finally {
        spark.sparkContext().setLogLevel("WARN");
      }
    }

    @Test
    void sameShardsAndGradientsAsTheBlockPath() {
      Network net = Network.build(TestSpark.spec(0.2f, true));
      Block train = TestSpark.blobs(203, 21);
      float[] w = new float[net.paramCount()];
      float[] buf = new float[net.bufferCount()];
      net.initialize(w, buf, 2);
      // A local DataFrame keeps the order of its rows (in 2 input partitions here), so its row
      // ids are the block's row numbers and both paths must build the same shards.
      Dataset<Row> df = frame(train);
      assertEquals(2, df.javaRDD().getNumPartitions());
      try (SparkGradients fromDf = SparkGradients.fromDataFrame(df, "features", "label",
              Task.CLASSIFICATION, net, 40, 2, 6, 2, 2);
          SparkGradients fromBlock = new SparkGradients(jsc, net, train, 40, 2, 6, 2, 2)) {
        assertEquals(203, fromDf.rows());
        assertEquals(fromBlock.stepsPerEpoch(), fromDf.stepsPerEpoch());
        for (int step = 0; step < 3; step++) {
          Gradient a = fromBlock.compute(w, buf, 1, step);
          float[] ga = a.grad.clone();
          double la = a.lossSum;
          Gradient b = fromDf.compute(w, buf, 1, step);
          assertArrayEquals(ga, b.grad, "step " + step);
          assertEquals(la, b.lossSum, 0);
        }
      }
    }

    @Test
    void evaluationOfADataFrameMatchesTheBlock() {
      Network net = Network.build(TestSpark.spec(0f, false));
      Block data = TestSpark.blobs(300, 22);
      float[] w = new float[net.paramCount()];
      float[] buf = new float[net.bufferCount()];
      net.initialize(w, buf, 3);
      // A column name with a dot and a space is taken literally.
      Dataset<Row> df = frame(data).withColumnRenamed("label", "the label.v");
      try (SparkEvaluation a = SparkEvaluation.fromDataFrame(df, "features", "the label.v",
              Task.CLASSIFICATION, net, 2, "test frame");
          SparkEvaluation b = new SparkEvaluation(jsc, net, data, 2, "test block")) {
        Metrics ma = a.evaluate(w, buf);
        Metrics mb = b.evaluate(w, buf);
        assertEquals(300, ma.count());
        assertEquals(mb.accuracy(), ma.accuracy(), 0);
        assertEquals(mb.loss(), ma.loss(), 1e-9 * mb.loss());
      }
    }

    @Test
    void missingColumnIsNamedWithTheColumnsThereAre() {
      DataException e = refused(frame(goodRows(20)), "feats");
      assertEquals("DataFrame: column 'feats': no such features column; the columns are "
          + "[features, label, note]", e.getMessage());
    }

    @Test
    void wrongVectorWidthNamesTheRow() {
      List<Row> rows = goodRows(40);
      rows.set(27, RowFactory.create(Vectors.dense(1, 2, 3), 1.0, "short"));
      DataException e = refused(frame(rows), "features");
      assertEquals("DataFrame: record 27: column 'features': the features vector has 3 values, the network expects 4",
          e.getMessage());
    }

    @Test
    void nanFeatureNamesTheRowAndFeature() {
      List<Row> rows = goodRows(40);
      rows.set(5, RowFactory.create(Vectors.dense(1, 2, Double.NaN, 4), 1.0, "nan"));
      DataException e = refused(frame(rows), "features");
      assertEquals("DataFrame: record 5: column 'features': feature 2 is NaN", e.getMessage());
    }

    @Test
    void labelOutOfRangeNamesTheRow() {
      List<Row> rows = goodRows(40);
      rows.set(33, RowFactory.create(Vectors.dense(1, 2, 3, 4), 3.0, "bad label"));
      DataException e = refused(frame(rows), "features");
      assertEquals("DataFrame: record 33: column 'label': label 3.0 is not a class index in [0, 3)",
          e.getMessage());
    }

    @Test
    void nonVectorFeaturesAreRefusedBeforeAnyJob() {
      DataException e = refused(frame(goodRows(20)), "note");
      assertTrue(e.getMessage().startsWith("DataFrame: column 'note': features must be an "
          + "org.apache.spark.ml.linalg.Vector column"), e.getMessage());
    }
  }
}
