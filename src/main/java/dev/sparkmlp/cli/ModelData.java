package dev.sparkmlp.cli;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.io.ModelIO;
import dev.sparkmlp.io.SavedModel;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.train.DataSpec;
import dev.sparkmlp.train.Datasets;

/** A saved model and a dataset read and scaled the way the model was trained, for evaluate and predict. */
record ModelData(SavedModel model, Network net, Block data) {

  /** The model, its network, and the settings and data spec to read {@code dataPath} with. */
  record Prepared(SavedModel model, Network net, Settings settings, DataSpec spec) {}

  static ModelData load(String modelDir, CommonOptions common, String dataPath, String labelsPath) {
    Prepared p = prepare(modelDir, common, dataPath, labelsPath);
    SavedModel model = p.model();
    Network net = p.net();
    DataSpec spec = p.spec();
    Block raw = Datasets.read(spec, dataPath, spec.trainLabels(), model.classes());
    net.checkData(raw, "data in " + dataPath);
    Block data = model.scaler() == null ? raw : model.scaler().apply(raw);
    return new ModelData(model, net, data);
  }

  /** Loads the model and the settings, checking that the data's task is the model's. */
  static Prepared prepare(String modelDir, CommonOptions common, String dataPath,
      String labelsPath) {
    SavedModel model = ModelIO.load(modelDir);
    Network net = Network.build(model.spec());
    if (dataPath == null) throw new IllegalArgumentException("--data is required");
    common.train = dataPath;
    if (labelsPath != null) common.trainLabels = labelsPath;
    // The task is the model's; a task given by the user must agree with it.
    boolean userTask = common.task != null
        || common.sets.stream().anyMatch(x -> x.strip().startsWith("data.task"));
    if (!userTask) common.task = model.task();
    Settings s = common.load();
    DataSpec spec = s.data();
    String task = spec.task().name().toLowerCase(java.util.Locale.ROOT);
    if (!task.equals(model.task())) {
      throw new IllegalArgumentException("data.task is " + task + " but " + modelDir + " is a "
          + model.task() + " model");
    }
    return new Prepared(model, net, s, spec);
  }
}
