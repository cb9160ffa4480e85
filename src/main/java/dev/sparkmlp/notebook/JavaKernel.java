package dev.sparkmlp.notebook;

import io.github.spencerpark.jupyter.channels.JupyterConnection;
import io.github.spencerpark.jupyter.channels.JupyterSocket;
import io.github.spencerpark.jupyter.kernel.BaseKernel;
import io.github.spencerpark.jupyter.kernel.KernelConnectionProperties;
import io.github.spencerpark.jupyter.kernel.LanguageInfo;
import io.github.spencerpark.jupyter.kernel.ReplacementOptions;
import io.github.spencerpark.jupyter.kernel.display.DisplayData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A Jupyter kernel for Java notebooks: jupyter-jvm-basekernel speaks the protocol, {@link Shell}
 * evaluates the cells in this JVM. {@code scripts/notebook install} writes its kernelspec, which
 * starts {@code java <Spark's flags> -cp <project class path> dev.sparkmlp.notebook.JavaKernel
 * <connection file>}.
 *
 * <p>Within a cell, System.out and System.err go to the cell's output; a failed snippet becomes
 * the cell's error output (and the execute reply has status error, so nbclient stops there).
 */
public final class JavaKernel extends BaseKernel {
  private final Shell shell;
  private final LanguageInfo language;

  JavaKernel(Shell shell) {
    this.shell = shell;
    this.language = new LanguageInfo.Builder("java").version(Runtime.version().toString())
        .mimetype("text/x-java-source").fileExtension(".jshell").pygments("java")
        .codemirror("text/x-java").build();
    Display.sendTo(data -> {
      DisplayData d = new DisplayData();
      data.forEach(d::putData);
      display(d);
    });
  }

  @Override
  public DisplayData eval(String code) throws Exception {
    String value = shell.eval(code);
    return value == null ? null : new DisplayData(value);
  }

  @Override
  public List<String> formatError(Exception e) {
    return e instanceof Shell.CellException c ? c.lines() : super.formatError(e);
  }

  @Override
  public String isComplete(String code) {
    return switch (shell.completeness(code)) {
      case "complete" -> IS_COMPLETE_YES;
      case "incomplete" -> "";  // more lines expected; no indent suggested
      default -> IS_COMPLETE_BAD;
    };
  }

  @Override
  public ReplacementOptions complete(String code, int at) {
    int[] start = new int[1];
    List<String> options = shell.complete(code, at, start);
    return options.isEmpty() ? null : new ReplacementOptions(options, start[0], at);
  }

  @Override
  public LanguageInfo getLanguageInfo() {
    return language;
  }

  @Override
  public String getBanner() {
    return "Java " + Runtime.version() + " (JShell) with sparkmlp";
  }

  @Override
  public void interrupt() {
    shell.stop();
  }

  @Override
  public void onShutdown(boolean isRestarting) {
    shell.close();
  }

  /** {@code args[0]}: the connection file Jupyter writes for the kernel. */
  public static void main(String[] args) throws Exception {
    if (args.length != 1) throw new IllegalArgumentException("usage: JavaKernel CONNECTION_FILE");
    // The protocol library logs every message at INFO through java.util.logging, its channel loops
    // on loggers named "Loop-N": warnings only, on the kernel's stderr (not a cell's).
    Logger.getLogger("").setLevel(Level.WARNING);
    JupyterSocket.JUPYTER_LOGGER.setLevel(Level.WARNING);
    JupyterConnection connection =
        new JupyterConnection(KernelConnectionProperties.parse(Files.readString(Path.of(args[0]))));
    new JavaKernel(new Shell()).becomeHandlerForConnection(connection);
    connection.connect();
    connection.waitUntilClose();
    System.exit(0);
  }
}
