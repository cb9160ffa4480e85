package dev.sparkmlp.ml;

import dev.sparkmlp.io.SavedModel;
import dev.sparkmlp.train.Metrics;
import org.apache.spark.ml.classification.ProbabilisticClassificationModel;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * A trained {@link MlpClassifier}. {@code transform} adds rawPrediction (the logits z of the last
 * Dense layer, shifted to mean 0), probability (softmax(z)) and prediction (the most probable
 * class, or per {@code thresholds}). With two classes rawPrediction[1] = (z1 - z0) / 2, a score
 * that ranks rows by P(class 1), as BinaryClassificationEvaluator expects. Saved with {@link #write()} as Spark metadata plus the sparkmlp model
 * format in {@code PATH/model}, which {@code scripts/sparkmlp evaluate --model PATH/model} reads.
 */
public final class MlpClassificationModel
    extends ProbabilisticClassificationModel<Vector, MlpClassificationModel>
    implements MlpParams, MLWritable {
  private static final long serialVersionUID = 1L;

  private final String uid;
  private final MlpParamSet paramSet;
  private final MlpModelData data;
  private transient MlpTrainingSummary summary;

  /** An empty model, for Spark's service loader; it has no weights to predict with. */
  public MlpClassificationModel() {
    this(Uids.pending(Identifiable$.MODULE$.randomUID("mlpClassificationModel")), null);
  }

  MlpClassificationModel(String uid, MlpModelData data) {
    this(Uids.pending(uid), data);
  }

  private MlpClassificationModel(Uids.Pending pending, MlpModelData data) {
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
  public int numClasses() {
    return data().classes;
  }

  @Override
  public int numFeatures() {
    return data().inputs();
  }

  /** The logits z - mean(z) for one features vector. */
  @Override
  public Vector predictRaw(Vector features) {
    return Vectors.dense(data().forward(features));
  }

  /**
   * Adds rawPrediction, probability and prediction (each unless its column name is empty), as
   * Spark's transform does, but a partition's rows go through the network
   * {@link MlpModelData#BATCH} at a time. The sums of a batch may group differently from those
   * of {@link #predictRaw} on one vector, so the two can differ in the last bits; prediction
   * follows {@code thresholds} when they are set.
   */
  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType out = transformSchema(dataset.schema(), true);
    MlpModelData d = data();
    if (isDefined(thresholds()) && getThresholds().length != d.classes) {
      throw new IllegalArgumentException("param thresholds: " + getThresholds().length
          + " thresholds for " + d.classes + " classes");
    }
    if (out.length() == dataset.schema().length()) return dataset.toDF();
    // The new columns in the order of the output schema: 0 raw, 1 probability, 2 prediction.
    String[] names = out.fieldNames();
    int base = dataset.schema().length();
    int[] kinds = new int[names.length - base];
    for (int i = 0; i < kinds.length; i++) {
      String name = names[base + i];
      kinds[i] = name.equals(getRawPredictionCol()) ? 0 : name.equals(getProbabilityCol()) ? 1 : 2;
    }
    double[] thresholds = isDefined(thresholds()) ? getThresholds() : null;
    return BatchTransform.transform(dataset, out, getFeaturesCol(), d,
        new Outputs(kinds, thresholds));
  }

  /**
   * A row's new columns from its logits: kinds[i] 0 rawPrediction, 1 probability, 2 prediction.
   * Not the model itself, whose weights would then travel in every task.
   */
  private record Outputs(int[] kinds, double[] thresholds) implements BatchTransform.Columns {
    @Override
    public Object[] of(double[] z, int off, int k) {
      DenseVector r = new DenseVector(java.util.Arrays.copyOfRange(z, off, off + k));
      Object[] values = new Object[kinds.length];
      for (int i = 0; i < kinds.length; i++) {
        values[i] = kinds[i] == 0 ? r : kinds[i] == 1 ? probability(r)
            : (Object) prediction(r, thresholds);
      }
      return values;
    }
  }

  private static DenseVector probability(DenseVector raw) {
    double[] p = raw.values().clone();
    MlpModelData.softmaxInPlace(p);
    return new DenseVector(p);
  }

  /**
   * Spark's rule (ProbabilisticClassificationModel.raw2prediction): the largest logit, or with
   * thresholds the largest probability / threshold, the first on ties.
   */
  static double prediction(DenseVector raw, double[] thresholds) {
    if (thresholds == null) return raw.argmax();
    double[] p = probability(raw).values();
    int argMax = 0;
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < p.length; i++) {
      double scaled = p[i] / thresholds[i];
      if (scaled > max) {
        max = scaled;
        argMax = i;
      }
    }
    return argMax;
  }

  /** raw := softmax(raw). Modified: raw (a dense vector). */
  @Override
  public Vector raw2probabilityInPlace(Vector raw) {
    if (!(raw instanceof DenseVector dv)) {
      throw new IllegalArgumentException("rawPrediction must be a dense vector");
    }
    MlpModelData.softmaxInPlace(dv.values());
    return dv;
  }

  /**
   * All parameters as one flat vector, in the layout of the network (per Dense layer W row-major,
   * then b; per norm layer gamma, beta); the float32 weights widened to double.
   */
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
   * Loss (mean cross-entropy), accuracy and row count on {@code dataset}'s featuresCol and
   * labelCol, computed on the executors; rows are checked as in fit.
   */
  public Metrics evaluate(Dataset<?> dataset) {
    return MlpEvaluation.evaluate(data(), dataset, getFeaturesCol(), getLabelCol());
  }

  @Override
  public MlpClassificationModel copy(ParamMap extra) {
    MlpClassificationModel m = copyValues(new MlpClassificationModel(uid, data), extra);
    m.summary = summary;
    return m.setParent(parent());
  }

  @Override
  public MLWriter write() {
    return new MlpModelIO.Writer(this, data);
  }

  public static MLReader<MlpClassificationModel> read() {
    return new Reader();
  }

  public static MlpClassificationModel load(String path) {
    return read().load(path);
  }

  @Override
  public String toString() {
    return "MlpClassificationModel: uid=" + uid + (data == null ? ", not fitted"
        : ", numFeatures=" + data.inputs() + ", numClasses=" + data.classes);
  }

  private static final class Reader extends MLReader<MlpClassificationModel> {
    @Override
    public MlpClassificationModel load(String path) {
      SparkSession spark = sparkSession();
      MlpModelIO.Loaded l = MlpModelIO.load(path, spark, MlpClassificationModel.class,
          SavedModel.CLASSIFICATION);
      MlpClassificationModel m = new MlpClassificationModel(l.metadata().uid(), l.data());
      MlpModelIO.setParams(l.metadata(), m);
      return m;
    }
  }

  /**
   * Spark's, unchanged. Declared here only because Java sees two inherited versions whose return
   * types differ in a type argument (Scala's Tuple3 is covariant, Java's view of it is not).
   */
  @Override
  @SuppressWarnings({"rawtypes", "unchecked"})
  public scala.Tuple3 findSummaryModel() {
    return super.findSummaryModel();
  }
}
