package dev.sparkmlp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir
  Path dir;

  @Test
  void optionsBeatSetsWhichBeatTheFileWhichBeatsTheReference() throws Exception {
    Path f = dir.resolve("a.conf");
    Files.writeString(f, "train { epochs = 3, batch-size = 50 }\nmodel.layers = [32]\n");
    Config c = ConfigLoader.load(f.toFile(), List.of("train.epochs=4", "train.optimizer.lr=0.5"),
        Map.of("train.optimizer.lr", 0.25));
    assertEquals(4, c.getInt("train.epochs"));
    assertEquals(50, c.getInt("train.batch-size"));
    assertEquals(0.25, c.getDouble("train.optimizer.lr"));
    assertEquals(List.of(32), c.getIntList("model.layers"));
    assertEquals("adam", c.getString("train.optimizer.name"), "from reference.conf");
  }

  @Test
  void unknownKeySuggestsTheNearestAndNamesTheFileAndLine() throws Exception {
    Path f = dir.resolve("typo.conf");
    Files.writeString(f, "train {\n  optimizer { nmae = sgd }\n}\n");
    ConfigLoader.ConfigError e = assertThrows(ConfigLoader.ConfigError.class,
        () -> ConfigLoader.load(f.toFile(), List.of(), Map.of()));
    assertTrue(e.getMessage().contains("typo.conf"), e.getMessage());
    assertTrue(e.getMessage().contains(": 2"), "line number: " + e.getMessage());
    assertTrue(e.getMessage().contains("unknown config key 'train.optimizer.nmae'"), e.getMessage());
    assertTrue(e.getMessage().contains("did you mean 'train.optimizer.name'"), e.getMessage());
  }

  @Test
  void keyInTheWrongSectionSuggestsTheRightOne() {
    ConfigLoader.ConfigError e = assertThrows(ConfigLoader.ConfigError.class,
        () -> ConfigLoader.load(null, List.of("train.lr=0.1"), Map.of()));
    assertTrue(e.getMessage().contains("did you mean 'train.optimizer.lr'"), e.getMessage());
  }

  @Test
  void setValuesMayBePathsAndUrls() {
    Config c = ConfigLoader.load(null, List.of("data.train=hdfs://nn:8020/x/train.csv", "train.master=spark://h:7077"),
        Map.of());
    assertEquals("hdfs://nn:8020/x/train.csv", c.getString("data.train"));
    assertEquals("spark://h:7077", c.getString("train.master"));
  }

  @Test
  void missingConfigFileIsNamed() {
    ConfigLoader.ConfigError e = assertThrows(ConfigLoader.ConfigError.class,
        () -> ConfigLoader.load(new File(dir.toFile(), "nope.conf"), List.of(), Map.of()));
    assertTrue(e.getMessage().contains("nope.conf"), e.getMessage());
  }

  @Test
  void editDistance() {
    assertEquals(0, ConfigLoader.editDistance("abc", "abc"));
    assertEquals(2, ConfigLoader.editDistance("nmae", "name"));
    assertEquals(3, ConfigLoader.editDistance("", "abc"));
  }

  /** Loads every conf/*.conf, which fails on an unknown key; the shipped five must be there. */
  @Test
  void everyShippedConfigUsesOnlyKnownKeys() throws Exception {
    List<String> loaded = new java.util.ArrayList<>();
    try (var files = Files.list(Path.of("conf"))) {
      for (Path p : files.filter(p -> p.toString().endsWith(".conf")).sorted().toList()) {
        ConfigLoader.load(p.toFile(), List.of(), Map.of());
        assertFalse(ConfigFactory.parseFile(p.toFile()).isEmpty(), p + " sets no key");
        loaded.add(p.getFileName().toString());
      }
    }
    assertTrue(loaded.containsAll(List.of("reference.conf", "mnist.conf", "ablation-mnist.conf",
        "ablation-fashion.conf", "ablation-cifar.conf")), "loaded " + loaded);
  }
}
