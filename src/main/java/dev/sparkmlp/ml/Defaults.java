package dev.sparkmlp.ml;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import java.util.List;

/**
 * The defaults of the Params and of the settings the Params do not expose (Adam's betas, the
 * schedule's warm-up, early stopping's monitor, ...), read from the {@code conf/reference.conf}
 * that the build copies into the jar as {@code sparkmlp/reference.conf}. The CLI reads the same
 * file, so an estimator and a CLI run with the same values use the same defaults.
 */
final class Defaults {
  static final String RESOURCE = "sparkmlp/reference.conf";

  private static final Config REFERENCE = ConfigFactory.parseResources(
      Defaults.class.getClassLoader(), RESOURCE,
      ConfigParseOptions.defaults().setAllowMissing(false)).resolve();

  private Defaults() {}

  static Config reference() {
    return REFERENCE;
  }

  static int[] hiddenLayers() {
    List<Integer> l = REFERENCE.getIntList("model.layers");
    return l.stream().mapToInt(Integer::intValue).toArray();
  }

  /** none, batch or layer, from model.batch-norm and model.layer-norm. */
  static String normalization() {
    boolean bn = REFERENCE.getBoolean("model.batch-norm");
    boolean ln = REFERENCE.getBoolean("model.layer-norm");
    if (bn && ln) throw new IllegalStateException(RESOURCE + ": both batch-norm and layer-norm");
    return bn ? "batch" : ln ? "layer" : "none";
  }

  static String str(String key) {
    return REFERENCE.getString(key);
  }

  static double dbl(String key) {
    return REFERENCE.getDouble(key);
  }

  static int integer(String key) {
    return REFERENCE.getInt(key);
  }

  static long lng(String key) {
    return REFERENCE.getLong(key);
  }

  static boolean bool(String key) {
    return REFERENCE.getBoolean(key);
  }
}
