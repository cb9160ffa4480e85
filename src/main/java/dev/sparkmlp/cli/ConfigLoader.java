package dev.sparkmlp.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Loads a run's configuration: command-line options over {@code --set key=value} over the
 * {@code --config} file over {@code reference.conf}. Every key must exist in the reference, so a
 * typo is an error with the nearest valid key, not a silently ignored setting.
 */
public final class ConfigLoader {
  static final String REFERENCE = "sparkmlp/reference.conf";

  private ConfigLoader() {}

  public static Config reference() {
    Config ref = ConfigFactory.parseResources(ConfigLoader.class.getClassLoader(), REFERENCE,
        ConfigParseOptions.defaults().setAllowMissing(false));
    return ref.resolve();
  }

  /**
   * @param file the --config file, or null
   * @param sets the --set key=value pairs, in order (later wins)
   * @param options command-line options as config paths to values, strongest
   */
  public static Config load(File file, List<String> sets, Map<String, Object> options) {
    Config ref = reference();
    Config user = ConfigFactory.empty();
    if (file != null) {
      if (!file.isFile()) throw new ConfigError(file + ": config file not found");
      try {
        user = ConfigFactory.parseFile(file, ConfigParseOptions.defaults().setAllowMissing(false));
      } catch (ConfigException e) {
        throw new ConfigError(e.getMessage());
      }
    }
    for (String s : sets) {
      int eq = s.indexOf('=');
      if (eq <= 0) throw new ConfigError("--set " + s + ": expected key=value");
      String key = s.substring(0, eq).trim();
      String value = s.substring(eq + 1).trim();
      Config one;
      try {
        one = ConfigFactory.parseString(key + " = " + quoteIfNeeded(value),
            ConfigParseOptions.defaults().setOriginDescription("--set " + s));
      } catch (ConfigException e) {
        throw new ConfigError("--set " + s + ": " + e.getMessage());
      }
      user = one.withFallback(user);
    }
    Config cli = ConfigFactory.parseMap(options, "command-line option");
    user = cli.withFallback(user);
    checkKeys(user, ref);
    try {
      return user.withFallback(ref).resolve(ConfigResolveOptions.defaults().setAllowUnresolved(false));
    } catch (ConfigException e) {
      throw new ConfigError(e.getMessage());
    }
  }

  /** Values that HOCON would misread unquoted (paths with ':' or '//', master URLs) get quotes. */
  private static String quoteIfNeeded(String v) {
    if (v.startsWith("\"") || v.startsWith("[") || v.startsWith("{")) return v;
    if (v.matches("-?[0-9.eE+-]+|true|false|null")) return v;
    return ConfigValueFactory.fromAnyRef(v).render();
  }

  /** Every leaf of {@code user} must be a leaf of {@code ref}. */
  static void checkKeys(Config user, Config ref) {
    Set<String> known = new TreeSet<>();
    for (Map.Entry<String, ConfigValue> e : ref.entrySet()) known.add(e.getKey());
    List<String> errors = new ArrayList<>();
    for (Map.Entry<String, ConfigValue> e : user.entrySet()) {
      String key = e.getKey();
      if (known.contains(key)) continue;
      String where = e.getValue().origin().description();
      String near = nearest(key, known);
      errors.add(where + ": unknown config key '" + key + "'"
          + (near == null ? "" : " (did you mean '" + near + "'?)"));
    }
    if (!errors.isEmpty()) throw new ConfigError(String.join("\n", errors));
  }

  /** The known key with the smallest edit distance, if it is close enough to be a likely typo. */
  static String nearest(String key, Set<String> known) {
    String best = null;
    int bestD = Integer.MAX_VALUE;
    for (String k : known) {
      int d = editDistance(key, k);
      String leaf = k.substring(k.lastIndexOf('.') + 1);
      String keyLeaf = key.substring(key.lastIndexOf('.') + 1);
      if (leaf.equals(keyLeaf)) d = 0; // the right name in the wrong section is the likeliest intent
      if (d < bestD) {
        bestD = d;
        best = k;
      }
    }
    return bestD <= Math.max(3, key.length() / 3) ? best : null;
  }

  static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) prev[j] = j;
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  /** A configuration problem, reported as one line (or one line per problem) without a stack trace. */
  public static final class ConfigError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConfigError(String message) {
      super(message);
    }
  }
}
