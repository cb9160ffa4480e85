package dev.sparkmlp.ml;

import dev.sparkmlp.data.Task;
import org.apache.spark.ml.classification.ProbabilisticClassifier;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.types.StructType;

/**
 * A multi-layer perceptron classifier, trained data-parallel on the executors by sparkmlp's
 * engine. Input: a {@code featuresCol} of {@link Vector}s and a numeric {@code labelCol} of class
 * indices 0..K-1 (K from the label's nominal metadata, else the largest label + 1). The model
 * adds {@code prediction}, {@code probability} (softmax) and {@code rawPrediction} (logits).
 *
 * <pre>{@code
 * MlpClassifier mlp = new MlpClassifier().setHiddenLayers(128, 64).setMaxIter(10);
 * Pipeline p = new Pipeline().setStages(new PipelineStage[] {assembler, scaler, mlp});
 * PipelineModel m = p.fit(train);
 * }</pre>
 *
 * Each row is checked before training starts (vector type and width, NaN/Inf, nulls, labels);
 * an error names the column and the row's 0-based position in the DataFrame. Params and their
 * defaults: {@link MlpParams}. Saving: {@link #write()}, {@link #load(String)}.
 */
public final class MlpClassifier
    extends ProbabilisticClassifier<Vector, MlpClassifier, MlpClassificationModel>
    implements MlpSetters<MlpClassifier>, MLWritable {
  private static final long serialVersionUID = 1L;

  private final String uid;
  private final MlpParamSet paramSet;

  public MlpClassifier() {
    this(Identifiable$.MODULE$.randomUID("mlpClassifier"));
  }

  public MlpClassifier(String uid) {
    this(Uids.pending(uid));
  }

  private MlpClassifier(Uids.Pending pending) {
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
  public MlpClassificationModel train(Dataset<?> dataset) {
    MlpTraining.Fitted f = MlpTraining.fit(this, dataset, getFeaturesCol(), getLabelCol(),
        Task.CLASSIFICATION);
    MlpClassificationModel model = new MlpClassificationModel(uid(),
        new MlpModelData(f.spec(), f.params(), f.buffers(), f.classes()));
    model.setSummary(new MlpTrainingSummary(f.result()));
    return copyValues(model, ParamMap.empty()).setParent(this);
  }

  @Override
  public MlpClassifier copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  @Override
  public MLWriter write() {
    return new DefaultParamsWriter(this);
  }

  public static MLReader<MlpClassifier> read() {
    return new DefaultParamsReader<>();
  }

  public static MlpClassifier load(String path) {
    return read().load(path);
  }
}
