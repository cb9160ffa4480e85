package dev.sparkmlp.ml;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.spark.SparkConf;

/**
 * Keeps Spark's INFO lines off the console in tests and notebooks. Call before the SparkSession
 * starts: without a log4j configuration of the user's, Spark installs its default profile (INFO)
 * at its first log line; this installs it now, silently, and lowers the root level to WARN. Does
 * nothing when a log4j configuration file is given ({@code -Dlog4j2.configurationFile}).
 */
public final class Logs {
  private Logs() {}

  public static void quiet() {
    if (System.getProperty("log4j2.configurationFile") != null
        || System.getProperty("log4j.configurationFile") != null) {
      return;
    }
    try {
      new SparkConf(false).initializeLogIfNecessary(false, true);
      Configurator.setRootLevel(Level.WARN);
      // Reading a glob (data.train = "dir/part-*") makes it warn, with a stack trace, that there
      // is no streaming metadata directory: the normal case for input files.
      Configurator.setLevel("org.apache.spark.sql.execution.streaming.sinks.FileStreamSink",
          Level.ERROR);
    } catch (LinkageError e) {
      // Another logging backend: SparkContext.setLogLevel after startup still applies.
    }
  }
}
