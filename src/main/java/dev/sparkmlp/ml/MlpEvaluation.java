package dev.sparkmlp.ml;

import dev.sparkmlp.spark.SparkEvaluation;
import dev.sparkmlp.train.Metrics;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** A model's distributed evaluation on a DataFrame (no dropout, running batch-norm statistics). */
final class MlpEvaluation {
  private MlpEvaluation() {}

  static Metrics evaluate(MlpModelData data, Dataset<?> dataset, String featuresCol,
      String labelCol) {
    Dataset<Row> df = dataset.toDF();
    int partitions = df.sparkSession().sparkContext().defaultParallelism();
    df.sparkSession().sparkContext().setJobDescription("sparkmlp: evaluate");
    try (SparkEvaluation e = SparkEvaluation.fromDataFrame(df, featuresCol, labelCol,
        data.task(), data.network(), partitions, "evaluation rows")) {
      return e.evaluate(data.params, data.buffers);
    } finally {
      df.sparkSession().sparkContext().setJobDescription(null);
    }
  }
}
