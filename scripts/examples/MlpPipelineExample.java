import dev.sparkmlp.ml.Logs;
import dev.sparkmlp.ml.MlpClassificationModel;
import dev.sparkmlp.ml.MlpClassifier;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A Spark application outside the sparkmlp project, compiled against its jar: VectorAssembler ->
 * StandardScaler -> MlpClassifier on a CSV file, then save/load of the PipelineModel and a 2-fold
 * CrossValidator over a 2x2 grid. Exits 1 when a check fails.
 *
 * <pre>MlpPipelineExample TRAIN.csv TEST.csv OUT_DIR CLI_ACCURACY</pre>
 *
 * The CSVs have a header, numeric feature columns and a last column "label"; CLI_ACCURACY is the
 * test accuracy of `sparkmlp train` with the same settings, which the pipeline must reach (within
 * one point: Spark's StandardScaler divides by the sample standard deviation, the CLI's by the
 * population one).
 */
public class MlpPipelineExample {
  public static void main(String[] args) throws Exception {
    if (args.length != 4) {
      System.err.println("usage: MlpPipelineExample TRAIN.csv TEST.csv OUT_DIR CLI_ACCURACY");
      System.exit(2);
    }
    Logs.quiet();
    SparkSession spark = SparkSession.builder().master("local[2]").appName("mlp-example")
        .config("spark.ui.enabled", "false").getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    boolean ok = true;
    try {
      Dataset<Row> train = read(spark, args[0]);
      Dataset<Row> test = read(spark, args[1]);
      String[] features = List.of(train.columns()).subList(0, train.columns().length - 1)
          .toArray(new String[0]);
      double cliAccuracy = Double.parseDouble(args[3]);

      VectorAssembler assembler = new VectorAssembler().setInputCols(features)
          .setOutputCol("raw");
      StandardScaler scaler = new StandardScaler().setInputCol("raw").setOutputCol("features")
          .setWithMean(true).setWithStd(true);
      MlpClassifier mlp = new MlpClassifier().setHiddenLayers(128, 64).setMaxIter(5)
          .setBatchSize(100).setStepSize(0.001).setSeed(1).setNumPartitions(2);
      Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {assembler, scaler, mlp});

      long t0 = System.nanoTime();
      PipelineModel model = pipeline.fit(train);
      MlpClassificationModel fitted = (MlpClassificationModel) model.stages()[2];
      MulticlassClassificationEvaluator accuracy =
          new MulticlassClassificationEvaluator().setMetricName("accuracy");
      Dataset<Row> predicted = model.transform(test);
      double acc = accuracy.evaluate(predicted);
      System.out.printf("pipeline: %d features, %d classes, %d epochs, fit in %.1fs (training"
          + " loop %.1fs); test accuracy %.4f, the CLI's %.4f%n", fitted.numFeatures(),
          fitted.numClasses(), fitted.summary().totalIterations(), (System.nanoTime() - t0) / 1e9,
          fitted.summary().seconds(), acc, cliAccuracy);
      if (acc < cliAccuracy - 0.01) {
        System.out.println("FAIL: the pipeline's accuracy is more than one point below the CLI's");
        ok = false;
      }

      String path = args[2] + "/pipeline-model";
      model.write().overwrite().save(path);
      PipelineModel loaded = PipelineModel.load(path);
      List<Row> before = predicted.select("prediction", "probability").collectAsList();
      List<Row> after = loaded.transform(test).select("prediction", "probability")
          .collectAsList();
      System.out.printf("save/load: %s, %d predictions %s%n", path, after.size(),
          before.equals(after) ? "identical" : "DIFFERENT");
      ok &= before.equals(after);

      ParamMap[] grid = new ParamGridBuilder()
          .addGrid(mlp.stepSize(), new double[] {0.001, 0.003})
          .addGrid(mlp.batchSize(), new int[] {100, 200})
          .build();
      CrossValidator cv = new CrossValidator()
          .setEstimator(new Pipeline().setStages(new PipelineStage[] {assembler, scaler,
              mlp.copy(ParamMap.empty()).setMaxIter(3)}))
          .setEstimatorParamMaps(grid).setEvaluator(accuracy).setNumFolds(2).setSeed(7);
      t0 = System.nanoTime();
      CrossValidatorModel cvModel = cv.fit(train);
      double[] metrics = cvModel.avgMetrics();
      for (int i = 0; i < grid.length; i++) {
        System.out.printf("cv: stepSize %s batchSize %s -> mean accuracy %.4f%n",
            grid[i].apply(mlp.stepSize()), grid[i].apply(mlp.batchSize()), metrics[i]);
      }
      System.out.printf("cv: 2 folds x %d settings in %.1fs; best model's test accuracy %.4f%n",
          grid.length, (System.nanoTime() - t0) / 1e9, accuracy.evaluate(cvModel.transform(test)));
      ok &= metrics.length == 4;
    } finally {
      spark.stop();
    }
    System.out.println(ok ? "OK" : "FAILED");
    System.exit(ok ? 0 : 1);
  }

  /** A CSV with a header of feature names and "label" last; every column a double. */
  static Dataset<Row> read(SparkSession spark, String path) {
    String header = spark.read().textFile(path).first();
    StructType schema = new StructType();
    for (String name : header.split(",")) schema = schema.add(name, DataTypes.DoubleType);
    return spark.read().option("header", "true").schema(schema).csv(path);
  }
}
