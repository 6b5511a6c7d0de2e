package io.dynconf.core.spi;

import java.util.List;

/**
 * Receives a watch's events. A source calls one listener from one thread at a time, in revision
 * order; calls must return quickly (the registry only enqueues).
 */
public interface WatchListener {
  /**
   * Changes in revision order, each revision at most once per watch; a batch may span several
   * revisions. After a reconnect a source may redeliver events it delivered before; receivers
   * drop what they have already applied, by mod revision.
   */
  void onEvents(List<ChangeEvent> events);

  /** Nothing under the prefix changed up to {@code revision} (for example an idle etcd watch). */
  default void onProgress(long revision) {}

  /**
   * Events may have been missed (the history was compacted, the source's revision went backwards,
   * or its identity changed): the receiver must relist and apply the difference. The watch has
   * ended; the receiver starts a new one after relisting.
   */
  void onReset(String reason);
}
