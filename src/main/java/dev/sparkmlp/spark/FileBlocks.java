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
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * Data files read into cached {@link ShardBlock}s on the executors, in two steps that never bring
 * a row to the driver.
 *
 * <pre>
 * scan:   pass 1  parse and check every row of each piece (FileParts: a piece is one file
 *                 split); per piece: lines, rows, largest label, largest index, first error
 *         driver  sort the pieces by (path, start); firstLine(piece) = 1 + lines of the file's
 *                 earlier pieces; firstRow(piece) = rows of all earlier pieces; the shape
 *                 (features, classes); if a row was bad, pass 1 again with the first lines, to
 *                 name the first bad row with its line in its file
 * layout: pass 2  parse again; row g = firstRow + i goes to shard router(g) (or nowhere), in
 *                 chunks that one shuffle gathers into one ShardBlock per partition (Layout)
 * </pre>
 *
 * Row g is the g-th row in (path, row within file) order, the order of the local reader, so a
 * router from {@code train.Shards} gives the local engine's shards bitwise. Bad data fails in pass
 * 1, before any block is built, with the reader's {@link DataException} for the first bad row in
 * that order: each task returns the first error of each of its pieces instead of failing, and
 * the driver throws the first of them. Good data is read twice, bad data three times.
 */
final class FileBlocks {
  private FileBlocks() {}

  /** A data set's pieces in row order, with where each starts, and the shape of its rows. */
  record Scan(FileParts.Format format, String path, List<FileParts.Info> pieces,
      Map<String, int[]> starts, int rows, FileParts.Shape shape) implements FileData.Rows {
    @Override
    public int pieceCount() {
      return pieces.size();
    }

    @Override
    public JavaRDD<ShardBlock> layout(SparkSession spark, DataFrameBlocks.Router router,
        int partitions, Scaler scaler, String name) {
      return FileBlocks.layout(spark, this, router, partitions, scaler, name);
    }
  }

  /** How a scan fixes the shape from the pieces. */
  record ShapeRule(int features, int classes, boolean classification, boolean sameWidth) {}

  static String key(String path, long start) {
    return start + "@" + path;
  }

  /**
   * Counts and checks the files at {@code path}: pass 1, and when a row is bad a second pass that
   * numbers the lines within their files to name it.
   *
   * @throws DataException for bad rows, or when there is no row
   */
  static Scan scan(SparkSession spark, FileParts.Format format, String path, ShapeRule rule) {
    Dataset<Row> df = format.open(spark, path);
    List<FileParts.Info> scanned = sorted(collect(df.javaRDD().mapPartitions(
        new Check(format, null)), "sparkmlp check rows of " + path));
    Map<String, int[]> starts = starts(scanned, path);
    if (scanned.stream().anyMatch(i -> i.error() != null)) {
      // The errors above number lines from each piece's start: read again from the right line.
      // The first bad row in row order, as a reader of the whole data would report it; the
      // tasks return their errors rather than fail, so which fails first does not matter.
      for (FileParts.Info s : sorted(collect(df.javaRDD().mapPartitions(
          new Check(format, starts)), "sparkmlp find the bad row of " + path))) {
        if (s.error() != null) throw s.error();
      }
      throw new IllegalStateException(path + " changed while it was read");
    }
    int rows = 0;
    for (FileParts.Info s : scanned) rows += s.rows();
    if (rows == 0) throw new DataException(path, null, "no data rows");
    return new Scan(format, path, scanned, starts, rows, shape(path, scanned, starts, rule));
  }

  private static List<FileParts.Info> sorted(List<FileParts.Info> infos) {
    List<FileParts.Info> out = new ArrayList<>(infos);
    out.sort(Comparator.comparing(FileParts.Info::path).thenComparingLong(FileParts.Info::start));
    return out;
  }

  /**
   * For each piece (in row order) {first line within its file, first row of the data set}: the
   * lines of the file's earlier pieces plus one, and the rows of all earlier pieces.
   */
  private static Map<String, int[]> starts(List<FileParts.Info> pieces, String path) {
    Map<String, int[]> starts = new HashMap<>();
    String file = null;
    long line = 1;
    long row = 0;
    for (FileParts.Info c : pieces) {
      if (!c.path().equals(file)) {
        file = c.path();
        line = 1;
      }
      if (line > Integer.MAX_VALUE) {
        throw new DataException(c.path(), null, "more than " + Integer.MAX_VALUE + " lines");
      }
      if (starts.put(key(c.path(), c.start()), new int[] {(int) line, (int) row}) != null) {
        throw new IllegalStateException("piece " + c.start() + " of " + c.path() + " seen twice");
      }
      line += c.lines();
      row += c.rows();
      if (row > Integer.MAX_VALUE) {
        throw new DataException(path, null, "more than " + Integer.MAX_VALUE + " rows");
      }
    }
    return starts;
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
      Release.rdd(out);
      throw Layout.unwrap(e);
    } finally {
      Release.rdd(blocks);
    }
    return out;
  }

  /**
   * Pass 1 of a task: each piece parsed and checked, its lines counted. Without {@code starts},
   * each piece's lines are numbered from 1 (its errors name the wrong line); with them, from the
   * piece's first line within its file.
   */
  static final class Check implements FlatMapFunction<Iterator<Row>, FileParts.Info> {
    private static final long serialVersionUID = 1L;
    private final FileParts.Format format;
    private final Map<String, int[]> starts;

    Check(FileParts.Format format, Map<String, int[]> starts) {
      this.format = format;
      this.starts = starts == null ? null : new HashMap<>(starts);
    }

    @Override
    public Iterator<FileParts.Info> call(Iterator<Row> it) {
      List<FileParts.Info> out = new ArrayList<>();
      FileParts.forEachPiece(it, (path, start, rows) -> {
        int first = starts == null ? 1 : start(starts, path, start)[0];
        Counting counted = new Counting(rows);
        FileParts.Info info;
        try {
          info = format.scan(path, start, first, counted);
        } catch (DataException e) {
          info = FileParts.Info.failed(path, start, e);
        }
        while (counted.hasNext()) counted.next();
        out.add(info.withLines(counted.n));
      });
      return out.iterator();
    }
  }

  /** Counts the rows taken from an iterator. */
  private static final class Counting implements Iterator<Row> {
    private final Iterator<Row> it;
    int n;

    Counting(Iterator<Row> it) {
      this.it = it;
    }

    @Override
    public boolean hasNext() {
      return it.hasNext();
    }

    @Override
    public Row next() {
      Row r = it.next();
      n++;
      return r;
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
