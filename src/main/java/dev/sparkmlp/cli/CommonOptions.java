package dev.sparkmlp.cli;

import java.io.File;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Options shared by commands that read a configuration. Each common option is a shortcut for a
 * config key and is stronger than --set and the --config file.
 */
final class CommonOptions {
  @Option(names = "--config", paramLabel = "FILE", description = "HOCON config file (see conf/reference.conf).")
  File config;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a config key, e.g. --set train.l2=0.5 (repeatable).")
  List<String> sets = new ArrayList<>();

  @Option(names = "--output", paramLabel = "DIR", description = "Output directory (output).")
  String output;

  @Option(names = "--train", paramLabel = "PATH", description = "Training data (data.train); for idx the images file.")
  String train;

  @Option(names = "--train-labels", paramLabel = "PATH", description = "idx labels file for --train (data.train-labels).")
  String trainLabels;

  @Option(names = "--validation", paramLabel = "PATH", description = "Validation data (data.validation).")
  String validation;

  @Option(names = "--validation-labels", paramLabel = "PATH", description = "idx labels for --validation.")
  String validationLabels;

  @Option(names = "--test", paramLabel = "PATH", description = "Test data, scored after training (data.test).")
  String test;

  @Option(names = "--test-labels", paramLabel = "PATH", description = "idx labels for --test (data.test-labels).")
  String testLabels;

  @Option(names = "--format", description = "idx | cifar | csv | libsvm | parquet | orc (data.format).")
  String format;

  @Option(names = "--label-column", description = "csv label column, name or 0-based index; parquet/orc: name (data.label-column).")
  String labelColumn;

  @Option(names = "--scale", description = "none | standard | minmax | divide255 (data.scale).")
  String scale;

  @Option(names = "--task", description = "classification | regression (data.task).")
  String task;

  @Option(names = "--layers", paramLabel = "W,W,...", split = ",", description = "Hidden widths, e.g. 128,128 (model.layers).")
  List<Integer> layers;

  @Option(names = "--activation", description = "Hidden activation (model.activation).")
  String activation;

  @Option(names = "--loss", description = "cce | bce | mse (model.loss).")
  String loss;

  @Option(names = "--optimizer", description = "sgd | momentum | rmsprop | adam | adamw | lamb | lars (train.optimizer.name).")
  String optimizer;

  @Option(names = "--lr", description = "Learning rate (train.optimizer.lr).")
  Double lr;

  @Option(names = "--batch-size", description = "Global mini-batch size (train.batch-size).")
  Integer batchSize;

  @Option(names = "--epochs", description = "Epochs (train.epochs).")
  Integer epochs;

  @Option(names = "--seed", description = "Random seed (train.seed).")
  Long seed;

  @Option(names = "--engine", description = "local | spark (train.engine).")
  String engine;

  @Option(names = "--master", description = "Spark master URL (train.master).")
  String master;

  @Option(names = "--partitions", description = "Shards or Spark partitions (train.partitions).")
  Integer partitions;

  @Option(names = "--threads", description = "Local worker threads (train.threads).")
  Integer threads;

  /** The options that were given, as config paths. */
  Map<String, Object> asConfig() {
    Map<String, Object> m = new LinkedHashMap<>();
    put(m, "output", output);
    put(m, "data.train", train);
    put(m, "data.train-labels", trainLabels);
    put(m, "data.validation", validation);
    put(m, "data.validation-labels", validationLabels);
    put(m, "data.test", test);
    put(m, "data.test-labels", testLabels);
    put(m, "data.format", format);
    put(m, "data.label-column", labelColumn);
    put(m, "data.scale", scale);
    put(m, "data.task", task);
    put(m, "model.layers", layers);
    put(m, "model.activation", activation);
    put(m, "model.loss", loss);
    put(m, "train.optimizer.name", optimizer);
    put(m, "train.optimizer.lr", lr);
    put(m, "train.batch-size", batchSize);
    put(m, "train.epochs", epochs);
    put(m, "train.seed", seed);
    put(m, "train.engine", engine);
    put(m, "train.master", master);
    put(m, "train.partitions", partitions);
    put(m, "train.threads", threads);
    return m;
  }

  private static void put(Map<String, Object> m, String key, Object v) {
    if (v != null) m.put(key, v);
  }

  Settings load() {
    return load(Map.of());
  }

  /** As {@link #load()}, with a command's own shortcut options ({@code more}) as strong. */
  Settings load(Map<String, Object> more) {
    Map<String, Object> m = asConfig();
    m.putAll(more);
    return new Settings(ConfigLoader.load(config, sets, m));
  }
}
