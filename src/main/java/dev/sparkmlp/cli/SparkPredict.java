package dev.sparkmlp.cli;

import dev.sparkmlp.spark.SparkPrediction;

/**
 * {@code predict --engine spark}: the executors read the data and write the predictions
 * ({@link SparkPrediction}) to a directory, as Parquet when the output path ends in
 * {@code .parquet}, else as CSV with a header. Kept apart so that local runs never load Spark.
 */
final class SparkPredict {
  private SparkPredict() {}

  static long run(ModelData.Prepared p, String dataPath, String output) {
    String format = output.toLowerCase(java.util.Locale.ROOT).replaceAll("/+$", "")
        .endsWith(".parquet") ? "parquet" : "csv";
    try (SparkEngine engine = SparkEngine.start(p.settings())) {
      boolean classifier = p.model().task().equals("classification");
      return SparkPrediction.write(engine.session(), p.spec(), dataPath, p.net(),
          p.model().params(), p.model().buffers(), p.model().scaler(),
          classifier ? p.model().classes() : 0, engine.partitions(), output, format);
    }
  }
}
