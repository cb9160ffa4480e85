package dev.sparkmlp.spark;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.data.DataException;
import dev.sparkmlp.data.FeatureStats;
import dev.sparkmlp.data.Scaler;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.PairFlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * Data files read into cached {@link ShardBlock}s on the executors, in two steps that never bring
 * a row to the driver.
 *
 * <pre>
 * scan:   pass 0  count each piece's lines (FileParts: a piece is one file split)
 *         driver  sort the pieces by (path, start); firstLine(piece) = 1 + lines of the file's
 *                 earlier pieces
 *         pass 1  parse and check every row; per piece: rows, largest label, largest index
 *         driver  firstRow(piece) = rows of all earlier pieces; the shape (features, classes)
 * layout: pass 2  parse again; row g = firstRow + i goes to shard router(g) (or nowhere), in
 *                 chunks that one shuffle gathers into one ShardBlock per partition (Layout)
 * </pre>
 *
 * Row g is the g-th row in (path, row within file) order, the order of the local reader, so a
 * router from {@code train.Shards} gives the local engine's shards bitwise. Bad data fails in pass
 * 1, before any block is built, with the reader's {@link DataException} for the first bad row in
 * that order: each task returns the first error of each of its pieces instead of failing, and
 * the driver throws the first of them.
 */
final class FileBlocks {
  private FileBlocks() {}

  /** A data set's pieces in row order, with where each starts, and the shape of its rows. */
  record Scan(FileParts.Format format, String path, List<FileParts.Info> pieces,
      Map<String, int[]> starts, int rows, FileParts.Shape shape) {}

  /** How a scan fixes the shape from the pieces. */
  record ShapeRule(int features, int classes, boolean classification, boolean sameWidth) {}

  static String key(String path, long start) {
    return start + "@" + path;
  }

  /**
   * Counts and checks the files at {@code path}: passes 0 and 1.
   *
   * @throws DataException for bad rows, or when there is no row
   */
  static Scan scan(SparkSession spark, FileParts.Format format, String path, ShapeRule rule) {
    Dataset<Row> df = format.open(spark, path);
    // Only the place columns: a columnar format then reads no values to count its rows.
    Dataset<Row> places = df.select(functions.col(FileParts.PATH), functions.col(FileParts.START));
    List<FileParts.Info> counted = collect(places.javaRDD().mapPartitions(new Count(format)),
        "sparkmlp count lines of " + path);
    counted = new ArrayList<>(counted);
    counted.sort(Comparator.comparing(FileParts.Info::path).thenComparingLong(FileParts.Info::start));
    Map<String, int[]> starts = new HashMap<>();
    String file = null;
    long line = 1;
    for (FileParts.Info c : counted) {
      if (!c.path().equals(file)) {
        file = c.path();
        line = 1;
      }
      if (line > Integer.MAX_VALUE) {
        throw new DataException(c.path(), null, "more than " + Integer.MAX_VALUE + " lines");
      }
      if (starts.put(key(c.path(), c.start()), new int[] {(int) line, 0}) != null) {
        throw new IllegalStateException("piece " + c.start() + " of " + c.path() + " seen twice");
      }
      line += c.lines();
    }
    List<FileParts.Info> scanned = new ArrayList<>(collect(
        df.javaRDD().mapPartitions(new Check(format, starts)), "sparkmlp check rows of " + path));
    scanned.sort(Comparator.comparing(FileParts.Info::path).thenComparingLong(FileParts.Info::start));
    // The first bad row in row order, as a reader of the whole data would report it; the tasks
    // return their errors rather than fail, so that which one fails first does not matter.
    for (FileParts.Info s : scanned) if (s.error() != null) throw s.error();
    long rows = 0;
    for (FileParts.Info s : scanned) {
      starts.get(key(s.path(), s.start()))[1] = (int) rows;
      rows += s.rows();
      if (rows > Integer.MAX_VALUE) {
        throw new DataException(path, null, "more than " + Integer.MAX_VALUE + " rows");
      }
    }
    if (rows == 0) throw new DataException(path, null, "no data rows");
    return new Scan(format, path, scanned, starts, (int) rows, shape(path, scanned, starts, rule));
  }

