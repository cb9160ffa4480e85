package dev.sparkmlp.study;

import java.util.ArrayList;
import java.util.List;

/**
 * A Markdown table, built a row at a time: {@code | a | b |} lines under a header and an alignment
 * line ({@code ---} left, {@code ---:} right).
 */
final class MdTable {
  private final List<String> header = new ArrayList<>();
  private final StringBuilder align = new StringBuilder("|");
  private final StringBuilder rows = new StringBuilder();
  private int count;

  /** Adds left-aligned columns. */
  MdTable left(String... names) {
    for (String n : names) add(n, "---|");
    return this;
  }

  /** Adds right-aligned (numeric) columns. */
  MdTable right(String... names) {
    for (String n : names) add(n, "---:|");
    return this;
  }

  private void add(String name, String a) {
    header.add(name);
    align.append(a);
  }

  /** One row; each cell is written with String.valueOf. */
  MdTable row(Object... cells) {
    return row(java.util.Arrays.asList(cells));
  }

  MdTable row(List<?> cells) {
    if (cells.size() != header.size()) {
      throw new IllegalArgumentException(
          "table row of " + cells.size() + " cells under " + header.size() + " columns");
    }
    rows.append('|');
    for (Object c : cells) rows.append(' ').append(c).append(" |");
    rows.append('\n');
    count++;
    return this;
  }

  int rows() {
    return count;
  }

  /** The table, each line ending in a newline. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("|");
    for (String h : header) sb.append(' ').append(h).append(" |");
    return sb.append('\n').append(align).append('\n').append(rows).toString();
  }
}
