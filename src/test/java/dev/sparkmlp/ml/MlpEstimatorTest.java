package dev.sparkmlp.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.sparkmlp.io.ModelIO;
import dev.sparkmlp.io.SavedModel;
import dev.sparkmlp.nn.Activation;
import dev.sparkmlp.nn.Init;
import dev.sparkmlp.nn.Loss;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.nn.NetworkSpec;
import dev.sparkmlp.train.Metrics;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.ml.tuning.TrainValidationSplit;
import org.apache.spark.ml.tuning.TrainValidationSplitModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Spark ML surface: params, fit, transform, persistence, Pipeline and tuning. */
class MlpEstimatorTest {
  private static SparkSession spark;
  private static Dataset<Row> train;
  private static Dataset<Row> test;
  /** One small fitted model shared by the tests that only read it. */
  private static MlpClassificationModel fitted;

  @TempDir
  Path tmp;

  @BeforeAll
  static void start() {
    spark = MlSpark.start();
    train = MlSpark.blobs(spark, 600, 1).cache();
    test = MlSpark.blobs(spark, 300, 2).cache();
    fitted = small().fit(train);
  }

  @AfterAll
  static void stop() {
    MlSpark.stop(spark);
  }

  static MlpClassifier small() {
    return new MlpClassifier().setHiddenLayers(16).setMaxIter(4).setBatchSize(50)
        .setStepSize(0.01).setNumPartitions(2).setSeed(3);
  }

  @Test
  void defaultsAreThoseOfReferenceConf() {
    Config ref = ConfigFactory.parseFile(new File("conf/reference.conf")).resolve();
    for (MlpParams p : List.<MlpParams>of(new MlpClassifier(), new MlpRegressor(),
        new MlpClassificationModel(), new MlpRegressionModel())) {
      assertArrayEquals(ref.getIntList("model.layers").stream().mapToInt(i -> i).toArray(),
          p.getHiddenLayers());
      assertEquals(ref.getString("model.activation"), p.getActivation());
      assertEquals(ref.getDouble("model.alpha"), p.getAlpha());
      assertEquals(ref.getString("model.init"), p.getInit());
      assertEquals(ref.getString("train.optimizer.name"), p.getOptimizer());
      assertEquals(ref.getDouble("train.optimizer.lr"), p.getStepSize());
      assertEquals(ref.getInt("train.epochs"), p.getMaxIter());
      assertEquals(ref.getInt("train.batch-size"), p.getBatchSize());
      assertEquals(ref.getLong("train.seed"), p.getSeed());
      assertEquals(ref.getDouble("train.l1"), p.getL1());
      assertEquals(ref.getDouble("train.l2"), p.getL2());
      assertEquals(ref.getDouble("train.optimizer.weight-decay"), p.getWeightDecay());
      assertEquals(ref.getDouble("model.dropout"), p.getDropout());
      assertEquals(ref.getBoolean("model.batch-norm") ? "batch"
          : ref.getBoolean("model.layer-norm") ? "layer" : "none", p.getNormalization());
      assertEquals(ref.getDouble("train.clip-norm"), p.getClipNorm());
      assertEquals(ref.getString("train.schedule.kind"), p.getLrSchedule());
      assertEquals(ref.getInt("train.early-stopping.patience"), p.getPatience());
      assertEquals(ref.getInt("train.partitions"), p.getNumPartitions());
      assertEquals(ref.getInt("train.checkpoint-every"), p.getCheckpointInterval());
      assertEquals(ref.getInt("train.checkpoint-every-steps"), p.getCheckpointStepInterval());
      assertEquals("", p.getCheckpointDir());
      assertEquals(null, p.getValidationIndicatorCol());
    }
  }

