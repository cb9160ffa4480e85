package dev.sparkmlp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/** The session settings SparkEngine starts Spark with, when it starts the session itself. */
class SparkEngineTest {
  private static Settings settings(String... sets) {
    return new Settings(ConfigLoader.load(null, List.of(sets), Map.of()));
  }

  @Test
  void taskResultsUpToTheRpcLimitGoDirectlyUnlessTheUserSaysOtherwise() {
    try (SparkEngine engine = SparkEngine.start(settings("train.master=local[2]"))) {
      SparkConf conf = engine.session().sparkContext().getConf();
      assertEquals("128m", conf.get("spark.task.maxDirectResultSize"));
      assertEquals("false", conf.get("spark.ui.enabled"), "no web UI for a local master");
    }
    System.setProperty("spark.task.maxDirectResultSize", "2m");
    try (SparkEngine engine = SparkEngine.start(settings("train.master=local[2]"))) {
      assertEquals("2m", engine.session().sparkContext().getConf()
          .get("spark.task.maxDirectResultSize"), "a value the user set is kept");
    } finally {
      System.clearProperty("spark.task.maxDirectResultSize");
    }
    assertFalse(org.apache.spark.sql.SparkSession.getActiveSession().isDefined()
        || org.apache.spark.sql.SparkSession.getDefaultSession().isDefined(),
        "the engine stops the session it started");
  }

  /** The local file system under another scheme, known only through a Hadoop setting. */
  public static final class RenamedLocalFs extends org.apache.hadoop.fs.RawLocalFileSystem {
    @Override
    public String getScheme() {
      return "renamedlocal";
    }

    @Override
    public java.net.URI getUri() {
      return java.net.URI.create("renamedlocal:///");
    }
  }

  /**
   * Files the driver opens itself go through Spark's Hadoop configuration, so that the
   * application's spark.hadoop.* settings (an S3 endpoint, credentials) apply to them too.
   */
  @Test
  void theDriversFilesUseTheApplicationsHadoopSettings(@org.junit.jupiter.api.io.TempDir
      java.nio.file.Path dir) throws Exception {
    java.nio.file.Path f = dir.resolve("x.txt");
    java.nio.file.Files.writeString(f, "hello");
    String uri = "renamedlocal://" + f.toAbsolutePath();
    // Without the setting the scheme is unknown: the test does not pass by accident.
    org.junit.jupiter.api.Assertions.assertThrows(java.io.UncheckedIOException.class,
        () -> dev.sparkmlp.io.Fs.open(uri).close());
    System.setProperty("spark.hadoop.fs.renamedlocal.impl", RenamedLocalFs.class.getName());
    try (SparkEngine engine = SparkEngine.start(settings("train.master=local[2]"))) {
      try (java.io.InputStream in = dev.sparkmlp.io.Fs.open(uri)) {
        assertEquals("hello", new String(in.readAllBytes()));
      }
    } finally {
      System.clearProperty("spark.hadoop.fs.renamedlocal.impl");
      dev.sparkmlp.io.Fs.setConfiguration(null);
    }
  }
}
