package io.dynconf.etcd.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * An etcd member as a child process of the test JVM, on loopback ports. Clients speak {@code http}
 * or, when the cluster serves TLS, {@code https} to it (the certificate flags come with the
 * cluster's extra arguments); peers always speak plain {@code http} to each other.
 *
 * <p>The member runs under {@code /bin/sh} acting as a watchdog: the shell starts etcd in the
 * background, prints its PID, and kills it with SIGKILL as soon as its stdin reaches end of file.
 * The JVM holds the write end of that pipe and never writes to it, so the pipe closes exactly when
 * we stop the member or when the JVM dies, however it dies. The shell also waits for etcd, so a
 * dead member is reaped at once rather than left as a zombie that still looks alive.
 */
final class LocalMemberProcess implements MemberProcess {
  static final String WATCHDOG =
      "exec 3<&0\n"
          + "\"$@\" >>\"$DYNCONF_ETCD_LOG\" 2>&1 </dev/null &\n"
          + "pid=$!\n"
          + "echo \"$pid\"\n"
          + "( read -r _ <&3; kill -9 \"$pid\" 2>/dev/null ) &\n"
          + "wd=$!\n"
          + "wait \"$pid\"; rc=$?\n"
          + "kill \"$wd\" 2>/dev/null\n"
          + "exit $rc\n";

  private final Path binary;
  private final String name;
  private final String clientScheme;
  private final int clientPort;
  private final int peerPort;
  private final String initialCluster;
  private final Path clusterDirectory;
  private final Path dataDirectory;
  private final Path logFile;
  private final List<String> extraArgs;

  private @Nullable Process watchdog;
  private @Nullable ProcessHandle etcd;
  private boolean paused;

  LocalMemberProcess(
      Path binary,
      String name,
      String clientScheme,
      int clientPort,
      int peerPort,
      String initialCluster,
      Path clusterDirectory,
      List<String> extraArgs) {
    this.binary = binary;
    this.name = name;
    this.clientScheme = clientScheme;
    this.clientPort = clientPort;
    this.peerPort = peerPort;
    this.initialCluster = initialCluster;
    this.clusterDirectory = clusterDirectory;
    this.dataDirectory = clusterDirectory.resolve(name + ".etcd");
    this.logFile = clusterDirectory.resolve(name + ".log");
    this.extraArgs = List.copyOf(extraArgs);
  }

  @Override
  public void start(String clusterToken) throws IOException {
    if (isRunning()) {
      throw new IllegalStateException("member " + name + " is already running");
    }
    String client = clientScheme + "://127.0.0.1:" + clientPort;
    String peer = "http://127.0.0.1:" + peerPort;
    List<String> command = new ArrayList<>(
        List.of(
            binary.toString(),
            "--name", name,
            "--data-dir", dataDirectory.toString(),
            "--listen-client-urls", client,
            "--advertise-client-urls", client,
            "--listen-peer-urls", peer,
            "--initial-advertise-peer-urls", peer,
            "--initial-cluster", initialCluster,
            "--initial-cluster-token", clusterToken,
            "--initial-cluster-state", "new",
            "--logger", "zap",
            "--log-outputs", "stderr"));
    command.addAll(extraArgs);
    Files.writeString(logFile, "---- start " + name + " token " + clusterToken + "\n",
        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    Watched started = startWatched(command, logFile, clusterDirectory, "etcd member " + name);
    Process shell = started.shell();
    ProcessHandle handle = started.process();
    watchdog = shell;
    etcd = handle;
    paused = false;
  }

  @Override
  public InetSocketAddress clientAddress() {
    return new InetSocketAddress("127.0.0.1", clientPort);
  }

  int peerPort() {
    return peerPort;
  }

  @Override
  public void stop() {
    ProcessHandle h = etcd;
    if (h == null) {
      return;
    }
    if (paused) {
      signal("CONT");
    }
    h.destroy();
    if (!ProcessLedger.awaitExit(h, Duration.ofSeconds(10))) {
      h.destroyForcibly();
      ProcessLedger.awaitExit(h, Duration.ofSeconds(10));
    }
    ended();
  }

  @Override
  public void kill() {
    ProcessHandle h = etcd;
    if (h == null) {
      return;
    }
    h.destroyForcibly();
    ProcessLedger.awaitExit(h, Duration.ofSeconds(10));
    ended();
  }

  private void ended() {
    ProcessHandle h = etcd;
    Process shell = watchdog;
    if (shell != null && h != null) {
      new Watched(shell, h).release();
    } else if (h != null) {
      ProcessLedger.forget(h.pid());
    }
    etcd = null;
    watchdog = null;
    paused = false;
  }

  /** A process started under the {@link #WATCHDOG} shell: the shell, and the process itself. */
  record Watched(Process shell, ProcessHandle process) {
    /** Once the process has ended: closes the watchdog's stdin, waits for the shell, forgets the PID. */
    void release() {
      try {
        OutputStream stdin = shell.getOutputStream();
        stdin.close(); // the watchdog's "read" returns; the process is already gone
      } catch (IOException ignored) {
        // the shell is gone too
      }
      ProcessLedger.awaitExit(shell.toHandle(), Duration.ofSeconds(5));
      ProcessLedger.forget(process.pid());
    }
  }

  /**
   * Starts {@code argv} under the {@link #WATCHDOG} shell with its output appended to {@code
   * logFile} and without {@code ETCD_*} variables (etcd reads them as flags), and records it in the
   * {@link ProcessLedger} with {@code directory}. {@code what} names it in errors.
   */
  static Watched startWatched(List<String> argv, Path logFile, Path directory, String what) throws IOException {
    List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", WATCHDOG, "etcd-watchdog"));
    command.addAll(argv);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("ETCD_")); // etcd reads ETCD_* as flags
    env.put("DYNCONF_ETCD_LOG", logFile.toString());
    Process shell = pb.start();
    String pidLine = new BufferedReader(new InputStreamReader(shell.getInputStream(), StandardCharsets.US_ASCII)).readLine();
    if (pidLine == null) {
      shell.destroyForcibly();
      throw new IOException("the watchdog shell for " + what + " printed no PID");
    }
    long pid = Long.parseLong(pidLine.trim());
    ProcessHandle handle = ProcessHandle.of(pid).orElseThrow(() -> new IOException(what + " (pid " + pid + ") exited at once:\n" + tail(logFile, 20)));
    ProcessLedger.record(handle, directory);
    return new Watched(shell, handle);
  }

  @Override
  public void pause() {
    requireRunning("pause");
    signal("STOP");
    paused = true;
    awaitStopped();
  }

  /**
   * kill returns once SIGSTOP is sent, before every thread of etcd has stopped: a request sent
   * right after could still be answered (EtcdClusterTest saw one answered in 36 ms on a loaded
   * machine). On Linux, waits until every thread's state in /proc is stopped (T).
   */
  private void awaitStopped() {
    ProcessHandle h = etcd;
    java.nio.file.Path tasks = java.nio.file.Path.of("/proc", h == null ? "0" : Long.toString(h.pid()), "task");
    if (h == null || !java.nio.file.Files.isDirectory(tasks)) {
      return; // not Linux: nothing to read the state from
    }
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < deadline) {
      try (java.util.stream.Stream<java.nio.file.Path> threads = java.nio.file.Files.list(tasks)) {
        if (threads.allMatch(LocalMemberProcess::stopped)) {
          return;
        }
      } catch (IOException | java.io.UncheckedIOException e) {
        return; // the process is gone: nothing left to stop
      }
      Thread.onSpinWait();
    }
    throw new IllegalStateException("etcd member " + name + " (pid " + h.pid() + ") did not stop within 5 s of SIGSTOP");
  }

  private static boolean stopped(java.nio.file.Path task) {
    try {
      String stat = java.nio.file.Files.readString(task.resolve("stat"));
      char state = stat.charAt(stat.lastIndexOf(')') + 2); // "pid (comm) S ...": comm may hold spaces and parentheses
      return state == 'T' || state == 't';
    } catch (IOException | RuntimeException e) {
      return true; // a thread that ended meanwhile
    }
  }

  @Override
  public void resume() {
    requireRunning("resume");
    signal("CONT");
    paused = false;
  }

  @Override
  public boolean isPaused() {
    return paused;
  }

  private void requireRunning(String what) {
    if (!isRunning()) {
      throw new IllegalStateException("cannot " + what + " member " + name + ": it is not running");
    }
  }

  private void signal(String signal) {
    ProcessHandle h = etcd;
    if (h == null) {
      return;
    }
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(h.pid())).redirectErrorStream(true).start();
      if (!kill.waitFor(5, java.util.concurrent.TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + signal + " " + h.pid() + " failed: " + new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot send SIG" + signal + " to etcd member " + name, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while signalling etcd member " + name, e);
    }
  }

  @Override
  public boolean isRunning() {
    ProcessHandle h = etcd;
    return h != null && h.isAlive();
  }

  @Override
  public void deleteData() throws IOException {
    if (isRunning()) {
      throw new IllegalStateException("cannot delete the data of running member " + name);
    }
    ProcessLedger.deleteRecursively(dataDirectory);
  }

  @Override
  public String logTail(int lines) {
    return tail(logFile, lines);
  }

  /** The last {@code lines} lines of a log file, for failure messages. */
  static String tail(Path logFile, int lines) {
    try {
      if (!Files.exists(logFile)) {
        return "(no log at " + logFile + ")";
      }
      List<String> all = Files.readAllLines(logFile, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(cannot read " + logFile + ": " + e + ")";
    }
  }

  @Override
  public OptionalLong pid() {
    ProcessHandle h = etcd;
    return h == null ? OptionalLong.empty() : OptionalLong.of(h.pid());
  }
}
