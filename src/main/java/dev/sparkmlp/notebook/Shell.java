package dev.sparkmlp.notebook;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import jdk.jshell.DeclarationSnippet;
import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import jdk.jshell.JShellException;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.SourceCodeAnalysis.Completeness;
import jdk.jshell.UnresolvedReferenceException;

/**
 * The evaluation core of the notebook kernel: a JShell whose snippets run in this JVM, so they see
 * this JVM's class path (sparkmlp, Spark) and reach {@link Display}.
 *
 * <p>A cell is split into JShell snippets and they run in order. The value of the last expression
 * is returned as text, unless a semicolon closes it. The first snippet that does not compile,
 * throws or is stopped ends the cell with a {@link CellException}; the snippets before it have run.
 */
public final class Shell implements AutoCloseable {
  /** Run before the first cell: the imports every cell has. */
  private static final String STARTUP = String.join("\n",
      "import java.util.*;",
      "import java.util.stream.*;",
      "import java.nio.file.*;",
      "import static dev.sparkmlp.notebook.Display.*;");

  private static final StackTraceElement[] NO_FRAMES = {};

  private final JShell shell;
  private final SourceCodeAnalysis analysis;
  /** Set by {@link #stop}: JShell ends a stopped snippet without an exception, so this tells. */
  private volatile boolean stopped;

  /**
   * A snippet that failed. The message names what failed ("compilation failed: ..." or the thrown
   * exception's class and message); {@link #lines()} is the report shown in the cell; the stack
   * trace is the snippet's own frames (none for a compile error), not the kernel's.
   */
  public static final class CellException extends Exception {
    private static final long serialVersionUID = 1L;
    private final List<String> lines;

    CellException(String message, List<String> lines, StackTraceElement[] frames) {
      super(message, null, false, true);
      this.lines = List.copyOf(lines);
      setStackTrace(frames);
    }

    /** The report shown in the cell: source and diagnostics, or the exception and its stack. */
    public List<String> lines() {
      return lines;
    }
  }

  /** A shell over the class path of this JVM (the kernel's java.class.path). */
  public Shell() throws CellException {
    shell = JShell.builder().executionEngine("local").build();
    shell.addToClasspath(System.getProperty("java.class.path"));
    analysis = shell.sourceCodeAnalysis();
    eval(STARTUP);
  }

  /**
   * Runs every snippet of {@code cell}.
   *
   * @return the value of the last snippet if it is an expression without a closing semicolon, as
   *     JShell prints it; otherwise null
   * @throws CellException at the first snippet that does not compile or that throws
   */
  public String eval(String cell) throws CellException {
    String value = null;
    stopped = false;
    SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(cell);
    for (; info.completeness().isComplete(); info = analysis.analyzeCompletion(info.remaining())) {
      value = evalSnippet(info.source());
      // "x * 2;" runs the same as "x * 2", but shows nothing (as in IPython).
      if (info.source().strip().endsWith(";")) value = null;
    }
    if (info.completeness() != Completeness.EMPTY) {
      String rest = info.remaining().trim();
      throw new CellException("incomplete input: " + firstLine(rest),
          List.of("Incomplete input:", rest), NO_FRAMES);
    }
    return value;
  }

  private String evalSnippet(String source) throws CellException {
    String value = null;
    List<SnippetEvent> events = shell.eval(source);
    if (stopped) {
      throw new CellException("interrupted",
          List.of("Interrupted: " + firstLine(source.strip())), NO_FRAMES);
    }
    for (SnippetEvent e : events) {
      if (e.causeSnippet() != null) continue; // an update of an earlier snippet, not this one
      JShellException thrown = e.exception();
      if (thrown != null) throw thrown(thrown);
      if (!e.status().isDefined()) throw notCompiled(e.snippet());
      Snippet.SubKind kind = e.snippet().subKind();
      boolean hasValue = kind == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND
          || kind == Snippet.SubKind.OTHER_EXPRESSION_SUBKIND
          || kind == Snippet.SubKind.VAR_VALUE_SUBKIND;
      value = hasValue ? e.value() : null;
    }
    return value;
  }

