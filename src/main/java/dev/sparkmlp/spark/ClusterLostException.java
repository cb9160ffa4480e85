package dev.sparkmlp.spark;

/**
 * The cluster can no longer run the training: its standalone master has been unreachable, or no
 * executor has been registered, for longer than the configured bound ({@link ClusterWatch}).
 * The message is one line naming what was lost, for how long, the property that bounds it, and
 * where training stood.
 */
public final class ClusterLostException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ClusterLostException(String message, Throwable cause) {
    super(message, cause);
  }
}
