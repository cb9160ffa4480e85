package dev.sparkmlp.ml;

import dev.sparkmlp.data.Task;
import dev.sparkmlp.io.SavedModel;
import dev.sparkmlp.nn.LayerSpec;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.nn.NetworkSpec;
import dev.sparkmlp.nn.Workspace;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;

/**
 * A trained network as a model holds it: architecture, flat params and buffers, and the number
 * of classes (0 for regression). It travels inside the model to the executors that run
 * {@code transform}; each thread there keeps one single-row workspace, for {@link #forward}, and
 * one of {@link #BATCH} rows, for {@link #forwardBatch}.
 *
 * <p>For a classifier the "raw" network is the trained one without its final softmax, so a
 * forward pass gives the logits z. rawPrediction is z - mean(z): softmax ignores the shift, and
 * with two classes rawPrediction[1] = (z1 - z0) / 2 then ranks rows by P(class 1), which is what
 * BinaryClassificationEvaluator reads. probability = softmax(z), computed in double.
 */
final class MlpModelData implements Serializable {
  private static final long serialVersionUID = 1L;

  final NetworkSpec spec;
  final float[] params;
  final float[] buffers;
  final int classes;
  private transient volatile Network raw;
  private transient volatile ThreadLocal<Row> rows;

  /** Rows per forward pass in {@link #forwardBatch}: one GEMM per layer instead of one per row. */
  static final int BATCH = 256;

  private transient volatile ThreadLocal<Workspace> batches;
  /** This data as a broadcast, and the context it belongs to ({@link #shipped}). */
  private transient org.apache.spark.broadcast.Broadcast<byte[]> broadcast;
  private transient org.apache.spark.SparkContext broadcastOn;

  /** A thread's workspace and input row. */
  private record Row(Workspace ws, float[] x) {}

  MlpModelData(NetworkSpec spec, float[] params, float[] buffers, int classes) {
    Network net = Network.build(spec);
    if (params.length != net.paramCount() || buffers.length != net.bufferCount()) {
      throw new IllegalArgumentException("the network has " + net.paramCount() + " params and "
          + net.bufferCount() + " buffers, the weights " + params.length + " and "
          + buffers.length);
    }
    this.spec = spec;
    this.params = params;
    this.buffers = buffers;
    this.classes = classes;
  }