  @Test
  void everyParamIsTypedAndFoundBySpark() {
    MlpClassifier c = new MlpClassifier();
    List<String> names = java.util.Arrays.stream(c.params()).map(p -> p.name())
        .collect(Collectors.toList());
    for (String n : List.of("hiddenLayers", "activation", "alpha", "init", "optimizer",
        "stepSize", "maxIter", "batchSize", "seed", "l1", "l2", "weightDecay", "dropout",
        "normalization", "clipNorm", "lrSchedule", "validationIndicatorCol", "patience",
        "numPartitions", "checkpointDir", "checkpointInterval", "checkpointStepInterval",
        "featuresCol", "labelCol",
        "probabilityCol", "rawPredictionCol", "thresholds")) {
      assertTrue(names.contains(n), n + " in " + names);
    }
    assertTrue(c.maxIter() instanceof org.apache.spark.ml.param.IntParam);
    assertTrue(c.seed() instanceof org.apache.spark.ml.param.LongParam);
    assertTrue(c.stepSize() instanceof org.apache.spark.ml.param.DoubleParam);
    assertTrue(c.hiddenLayers() instanceof org.apache.spark.ml.param.IntArrayParam);
    // A stable uid that every param, Spark's shared ones included, belongs to.
    assertEquals(c.uid(), c.uid());
    assertEquals(c.uid(), c.featuresCol().parent());
    assertEquals(c.uid(), c.maxIter().parent());
    assertNotEquals(c.uid(), new MlpClassifier().uid());
    assertTrue(c.explainParams().contains("train.optimizer.lr"));
  }

  @Test
  void settersReturnTheEstimatorAndGettersReadBack() {
    MlpClassifier c = new MlpClassifier().setHiddenLayers(32, 8).setActivation("tanh")
        .setOptimizer("rmsprop").setStepSize(0.5).setMaxIter(3).setBatchSize(7).setSeed(9)
        .setL1(0.1).setL2(0.2).setWeightDecay(0.3).setDropout(0.25).setNormalization("layer")
        .setClipNorm(1).setLrSchedule("cosine").setValidationIndicatorCol("isVal")
        .setPatience(2).setNumPartitions(3).setCheckpointDir("/tmp/x").setCheckpointInterval(4)
        .setInit("xavier_normal").setAlpha(0.2);
    assertArrayEquals(new int[] {32, 8}, c.getHiddenLayers());
    assertEquals("tanh", c.getActivation());
    assertEquals("rmsprop", c.getOptimizer());
    assertEquals(0.5, c.getStepSize());
    assertEquals(7, c.getBatchSize());
    assertEquals(9L, c.getSeed());
    assertEquals("isVal", c.getValidationIndicatorCol());
    assertEquals("cosine", c.getLrSchedule());
    assertEquals("xavier_normal", c.getInit());
    MlpClassifier copy = c.copy(ParamMap.empty());
    assertEquals(c.uid(), copy.uid());
    assertEquals(0.25, copy.getDropout());
  }

  /** The large-batch optimizers are params values too, with the CLI's weight decay rule. */
  @Test
  void lambAndLarsAreOptimizersWithWeightDecay() {
    MlpClassifier c = new MlpClassifier().setOptimizer("lars").setWeightDecay(0.05);
    dev.sparkmlp.train.TrainConfig lars = MlpTraining.config(c, 10);
    assertEquals("lars", lars.optimizer().name());
    assertEquals(0.05, lars.optimizer().weightDecay());
    assertEquals(0.001, lars.optimizer().trustCoefficient());
    dev.sparkmlp.train.TrainConfig lamb = MlpTraining.config(c.setOptimizer("lamb"), 10);
    assertEquals("lamb", lamb.optimizer().name());
    assertEquals(0.05, lamb.optimizer().weightDecay());
    assertEquals(0.0, MlpTraining.config(c.setOptimizer("adam"), 10).optimizer().weightDecay(),
        "adam has no weight decay of its own");
  }

