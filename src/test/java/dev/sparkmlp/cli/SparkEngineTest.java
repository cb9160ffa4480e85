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
}
