package dev.sparkmlp.ml;

import dev.sparkmlp.io.SavedModel;
import dev.sparkmlp.train.Metrics;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.regression.RegressionModel;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * A trained {@link MlpRegressor}; {@code transform} adds the prediction column. Saved as Spark
 * metadata plus the sparkmlp model format in {@code PATH/model}.
 */
public final class MlpRegressionModel extends RegressionModel<Vector, MlpRegressionModel>
    implements MlpParams, MLWritable {
  private static final long serialVersionUID = 1L;

  private final String uid;
  private final MlpParamSet paramSet;
  private final MlpModelData data;
  private transient MlpTrainingSummary summary;

  /** An empty model, for Spark's service loader; it has no weights to predict with. */
  public MlpRegressionModel() {
    this(Uids.pending(Identifiable$.MODULE$.randomUID("mlpRegressionModel")), null);
  }

  MlpRegressionModel(String uid, MlpModelData data) {
    this(Uids.pending(uid), data);
  }

  private MlpRegressionModel(Uids.Pending pending, MlpModelData data) {
    super();
    this.uid = pending.take();
    this.paramSet = new MlpParamSet(this);
    this.data = data;
  }

  @Override
  public String uid() {
    return uid != null ? uid : Uids.current();
  }

  @Override
  public MlpParamSet mlpParamSet() {
    return paramSet;
  }

  private MlpModelData data() {
    if (data == null) throw new IllegalStateException(uid + " has no weights (not fitted)");
    return data;
  }

  @Override
  public int numFeatures() {
    return data().inputs();
  }

  @Override
  public double predict(Vector features) {
    return data().forward(features)[0];
  }

  /**
   * Adds prediction (unless its column name is empty), as Spark's transform does, but a
   * partition's rows go through the network {@link MlpModelData#BATCH} at a time; the sums of a
   * batch may group differently from those of {@link #predict} on one vector, so the two can
   * differ in the last bits.
   */
  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType out = transformSchema(dataset.schema(), true);
    if (getPredictionCol().isEmpty()) return dataset.toDF();
    return BatchTransform.transform(dataset, out, getFeaturesCol(), data(),
        (z, off, k) -> new Object[] {z[off]});
  }

  /** All parameters as one flat vector (see MlpClassificationModel.weights). */
  public Vector weights() {
    return data().weights();
  }

  /** The model in the sparkmlp format, as {@code PATH/model} holds it. */
  public SavedModel savedModel() {
    return data().toSaved(java.util.Map.of("uid", uid));
  }

  public boolean hasSummary() {
    return summary != null;
  }

  /** The training history of the fit that made this model. */
  public MlpTrainingSummary summary() {
    if (summary == null) {
      throw new IllegalStateException("no training summary: only a model fresh from fit has one"
          + " (" + uid + ")");
    }
    return summary;
  }

  void setSummary(MlpTrainingSummary s) {
    this.summary = s;
  }

  /**
   * Loss (mean of 1/2 squared error, so RMSE = sqrt(2 loss)) and row count on {@code dataset},
   * computed on the executors; rows are checked as in fit.
   */
  public Metrics evaluate(Dataset<?> dataset) {
    return MlpEvaluation.evaluate(data(), dataset, getFeaturesCol(), getLabelCol());
  }

  @Override
  public MlpRegressionModel copy(ParamMap extra) {
    MlpRegressionModel m = copyValues(new MlpRegressionModel(uid, data), extra);
    m.summary = summary;
    return m.setParent(parent());
  }

  @Override
  public MLWriter write() {
    return new MlpModelIO.Writer(this, data);
  }

  public static MLReader<MlpRegressionModel> read() {
    return new Reader();
  }

  public static MlpRegressionModel load(String path) {
    return read().load(path);
  }

  @Override
  public String toString() {
    return "MlpRegressionModel: uid=" + uid + (data == null ? ", not fitted"
        : ", numFeatures=" + data.inputs());
  }

  private static final class Reader extends MLReader<MlpRegressionModel> {
    @Override
    public MlpRegressionModel load(String path) {
      SparkSession spark = sparkSession();
      MlpModelIO.Loaded l = MlpModelIO.load(path, spark, MlpRegressionModel.class,
          SavedModel.REGRESSION);
      MlpRegressionModel m = new MlpRegressionModel(l.metadata().uid(), l.data());
      MlpModelIO.setParams(l.metadata(), m);
      return m;
    }
  }
}
