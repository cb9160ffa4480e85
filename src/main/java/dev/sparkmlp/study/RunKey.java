package dev.sparkmlp.study;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import dev.sparkmlp.study.AblationPlan.Cell;
import dev.sparkmlp.study.AblationPlan.Phase;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/** The key a run's result.json carries, so that a later invocation reuses only the same run. */
final class RunKey {
  private RunKey() {}

  /**
   * SHA-256 of everything that determines a run: the cell's settings, the model and training
   * sections (less where it runs), the data files and rows it reads, and the resolved shard count.
   *
   * @param c the cell's configuration ({@link AblationRun#config})
   */
  static String of(Config c, Cell cell, int shards) {
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("phase", cell.phase().label);
    extra.put("shards", shards);
    Config k =
        c.withOnlyPath("model")
            .withFallback(
                c.withOnlyPath("train")
                    .withoutPath("train.engine")
                    .withoutPath("train.master")
                    .withoutPath("train.threads")
                    .withoutPath("train.partitions")
                    .withoutPath("train.evaluate-train")
                    .withoutPath("train.checkpoint-every")
                    .withoutPath("train.checkpoint-every-steps")
                    .withoutPath("train.resume"))
            .withFallback(
                c.withOnlyPath("data")
                    .withoutPath("data.test")
                    .withoutPath("data.test-labels")
                    .withoutPath("data.validation-split"))
            .withFallback(c.withOnlyPath("ablation.cv-offset"))
            .withFallback(c.withOnlyPath("ablation.cv-rows"))
            .withFallback(ConfigFactory.parseMap(extra));
    if (cell.phase() == Phase.FULL) {
      k =
          k.withFallback(c.withOnlyPath("data.test"))
              .withFallback(c.withOnlyPath("data.test-labels"))
              .withFallback(c.withOnlyPath("ablation.full-data.train-rows"))
              .withFallback(c.withOnlyPath("ablation.full-data.extra-train"));
    }
    if (cell.phase() == Phase.SMALL || cell.phase() == Phase.RANDOM) {
      // Whether the rows' labels are permuted (and by which seed) decides what is trained.
      Map<String, Object> labels = new LinkedHashMap<>();
      labels.put("ablation.small-sample.random-labels", cell.phase() == Phase.RANDOM);
      k =
          k.withFallback(c.withOnlyPath("ablation.small-sample.rows"))
              .withFallback(ConfigFactory.parseMap(labels))
              .withFallback(c.withOnlyPath("ablation.seeds"));
    }
    String text = k.root().render(ConfigRenderOptions.concise());
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(h);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