  @Test
  void badValuesFailWhenSetNamingTheParam() {
    MlpClassifier c = new MlpClassifier();
    assertMessage("param stepSize must be positive and finite, not -1.0",
        () -> c.setStepSize(-1));
    assertMessage("param optimizer must be one of sgd, momentum, rmsprop, adam, adamw, lamb, lars,"
        + " not 'adamm'", () -> c.setOptimizer("adamm"));
    assertMessage("param hiddenLayers must list positive widths, not [16, 0]",
        () -> c.setHiddenLayers(16, 0));
    assertMessage("param dropout must be in [0, 1), not 1.0", () -> c.setDropout(1));
    assertMessage("param maxIter must be positive, not 0", () -> c.setMaxIter(0));
    assertMessage("param batchSize must be positive, not -5", () -> c.setBatchSize(-5));
    assertMessage("param normalization must be one of none, batch, layer, not 'group'",
        () -> c.setNormalization("group"));
    assertMessage("param activation must be one of relu, leaky_relu, elu, gelu, sigmoid, tanh,"
        + " identity, not 'softmax'", () -> c.setActivation("softmax"));
    assertMessage("param lrSchedule must be one of constant, step, exponential, cosine, not"
        + " 'linear'", () -> c.setLrSchedule("linear"));
    assertMessage("param l2 must be >= 0 and finite, not NaN", () -> c.setL2(Double.NaN));
    assertMessage("param numPartitions must be >= 0, not -1", () -> c.setNumPartitions(-1));
    // A grid is validated as it is built.
    assertMessage("param stepSize must be positive and finite, not 0.0",
        () -> new ParamGridBuilder().addGrid(c.stepSize(), new double[] {0.1, 0}).build());
    // Interactions between params fail at fit, before any job.
    assertMessage("param patience: early stopping (patience 2) needs validation rows: set"
        + " validationIndicatorCol", () -> small().setPatience(2).fit(train));
    assertMessage("param checkpointDir: checkpointInterval is 1 but checkpointDir is empty",
        () -> small().setCheckpointInterval(1).fit(train));
    assertMessage("param numPartitions: 700 partitions for 600 training rows; use at most 600",
        () -> small().setNumPartitions(700).fit(train));
  }

