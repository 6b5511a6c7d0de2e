package io.dynconf.etcd.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.OptionalLong;

/**
 * One etcd member's process, however it runs (a child process here, or a container). Not
 * thread-safe: {@link EtcdCluster} serialises the calls.
 */
interface MemberProcess {
  /** Starts the member on its existing data directory (or an empty one). */
  void start(String clusterToken) throws IOException;

  /** Where clients reach the member directly while it runs. */
  InetSocketAddress clientAddress();

  /** SIGTERM, then SIGKILL when it does not end in time. */
  void stop();

  /** SIGKILL. */
  void kill();

  /** SIGSTOP: the process holds its sockets but answers nothing. */
  void pause();

  /** SIGCONT. */
  void resume();

  boolean isRunning();

  /** True between {@link #pause()} and {@link #resume()} (or a stop). */
  boolean isPaused();

  /** Removes the data directory; only while stopped. */
  void deleteData() throws IOException;

  /** The last lines of the member's log, for failure messages. */
  String logTail(int lines);

  OptionalLong pid();
}
