package dev.sparkmlp.ml;

import dev.sparkmlp.io.Fs;
import dev.sparkmlp.io.ModelIO;
import dev.sparkmlp.io.SavedModel;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.SparkSession;

/**
 * The saved form of a model:
 *
 * <pre>
 * PATH/metadata/   Spark's param metadata (DefaultParamsWriter): class, uid, params, defaults
 * PATH/model/      the sparkmlp model format (io.ModelIO): model.json and weights.bin, so
 *                  {@code sparkmlp evaluate --model PATH/model} and {@code predict} read it
 * </pre>
 *
 * Inside a saved PipelineModel the model is at {@code PATH/stages/N_UID/}. The model directory
 * holds the network only: feature stages of the Pipeline (VectorAssembler, StandardScaler) are
 * not in it, so the CLI must be given features prepared the same way.
 */
final class MlpModelIO {
  /** The sparkmlp model directory inside a saved Spark model. */
  static final String MODEL_DIR = "model";

  private MlpModelIO() {}

  /** Writes the metadata and the sparkmlp model of {@code instance}. */
  static final class Writer extends MLWriter {
    private final Params instance;
    private final MlpModelData data;

    Writer(Params instance, MlpModelData data) {
      this.instance = instance;
      this.data = data;
    }

    @Override
    public void saveImpl(String path) {
      if (data == null) {
        throw new IllegalStateException(instance.uid() + " has no weights to save (not fitted)");
      }
      SparkSession spark = sparkSession();
      Fs.setConfiguration(spark.sparkContext().hadoopConfiguration());
      DefaultParamsWriter.saveMetadata(instance, path, spark);
      Map<String, String> info = new LinkedHashMap<>();
      info.put("created", Instant.now().toString());
      info.put("spark_class", instance.getClass().getName());
      info.put("uid", instance.uid());
      info.put("spark", spark.version());
      ModelIO.save(data.toSaved(info), Fs.resolve(path, MODEL_DIR));
    }
  }

  /** What a reader gets back: the uid and params metadata, and the weights. */
  record Loaded(DefaultParamsReader.Metadata metadata, MlpModelData data) {}

  static Loaded load(String path, SparkSession spark, Class<?> cls, String task) {
    Fs.setConfiguration(spark.sparkContext().hadoopConfiguration());
    DefaultParamsReader.Metadata md =
        DefaultParamsReader.loadMetadata(path, spark, cls.getName());
    String dir = Fs.resolve(path, MODEL_DIR);
    SavedModel saved = ModelIO.load(dir);
    if (!saved.task().equals(task)) {
      throw new IllegalArgumentException(dir + ": a " + saved.task() + " model, not a " + task
          + " model");
    }
    return new Loaded(md, MlpModelData.fromSaved(saved, dir));
  }

  /** Sets the saved params on {@code model}. */
  static void setParams(DefaultParamsReader.Metadata md, Params model) {
    md.getAndSetParams(model, md.getAndSetParams$default$2());
  }
}