  static void assertMessage(String expected, org.junit.jupiter.api.function.Executable f) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, f);
    assertEquals(expected, e.getMessage());
  }

  @Test
  void fitsAndTransformsWithProbabilities() {
    assertEquals(3, fitted.numClasses());
    assertEquals(4, fitted.numFeatures());
    assertEquals(4 * 16 + 16 + 16 * 3 + 3, fitted.weights().size());
    Dataset<Row> out = fitted.transform(test);
    assertTrue(List.of(out.columns()).containsAll(
        List.of("prediction", "probability", "rawPrediction")));
    double acc = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(out);
    assertTrue(acc > 0.85, "accuracy " + acc);
    Row r = out.first();
    Vector prob = r.getAs("probability");
    Vector raw = r.getAs("rawPrediction");
    Vector features = r.getAs("features");
    assertEquals(1.0, prob.toArray()[0] + prob.toArray()[1] + prob.toArray()[2], 1e-12);
    assertEquals(0, raw.toArray()[0] + raw.toArray()[1] + raw.toArray()[2], 1e-9);
    assertArrayEquals(fitted.predictRaw(features).toArray(), raw.toArray(), 1e-5,
        "transform's batches agree with predictRaw on one vector up to summation order");
    assertEquals((double) raw.argmax(), fitted.predict(features));
    assertEquals((double) prob.argmax(), (double) r.getAs("prediction"));
    // The distributed evaluation agrees with the transform's predictions.
    Metrics m = fitted.evaluate(test);
    assertEquals(300, m.count());
    assertEquals(acc, m.accuracy(), 1e-12);
  }

  /**
   * transform runs a partition's rows through the network in batches: every row of a partition
   * larger than one batch agrees with the one-vector methods, the empty column names drop their
   * columns, thresholds steer the prediction, and bad features name the column.
   */
  @Test
  void batchedTransformAgreesWithTheOneVectorMethods() {
    Dataset<Row> many = MlSpark.blobs(spark, 700, 5).coalesce(1);
    List<Row> rows = fitted.transform(many).collectAsList();
    assertEquals(700, rows.size());
    for (Row r : rows) {
      Vector f = r.getAs("features");
      assertArrayEquals(fitted.predictRaw(f).toArray(), ((Vector) r.getAs("rawPrediction")).toArray(),
          1e-5, "float32 logits, summed in another order");
      assertArrayEquals(fitted.predictProbability(f).toArray(),
          ((Vector) r.getAs("probability")).toArray(), 1e-6);
      assertEquals(fitted.predict(f), (double) r.getAs("prediction"));
    }
    MlpClassificationModel onlyPrediction = fitted.copy(new org.apache.spark.ml.param.ParamMap())
        .setRawPredictionCol("").setProbabilityCol("");
    Dataset<Row> slim = onlyPrediction.transform(many);
    assertEquals(List.of(many.columns()).size() + 1, slim.columns().length);
    assertEquals(rows.stream().map(r -> (double) r.getAs("prediction")).toList(),
        slim.collectAsList().stream().map(r -> (double) r.getAs("prediction")).toList());
    // A threshold of 0 for class 2 makes every row class 2 (probability / threshold is infinite).
    MlpClassificationModel class2 = fitted.copy(new org.apache.spark.ml.param.ParamMap())
        .setThresholds(new double[] {1, 1, 0});
    assertTrue(class2.transform(many).collectAsList().stream()
        .allMatch(r -> (double) r.getAs("prediction") == 2.0));
    // Thresholds that do not force one class follow Spark's rule: argmax of probability / t.
    MlpClassificationModel scaled = fitted.copy(new org.apache.spark.ml.param.ParamMap())
        .setThresholds(new double[] {0.5, 2, 1});
    List<Row> byThresholds = scaled.transform(many).collectAsList();
    long differ = 0;
    for (Row r : byThresholds) {
      assertEquals(scaled.predict(r.getAs("features")), (double) r.getAs("prediction"));
      if ((double) r.getAs("prediction") != fitted.predict(r.getAs("features"))) differ++;
    }
    assertTrue(differ > 0, "the thresholds changed no prediction");
    // Through a ParamMap, which the setter's own check does not see.
    var wrong = assertThrows(IllegalArgumentException.class, () -> fitted
        .copy(new org.apache.spark.ml.param.ParamMap().put(fitted.thresholds(), new double[] {1, 1}))
        .transform(many));
    assertTrue(wrong.getMessage().contains("2 thresholds for 3 classes"), wrong.getMessage());
    Dataset<Row> narrow = many.withColumn("features",
        functions.udf((Vector v) -> org.apache.spark.ml.linalg.Vectors.dense(v.apply(0), v.apply(1)),
            new org.apache.spark.ml.linalg.VectorUDT()).apply(functions.col("features")));
    var width = assertThrows(Exception.class, () -> fitted.transform(narrow).collectAsList());
    assertTrue(messages(width)
        .contains("column 'features': the features vector has 2 values, the model expects 4"),
        messages(width));
  }

  /**
   * The weights travel to transform's tasks in a broadcast made once per model and context, not
   * in the task closure, which a model of this size (2.7 MB of weights) would make a "large task
   * binary" every time.
   */
  @Test
  void transformShipsTheWeightsInOneBroadcastNotInTheClosure() throws Exception {
    NetworkSpec big = NetworkSpec.mlp(784, new int[] {512, 512}, 10, Activation.RELU, 0f,
        Init.HE_UNIFORM, Activation.SOFTMAX, Loss.CCE, 0f, false, false);
    Network net = Network.build(big);
    float[] params = new float[net.paramCount()];
    net.initialize(params, new float[0], 1);
    MlpModelData data = new MlpModelData(big, params, new float[0], 10);
    Dataset<Row> df = MlSpark.blobs(spark, 10, 1);
    var f = BatchTransform.partitions(df, "features", data, (z, off, k) -> new Object[0]);
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
      out.writeObject(f);
    }
    assertTrue(4L * params.length > 2_000_000, "a large model: " + params.length);
    assertTrue(bytes.size() < 20_000, "the task function is " + bytes.size() + " bytes");
    var shipped = data.shipped(spark.sparkContext());
    assertSame(shipped, data.shipped(spark.sparkContext()), "one broadcast per model");
    MlpModelData received = MlpModelData.received(shipped);
    assertArrayEquals(params, received.params);
    assertSame(received, MlpModelData.received(shipped), "read once per JVM");
  }

  /** The messages of t and its causes, one per line. */
  private static String messages(Throwable t) {
    StringBuilder sb = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      sb.append(c.getMessage()).append('\n');
    }
    return sb.toString();
  }

  @Test
  void twoClassesScoreForBinaryClassificationEvaluator() {
    Dataset<Row> binary = train.withColumn("label",
        functions.when(functions.col("label").equalTo(0), 1.0).otherwise(0.0));
    MlpClassificationModel m = small().fit(binary);
    assertEquals(2, m.numClasses());
    Dataset<Row> out = m.transform(test.withColumn("label",
        functions.when(functions.col("label").equalTo(0), 1.0).otherwise(0.0)));
    Vector raw = out.first().getAs("rawPrediction");
    assertEquals(0, raw.apply(0) + raw.apply(1), 1e-12);
    double auc = new org.apache.spark.ml.evaluation.BinaryClassificationEvaluator()
        .evaluate(out);
    assertTrue(auc > 0.95, "area under ROC " + auc);
  }

  @Test
  void summaryHoldsThePerEpochHistory() {
    MlpTrainingSummary s = fitted.summary();
    assertEquals(4, s.totalIterations());
    assertEquals(4, s.history().size());
    assertEquals(4, s.objectiveHistory().length);
    assertTrue(s.objectiveHistory()[3] < s.objectiveHistory()[0],
        java.util.Arrays.toString(s.objectiveHistory()));
    assertTrue(s.accuracyHistory()[3] > 0.5);
    assertTrue(s.samplesPerSecondHistory()[0] > 0);
    assertTrue(Double.isNaN(s.validationLossHistory()[0]), "no validation rows");
  }

  @Test
  void validationIndicatorSplitsTheRowsAndStopsEarly() {
    Dataset<Row> df = train.withColumn("isVal", functions.rand(7).lt(0.25));
    MlpClassificationModel m = small().setMaxIter(30).setStepSize(0.05)
        .setValidationIndicatorCol("isVal").setPatience(1).fit(df);
    MlpTrainingSummary s = m.summary();
    assertFalse(Double.isNaN(s.validationLossHistory()[0]));
    assertTrue(s.validationAccuracyHistory()[0] > 0.3);
    assertTrue(s.stoppedEarly(), "patience 1 over 30 epochs at a high rate");
    assertTrue(s.totalIterations() < 30);
  }

  @Test
  void modelSavesAndLoadsWithIdenticalPredictions() throws Exception {
    String path = tmp.resolve("model").toString();
    fitted.write().overwrite().save(path);
    fitted.write().overwrite().save(path);
    MlpClassificationModel loaded = MlpClassificationModel.load(path);
    assertEquals(fitted.uid(), loaded.uid());
    assertEquals(fitted.getMaxIter(), loaded.getMaxIter());
    assertArrayEquals(fitted.getHiddenLayers(), loaded.getHiddenLayers());
    assertEquals(fitted.weights(), loaded.weights());
    assertFalse(loaded.hasSummary());
    assertEquals(collect(fitted.transform(test)), collect(loaded.transform(test)));
    // The sparkmlp model format is inside, for the CLI's evaluate and predict.
    SavedModel saved = ModelIO.load(path + "/model");
    assertEquals(SavedModel.CLASSIFICATION, saved.task());
    assertEquals(3, saved.classes());
    assertTrue(Files.isDirectory(tmp.resolve("model/metadata")));
    // The estimator saves its params too.
    String epath = tmp.resolve("estimator").toString();
    small().setDropout(0.125).write().save(epath);
    MlpClassifier e = MlpClassifier.load(epath);
    assertEquals(0.125, e.getDropout());
    assertArrayEquals(new int[] {16}, e.getHiddenLayers());
  }

  static List<String> collect(Dataset<Row> df) {
    return df.select("prediction", "probability", "rawPrediction").collectAsList().stream()
        .map(Row::toString).collect(Collectors.toList());
  }

  @Test
  void pipelineWithAssemblerAndScalerSavesAndLoads() throws Exception {
    Dataset<Row> cols = train.select(functions.col("label"), array("features").as("a"))
        .selectExpr("label", "a[0] as x0", "a[1] as x1", "a[2] as x2", "a[3] as x3");
    VectorAssembler assembler = new VectorAssembler()
        .setInputCols(new String[] {"x0", "x1", "x2", "x3"}).setOutputCol("raw");
    StandardScaler scaler = new StandardScaler().setInputCol("raw").setOutputCol("features")
        .setWithMean(true);
    Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {assembler, scaler, small()});
    String ppath = tmp.resolve("pipeline").toString();
    pipeline.write().overwrite().save(ppath);
    Pipeline pipelineBack = Pipeline.load(ppath);
    assertEquals(3, pipelineBack.getStages().length);
    assertTrue(pipelineBack.getStages()[2] instanceof MlpClassifier);

    PipelineModel model = pipelineBack.fit(cols);
    String mpath = tmp.resolve("pipelineModel").toString();
    model.write().overwrite().save(mpath);
    PipelineModel loaded = PipelineModel.load(mpath);
    assertTrue(loaded.stages()[2] instanceof MlpClassificationModel);
    assertEquals(collect(model.transform(cols)), collect(loaded.transform(cols)));
    double acc = new MulticlassClassificationEvaluator().setMetricName("accuracy")
        .evaluate(loaded.transform(cols));
    assertTrue(acc > 0.85, "accuracy " + acc);
  }

  @Test
  void crossValidatorOverTheParamsFitsSavesAndLoads() throws Exception {
    MlpClassifier mlp = small().setMaxIter(2);
    ParamMap[] grid = new ParamGridBuilder()
        .addGrid(mlp.stepSize(), new double[] {0.003, 0.03})
        .addGrid(mlp.batchSize(), new int[] {50, 100})
        .build();
    assertEquals(4, grid.length);
    CrossValidator cv = new CrossValidator().setEstimator(mlp).setEstimatorParamMaps(grid)
        .setEvaluator(new MulticlassClassificationEvaluator().setMetricName("accuracy"))
        .setNumFolds(2).setSeed(5);
    CrossValidatorModel cvm = cv.fit(train);
    assertEquals(4, cvm.avgMetrics().length);
    MlpClassificationModel best = (MlpClassificationModel) cvm.bestModel();
    int bestIndex = argmax(cvm.avgMetrics());
    assertEquals((Double) grid[bestIndex].apply(mlp.stepSize()), best.getStepSize());
    String path = tmp.resolve("cv").toString();
    cvm.write().overwrite().save(path);
    CrossValidatorModel back = CrossValidatorModel.load(path);
    assertArrayEquals(cvm.avgMetrics(), back.avgMetrics());
    assertEquals(collect(cvm.transform(test)), collect(back.transform(test)));
    String epath = tmp.resolve("cvEstimator").toString();
    cv.write().overwrite().save(epath);
    assertEquals(4, CrossValidator.load(epath).getEstimatorParamMaps().length);
  }

  @Test
  void trainValidationSplitOverHiddenLayersFitsSavesAndLoads() throws Exception {
    MlpClassifier mlp = small().setMaxIter(2);
    ParamMap[] grid = new ParamGridBuilder()
        .addGrid(mlp.hiddenLayers(), scala.jdk.javaapi.CollectionConverters.asScala(
            List.of(new int[] {8}, new int[] {16, 8})))
        .build();
    TrainValidationSplit tvs = new TrainValidationSplit().setEstimator(mlp)
        .setEstimatorParamMaps(grid).setTrainRatio(0.7).setSeed(5)
        .setEvaluator(new MulticlassClassificationEvaluator().setMetricName("accuracy"));
    TrainValidationSplitModel m = tvs.fit(train);
    assertEquals(2, m.validationMetrics().length);
    String path = tmp.resolve("tvs").toString();
    m.write().overwrite().save(path);
    TrainValidationSplitModel back = TrainValidationSplitModel.load(path);
    assertEquals(collect(m.transform(test)), collect(back.transform(test)));
  }

  static org.apache.spark.sql.Column array(String vectorCol) {
    return org.apache.spark.ml.functions.vector_to_array(functions.col(vectorCol), "float64");
  }

  static int argmax(double[] a) {
    int best = 0;
    for (int i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
    return best;
  }

  @Test
  void regressorFitsAndRegressionEvaluatorReportsItsRmse() throws Exception {
    // y = x0 - x1 + 0.5 x2 x3 on the blob features.
    Dataset<Row> df = train.withColumn("a", array("features"))
        .withColumn("y", functions.expr("a[0] - a[1] + 0.5 * a[2] * a[3]"));
    Dataset<Row> t = test.withColumn("a", array("features"))
        .withColumn("y", functions.expr("a[0] - a[1] + 0.5 * a[2] * a[3]"));
    MlpRegressor reg = new MlpRegressor().setLabelCol("y").setHiddenLayers(32, 32)
        .setMaxIter(30).setBatchSize(50).setStepSize(0.01).setNumPartitions(2).setSeed(1);
    MlpRegressionModel model = reg.fit(df);
    RegressionEvaluator rmse = new RegressionEvaluator().setLabelCol("y").setMetricName("rmse");
    double std = t.agg(functions.stddev("y")).first().getDouble(0);
    double err = rmse.evaluate(model.transform(t));
    assertTrue(err < 0.25 * std, "rmse " + err + ", std of y " + std);
    // The model's own evaluation: loss = mean 1/2 squared error.
    Metrics m = model.evaluate(t);
    assertEquals(err, Math.sqrt(2 * m.loss()), 1e-4 * err);
    String path = tmp.resolve("reg").toString();
    model.write().overwrite().save(path);
    MlpRegressionModel back = MlpRegressionModel.load(path);
    assertEquals(model.transform(t).select("prediction").collectAsList(),
        back.transform(t).select("prediction").collectAsList());
    assertEquals(SavedModel.REGRESSION, ModelIO.load(path + "/model").task());
    assertEquals(30, model.summary().objectiveHistory().length);
  }

  @Test
  void checkpointsAreWrittenAndAFitResumesFromThem() {
    String dir = tmp.resolve("ckpt").toString();
    MlpClassificationModel whole = small().setCheckpointDir(dir).setCheckpointInterval(2)
        .fit(train);
    assertTrue(Files.exists(tmp.resolve("ckpt/checkpoint.json")));
    // The checkpoint holds the last epoch; a second fit resumes after it and trains no more.
    MlpClassificationModel again = small().setCheckpointDir(dir).setCheckpointInterval(2)
        .fit(train);
    assertEquals(whole.weights(), again.weights());
    assertEquals(4, again.summary().totalIterations());

    // Another fit's checkpoint (another grid point sharing the directory) is never resumed.
    var e = assertThrows(IllegalArgumentException.class, () -> small().setStepSize(0.005)
        .setCheckpointDir(dir).setCheckpointInterval(2).fit(train));
    assertTrue(e.getMessage().startsWith("param checkpointDir: " + dir)
        && e.getMessage().contains("stepSize = 0.005"), e.getMessage());
  }

  @Test
  void sparkJobsNameTheirEpochAndStep() throws InterruptedException {
    List<String> names = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    org.apache.spark.scheduler.SparkListener l = new org.apache.spark.scheduler.SparkListener() {
      @Override
      public void onJobStart(org.apache.spark.scheduler.SparkListenerJobStart e) {
        String d = e.properties().getProperty("spark.job.description");
        if (d != null) names.add(d);
      }
    };
    spark.sparkContext().addSparkListener(l);
    try {
      small().setMaxIter(2).fit(train);
      // 3 partitions on 2 task slots: a job per step (200 rows each, 16 per step: 12 steps).
      small().setMaxIter(2).setNumPartitions(3).setBatchSize(48).fit(train);
      // Listener events arrive asynchronously.
      for (int i = 0; i < 100 && !names.contains("sparkmlp epoch 2/2 step 12/12"); i++) {
        Thread.sleep(50);
      }
    } finally {
      spark.sparkContext().removeSparkListener(l);
    }
    // 2 partitions on local[2]: the steps of an epoch in one job, a step loop.
    assertTrue(names.contains("sparkmlp epoch 1/2 steps 1-12/12"), names.toString());
    assertTrue(names.contains("sparkmlp epoch 2/2 steps 1-12/12"), names.toString());
    assertTrue(names.contains("sparkmlp epoch 1/2 step 1/12"), names.toString());
    assertTrue(names.contains("sparkmlp epoch 2/2 step 12/12"), names.toString());
    assertTrue(names.contains("sparkmlp: checking and caching the training rows"),
        names.toString());
  }

  @Test
  void estimatorsAndModelsAreRegisteredForSparkConnect() {
    List<Class<?>> estimators = ServiceLoader.load(Estimator.class).stream()
        .map(ServiceLoader.Provider::type).collect(Collectors.toList());
    assertTrue(estimators.containsAll(List.of(MlpClassifier.class, MlpRegressor.class)),
        estimators.toString());
    List<Class<?>> transformers = ServiceLoader.load(Transformer.class).stream()
        .map(ServiceLoader.Provider::type).collect(Collectors.toList());
    assertTrue(transformers.containsAll(
        List.of(MlpClassificationModel.class, MlpRegressionModel.class)), transformers.toString());
  }
}