  /**
   * This data as a broadcast of {@code sc}, for the tasks of a transform: made at the first
   * transform on that context and reused by the next ones (a CrossValidator's evaluation calls
   * transform once per fold), kept while this data lives; Spark's ContextCleaner removes it
   * after. Captured in the task closure instead, a model of more than about 256k parameters made
   * Spark warn of a large task binary at every transform. The value is this object's Java
   * serialization, which ships under any Spark serializer (Kryo registers byte[]).
   */
  synchronized org.apache.spark.broadcast.Broadcast<byte[]> shipped(
      org.apache.spark.SparkContext sc) {
    if (broadcast == null || broadcastOn != sc || sc.isStopped()) {
      java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
      try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
        out.writeObject(this);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException("cannot serialize the model's weights", e);
      }
      broadcast = org.apache.spark.api.java.JavaSparkContext.fromSparkContext(sc)
          .broadcast(bytes.toByteArray());
      broadcastOn = sc;
    }
    return broadcast;
  }

  /** The last few broadcasts read on this JVM, by broadcast id. */
  private static final java.util.Map<Long, MlpModelData> RECEIVED =
      new java.util.LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<Long, MlpModelData> e) {
          return size() > 4;
        }
      };

  /**
   * On an executor: the data of a broadcast from {@link #shipped}, deserialized once per JVM
   * while it is among the last four read, so that the tasks of a transform share it.
   */
  static MlpModelData received(org.apache.spark.broadcast.Broadcast<byte[]> b) {
    synchronized (RECEIVED) {
      MlpModelData d = RECEIVED.get(b.id());
      if (d != null) return d;
    }
    MlpModelData d;
    try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(
        new java.io.ByteArrayInputStream(b.value()))) {
      d = (MlpModelData) in.readObject();
    } catch (java.io.IOException | ClassNotFoundException e) {
      throw new IllegalStateException("cannot read the model's weights from broadcast " + b.id(),
          e);
    }
    synchronized (RECEIVED) {
      MlpModelData had = RECEIVED.putIfAbsent(b.id(), d);
      return had != null ? had : d;
    }
  }

  Task task() {
    return classes > 0 ? Task.CLASSIFICATION : Task.REGRESSION;
  }

  int inputs() {
    return spec.inputs();
  }

  /** The trained network, with its output activation and loss. */
  Network network() {
    return Network.build(spec);
  }

  /**
   * The raw outputs for one features vector: centred logits for a classifier, the prediction for
   * a regressor. Not modified: features.
   */
  double[] forward(Vector features) {
    Row r = row();
    float[] x = r.x();
    toFloats(features, x, 0);
    float[] out = raw().predict(params, buffers, x, 0, 1, r.ws());
    double[] z = new double[outputs()];
    centre(out, 0, z, 0);
    return z;
  }

  /** The params widened to double, as one dense vector in the network's layout. */
  Vector weights() {
    double[] d = new double[params.length];
    for (int i = 0; i < params.length; i++) d[i] = params[i];
    return org.apache.spark.ml.linalg.Vectors.dense(d);
  }

  /** Width of the raw outputs: the classes, or 1 for a regressor. */
  int outputs() {
    return raw().outputs();
  }

  /**
   * The raw outputs of {@code rows <= BATCH} rows at once, as {@link #forward} computes them for
   * one: z[i * outputs() + j] for row i. The sums inside a layer may group differently for a batch
   * than for a single row, so the two can differ in the last bits. Not modified: x (rows x inputs,
   * row-major). Modified: z.
   */
  void forwardBatch(float[] x, int rows, double[] z) {
    if (batches == null) {
      synchronized (this) {
        if (batches == null) {
          Network n = raw();
          batches = ThreadLocal.withInitial(() -> n.newWorkspace(BATCH));
        }
      }
    }
    float[] out = raw().predict(params, buffers, x, 0, rows, batches.get());
    int k = outputs();
    for (int i = 0; i < rows; i++) centre(out, i * k, z, i * k);
  }

  /** z[zOff..] := out[off..] widened, minus their mean for a classifier (one row). */
  private void centre(float[] out, int off, double[] z, int zOff) {
    int k = outputs();
    double mean = 0;
    for (int j = 0; j < k; j++) {
      z[zOff + j] = out[off + j];
      mean += z[zOff + j];
    }
    if (classes > 0) {
      mean /= k;
      for (int j = 0; j < k; j++) z[zOff + j] -= mean;
    }
  }

  /**
   * x[off, off + size) := features as floats, for a dense, sparse or any other vector.
   *
   * @throws IllegalArgumentException when the vector's width is not the model's
   */
  void toFloats(Vector features, float[] x, int off) {
    int n = spec.inputs();
    if (features.size() != n) {
      throw new IllegalArgumentException("the features vector has " + features.size()
          + " values, the model expects " + n);
    }
    if (features instanceof DenseVector dv) {
      double[] v = dv.values();
      for (int j = 0; j < n; j++) x[off + j] = (float) v[j];
    } else if (features instanceof SparseVector sv) {
      Arrays.fill(x, off, off + n, 0f);
      int[] idx = sv.indices();
      double[] v = sv.values();
      for (int i = 0; i < idx.length; i++) x[off + idx[i]] = (float) v[i];
    } else {
      for (int j = 0; j < n; j++) x[off + j] = (float) features.apply(j);
    }
  }

  /** z := softmax(z) = exp(z - max z) / sum exp(z - max z). Modified: z. */
  static void softmaxInPlace(double[] z) {
    double max = Double.NEGATIVE_INFINITY;
    for (double v : z) max = Math.max(max, v);
    double sum = 0;
    for (int j = 0; j < z.length; j++) {
      z[j] = Math.exp(z[j] - max);
      sum += z[j];
    }
    for (int j = 0; j < z.length; j++) z[j] /= sum;
  }

  SavedModel toSaved(Map<String, String> info) {
    return new SavedModel(spec, params.clone(), buffers.clone(), null,
        classes > 0 ? SavedModel.CLASSIFICATION : SavedModel.REGRESSION, classes, info);
  }

  static MlpModelData fromSaved(SavedModel m, String where) {
    if (m.scaler() != null) {
      throw new IllegalArgumentException(where + ": the model has a feature scaler; Spark models"
          + " scale in the Pipeline (StandardScaler), so this is not a model of the ml package");
    }
    int classes = m.task().equals(SavedModel.CLASSIFICATION) ? m.classes() : 0;
    return new MlpModelData(m.spec(), m.params(), m.buffers(), classes);
  }

  private Network raw() {
    if (raw == null) {
      if (classes > 0) {
        List<LayerSpec> layers = spec.layers();
        raw = Network.build(new NetworkSpec(spec.inputs(), layers.subList(0, layers.size() - 1),
            spec.loss()));
      } else {
        raw = Network.build(spec);
      }
    }
    return raw;
  }

  private Row row() {
    if (rows == null) {
      synchronized (this) {
        if (rows == null) {
          Network n = raw();
          rows = ThreadLocal.withInitial(() -> new Row(n.newWorkspace(1), new float[n.inputs()]));
        }
      }
    }
    return rows.get();
  }
}