  private static FileParts.Shape shape(String path, List<FileParts.Info> pieces,
      Map<String, int[]> starts, ShapeRule rule) {
    int d = rule.features();
    float maxLabel = Float.NEGATIVE_INFINITY;
    boolean onlyPlusMinusOne = true;
    boolean anyMinusOne = false;
    FileParts.Info widthFrom = null;
    for (FileParts.Info p : pieces) {
      if (p.rows() == 0) continue;
      maxLabel = Math.max(maxLabel, p.maxLabel());
      onlyPlusMinusOne &= p.onlyPlusMinusOne();
      anyMinusOne |= p.anyMinusOne();
      if (rule.sameWidth() && widthFrom != null && p.maxIndex() != widthFrom.maxIndex()) {
        throw new DataException(p.path(), "near row " + starts.get(key(p.path(), p.start()))[0],
            p.maxIndex() + " features, but " + widthFrom.path() + " has " + widthFrom.maxIndex());
      }
      if (widthFrom == null) widthFrom = p;
      if (rule.features() == 0) d = Math.max(d, p.maxIndex());
    }
    if (rule.features() > 0 && rule.sameWidth() && widthFrom.maxIndex() != rule.features()) {
      throw new DataException(widthFrom.path(), null, widthFrom.maxIndex()
          + " features, the training data has " + rule.features());
    }
    if (d == 0) {
      throw new DataException(path, null, "no features: no index:value pairs, and the number of"
          + " features was not given");
    }
    if (!rule.classification()) return new FileParts.Shape(d, 0, false);
    boolean map = onlyPlusMinusOne && anyMinusOne;
    int k = rule.classes();
    if (k == 0) k = map ? 2 : Math.max(2, (int) maxLabel + 1);
    return new FileParts.Shape(d, k, map);
  }

  private static <T> List<T> collect(JavaRDD<T> rdd, String description) {
    rdd.context().setJobDescription(description);
    try {
      return rdd.collect();
    } catch (Exception e) {
      throw Layout.unwrap(e);
    } finally {
      rdd.context().setJobDescription(null);
    }
  }

  /**
   * Pass 2: the scanned rows, routed by {@code router} (a negative shard drops the row), scaled by
   * {@code scaler} when not null, cached as one ShardBlock per partition.
   */
  static JavaRDD<ShardBlock> layout(SparkSession spark, Scan scan, DataFrameBlocks.Router router,
      int partitions, Scaler scaler, String name) {
    Dataset<Row> df = scan.format().open(spark, scan.path());
    JavaPairRDD<Integer, ShardChunk> chunks = df.javaRDD().mapPartitionsToPair(
        new ToChunks(scan.format(), scan.starts(), scan.shape(), router, partitions, scaler));
    return Layout.cache(chunks, partitions, name);
  }

  /**
   * The exact feature statistics of cached blocks, merged on the executors in a tree (the merge is
   * exact, so its order does not matter).
   */
  static FeatureStats stats(JavaRDD<ShardBlock> blocks, int features, String what) {
    blocks.context().setJobDescription("sparkmlp fit the scaler on the " + what);
    try {
      return blocks.map(b -> new FeatureStats(features).add(b.block, what))
          .treeReduce(FeatureStats::merge);
    } finally {
      blocks.context().setJobDescription(null);
    }
  }

  /** Cached scaled copies of {@code blocks}, which are unpersisted. */
  static JavaRDD<ShardBlock> scaled(JavaRDD<ShardBlock> blocks, Scaler scaler, String name) {
    JavaRDD<ShardBlock> out =
        blocks.map(b -> new ShardBlock(b.partition, scaler.apply(b.block)));
    out.setName(name).persist(StorageLevel.MEMORY_ONLY());
    try {
      out.count();
    } catch (Exception e) {
      out.unpersist(false);
      throw Layout.unwrap(e);
    } finally {
      blocks.unpersist(false);
    }
    return out;
  }

  /** Pass 0 of a task: one Info per piece with its line count. */
  static final class Count implements FlatMapFunction<Iterator<Row>, FileParts.Info> {
    private static final long serialVersionUID = 1L;
    private final FileParts.Format format;

    Count(FileParts.Format format) {
      this.format = format;
    }

    @Override
    public Iterator<FileParts.Info> call(Iterator<Row> it) {
      List<FileParts.Info> out = new ArrayList<>();
      FileParts.forEachPiece(it, (path, start, rows) ->
          out.add(FileParts.Info.counted(path, start, format.lines(rows))));
      return out.iterator();
    }
  }

