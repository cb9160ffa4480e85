package dev.sparkmlp.cli;

import picocli.CommandLine.Option;

/** The options of the commands that apply a saved model to a dataset (evaluate, predict). */
final class ModelOptions {
  @Option(names = "--model", required = true, paramLabel = "DIR", description = "Saved model directory.")
  String model;

  @Option(names = "--data", required = true, paramLabel = "PATH", description = "Data to read (format from --format).")
  String data;

  @Option(names = "--labels", paramLabel = "PATH", description = "idx labels file (default: beside the images).")
  String labels;

  ModelData load(CommonOptions common) {
    return ModelData.load(model, common, data, labels);
  }
}
