package dev.sparkmlp.ml;

import dev.sparkmlp.data.Task;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.regression.Regressor;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.types.StructType;

/**
 * A multi-layer perceptron regressor: one identity output trained on 1/2 squared error (MSE), the
 * same engine and params as {@link MlpClassifier}. Input: a {@code featuresCol} of
 * {@link Vector}s and a numeric {@code labelCol}; the model adds {@code prediction}. Scale the
 * label beforehand when its values are far from 1 in magnitude.
 */
public final class MlpRegressor extends Regressor<Vector, MlpRegressor, MlpRegressionModel>
    implements MlpSetters<MlpRegressor>, MLWritable {
  private static final long serialVersionUID = 1L;

  private final String uid;
  private final MlpParamSet paramSet;

  public MlpRegressor() {
    this(Identifiable$.MODULE$.randomUID("mlpRegressor"));
  }

  public MlpRegressor(String uid) {
    this(Uids.pending(uid));
  }

  private MlpRegressor(Uids.Pending pending) {
    super();
    this.uid = pending.take();
    this.paramSet = new MlpParamSet(this);
  }

  @Override
  public String uid() {
    return uid != null ? uid : Uids.current();
  }

  @Override
  public MlpParamSet mlpParamSet() {
    return paramSet;
  }

  /** Checks the columns first, so that a wrong type gets an error naming the column. */
  @Override
  public StructType transformSchema(StructType schema) {
    if (schema.getFieldIndex(getFeaturesCol()).isDefined()
        && schema.getFieldIndex(getLabelCol()).isDefined()) {
      dev.sparkmlp.spark.DataFrameBlocks.checkSchema(schema, getFeaturesCol(), getLabelCol());
    }
    return super.transformSchema(schema);
  }

  /** Called by {@code fit}; public because Java cannot override Scala's protected. */
  @Override
  public MlpRegressionModel train(Dataset<?> dataset) {
    MlpTraining.Fitted f = MlpTraining.fit(this, dataset, getFeaturesCol(), getLabelCol(),
        Task.REGRESSION);
    MlpRegressionModel model = new MlpRegressionModel(uid(),
        new MlpModelData(f.spec(), f.params(), f.buffers(), 0));
    model.setSummary(new MlpTrainingSummary(f.result()));
    return copyValues(model, ParamMap.empty()).setParent(this);
  }

  @Override
  public MlpRegressor copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  @Override
  public MLWriter write() {
    return new DefaultParamsWriter(this);
  }

  public static MLReader<MlpRegressor> read() {
    return new DefaultParamsReader<>();
  }

  public static MlpRegressor load(String path) {
    return read().load(path);
  }
}