  /** The source of the snippet, each diagnostic under it with a caret at its position. */
  private CellException notCompiled(Snippet s) {
    List<String> lines = new ArrayList<>();
    String first = null;
    for (Diag d : (Iterable<Diag>) shell.diagnostics(s)::iterator) {
      String msg = d.getMessage(Locale.ROOT);
      if (first == null) first = firstLine(msg);
      lines.addAll(pointAt(s.source(), (int) d.getStartPosition()));
      lines.add((d.isError() ? "error: " : "warning: ") + msg);
    }
    if (s instanceof DeclarationSnippet ds) {
      List<String> missing = shell.unresolvedDependencies(ds).toList();
      if (!missing.isEmpty()) {
        lines.add("unresolved: " + String.join(", ", missing));
        if (first == null) first = "unresolved: " + String.join(", ", missing);
      }
    }
    if (first == null) first = "snippet rejected: " + firstLine(s.source());
    return new CellException("compilation failed: " + first, lines, NO_FRAMES);
  }

  /** Java's stack trace format, the frames of JShell's and reflection's machinery left out. */
  private CellException thrown(JShellException x) {
    List<String> lines = new ArrayList<>();
    StackTraceElement[] top = null;
    String prefix = "";
    for (Throwable t = x; t != null; t = t.getCause(), prefix = "Caused by: ") {
      String name =
          t instanceof EvalException ee ? ee.getExceptionClassName() : t.getClass().getName();
      String message = t.getMessage();
      if (t instanceof UnresolvedReferenceException ure) {
        List<String> missing = shell.unresolvedDependencies(ure.getSnippet()).toList();
        message = "unresolved: " + String.join(", ", missing);
      }
      lines.add(prefix + name + (message == null ? "" : ": " + message));
      List<StackTraceElement> frames = new ArrayList<>();
      for (StackTraceElement f : t.getStackTrace()) {
        String c = f.getClassName();
        if (c.startsWith("jdk.jshell.") || c.startsWith("jdk.internal.reflect.")
            || c.startsWith("java.lang.reflect.")) {
          continue;
        }
        frames.add(f);
        lines.add("\tat " + f);
      }
      if (top == null) top = frames.toArray(NO_FRAMES);
    }
    return new CellException(lines.get(0), lines, top);
  }

  private static List<String> pointAt(String source, int pos) {
    List<String> out = new ArrayList<>();
    int start = 0;
    for (String line : source.split("\n", -1)) {
      if (!line.isBlank()) out.add(line); // a snippet carries the line breaks before it
      if (pos >= start && pos <= start + line.length()) out.add(" ".repeat(pos - start) + "^");
      start += line.length() + 1;
    }
    return out;
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /**
   * Jupyter's is_complete answer for {@code code}: "complete", "incomplete" (then the console
   * waits for more lines) or "invalid".
   */
  public String completeness(String code) {
    SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(code);
    while (info.completeness().isComplete()) info = analysis.analyzeCompletion(info.remaining());
    return switch (info.completeness()) {
      case EMPTY, COMPLETE, COMPLETE_WITH_SEMI -> "complete";
      case CONSIDERED_INCOMPLETE, DEFINITELY_INCOMPLETE -> "incomplete";
      default -> "invalid";
    };
  }

  /** Completions of the identifier before {@code cursor}; {@code start[0]} gets where it starts. */
  public List<String> complete(String code, int cursor, int[] start) {
    return analysis.completionSuggestions(code, cursor, start).stream()
        .map(SourceCodeAnalysis.Suggestion::continuation).distinct().toList();
  }

  /** Stops the running snippet; its cell ends with an "interrupted" error. */
  public void stop() {
    stopped = true;
    shell.stop();
  }

  @Override
  public void close() {
    shell.close();
  }
}
