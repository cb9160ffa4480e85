package dev.sparkmlp.cli;

/** Creates the Spark engine; kept apart so that local runs never load Spark classes. */
final class SparkEngineFactory {
  private SparkEngineFactory() {}

  static Engine create(Settings s) {
    return SparkEngine.start(s);
  }
}