  /** Pass 1 of a task: each piece parsed and checked. */
  static final class Check implements FlatMapFunction<Iterator<Row>, FileParts.Info> {
    private static final long serialVersionUID = 1L;
    private final FileParts.Format format;
    private final Map<String, int[]> starts;

    Check(FileParts.Format format, Map<String, int[]> starts) {
      this.format = format;
      this.starts = new HashMap<>(starts);
    }

    @Override
    public Iterator<FileParts.Info> call(Iterator<Row> it) {
      List<FileParts.Info> out = new ArrayList<>();
      FileParts.forEachPiece(it, (path, start, rows) -> {
        int first = start(starts, path, start)[0];
        try {
          out.add(format.scan(path, start, first, rows));
        } catch (DataException e) {
          out.add(FileParts.Info.failed(path, start, e));
        }
      });
      return out.iterator();
    }
  }

  static int[] start(Map<String, int[]> starts, String path, long start) {
    int[] s = starts.get(key(path, start));
    if (s == null) {
      throw new IllegalStateException(path + " changed while it was read: its piece at byte "
          + start + " was not there before");
    }
    return s;
  }

  /** Pass 2 of a task: pieces parsed, rows routed and grouped into chunks per shard. */
  static final class ToChunks implements PairFlatMapFunction<Iterator<Row>, Integer, ShardChunk> {
    private static final long serialVersionUID = 1L;
    private final FileParts.Format format;
    private final Map<String, int[]> starts;
    private final FileParts.Shape shape;
    private final DataFrameBlocks.Router router;
    private final int partitions;
    private final Scaler scaler;

    ToChunks(FileParts.Format format, Map<String, int[]> starts, FileParts.Shape shape,
        DataFrameBlocks.Router router, int partitions, Scaler scaler) {
      this.format = format;
      this.starts = new HashMap<>(starts);
      this.shape = shape;
      this.router = router;
      this.partitions = partitions;
      this.scaler = scaler;
    }

    @Override
    public Iterator<Tuple2<Integer, ShardChunk>> call(Iterator<Row> it) {
      List<Tuple2<Integer, ShardChunk>> out = new ArrayList<>();
      FileParts.forEachPiece(it, (path, start, rows) -> {
        int[] s = start(starts, path, start);
        Block b = format.rows(path, start, s[0], rows, shape);
        chunks(b, s[1], out);
      });
      return out.iterator();
    }

    /** Splits a piece whose first row is row {@code first} into chunks per shard. */
    private void chunks(Block b, int first, List<Tuple2<Integer, ShardChunk>> out) {
      int[] count = new int[partitions];
      int[] shardOf = new int[b.rows];
      for (int i = 0; i < b.rows; i++) {
        int p = router.shard(router.check(first + (long) i));
        shardOf[i] = p;
        if (p >= 0) count[p]++;
      }
      for (int p = 0; p < partitions; p++) {
        if (count[p] == 0) continue;
        int[] local = new int[count[p]];
        int[] ids = new int[count[p]];
        for (int i = 0, m = 0; i < b.rows; i++) {
          if (shardOf[i] != p) continue;
          local[m] = i;
          ids[m++] = first + i;
        }
        Block sel = b.select(local, 0, local.length);
        if (scaler != null) scaler.applyInPlace(sel.x, 0, sel.rows);
        out.add(new Tuple2<>(p, new ShardChunk(p, ids, sel)));
      }
    }
  }

  /** Rows by a per-row table: table[g] is row g's shard, or -1 to drop it. */
  static final class Table extends DataFrameBlocks.Router {
    private static final long serialVersionUID = 1L;
    private final org.apache.spark.broadcast.Broadcast<int[]> table;

    Table(org.apache.spark.broadcast.Broadcast<int[]> table, int rows) {
      super(rows);
      this.table = table;
    }

    @Override
    int shard(int row) {
      return table.value()[row];
    }
  }

  /** {@code sizes[p]}: how many rows of {@code table} go to shard p. */
  static int[] sizes(int[] table, int partitions) {
    int[] sizes = new int[partitions];
    for (int p : table) if (p >= 0) sizes[p]++;
    return sizes;
  }

  /** Contiguous shards over the given rows (ascending): table[rows[i]] = shard of position i. */
  static int[] contiguousTable(int n, int[] rows, int partitions) {
    int[] table = new int[n];
    Arrays.fill(table, -1);
    int m = rows.length;
    for (int i = 0; i < m; i++) table[rows[i]] = (int) ((((long) i + 1) * partitions - 1) / m);
    return table;
  }
}
