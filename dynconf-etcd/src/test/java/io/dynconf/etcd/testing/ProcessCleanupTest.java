package io.dynconf.etcd.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** No etcd process or data directory outlives its test, however the test JVM ends. */
class ProcessCleanupTest {
  @Test
  void closeKillsEveryMemberAndDeletesItsData() {
    EtcdCluster cluster = EtcdCluster.builder().members(3).start();
    List<Long> pids = cluster.members().stream().map(m -> m.pid().orElseThrow()).toList();
    Path dir = cluster.directory();
    assertThat(dir).isDirectory();

    cluster.close();

    assertThat(pids).allSatisfy(pid -> assertThat(alive(pid)).as("etcd pid %d", pid).isFalse());
    assertThat(dir).doesNotExist();
  }

  @Test
  void membersDieWhenTheirJvmIsKilledAndTheSweepRemovesTheirData() throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    Process child =
        new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), OrphanMain.class.getName())
            .redirectErrorStream(true)
            .start();
    long pid = -1;
    Path dir = null;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((pid < 0 || dir == null) && (line = out.readLine()) != null) {
        if (line.startsWith("PID ")) {
          pid = Long.parseLong(line.substring(4).trim());
        } else if (line.startsWith("DIR ")) {
          dir = Path.of(line.substring(4).trim());
        }
      }
      assertThat(pid).as("the child JVM printed its etcd pid").isPositive();
      assertThat(alive(pid)).isTrue();

      child.destroyForcibly(); // SIGKILL: no shutdown hook runs
      child.waitFor();

      long etcdPid = pid;
      await().atMost(Duration.ofSeconds(10)).until(() -> !alive(etcdPid));
    } finally {
      child.destroyForcibly();
    }
    assertThat(dir).isDirectory(); // the watchdog kills; the sweep of the next run cleans up
    ProcessLedger.sweep();
    assertThat(dir).doesNotExist();
  }

  @Test
  void sweepKillsOnlyWhatADeadJvmRecorded() throws Exception {
    Process orphan = new ProcessBuilder("sleep", "600").start();
    Process owned = new ProcessBuilder("sleep", "600").start();
    try {
      Path orphanDir = ProcessLedger.newClusterDirectory();
      ProcessLedger.record(orphan.toHandle(), orphanDir);
      rewriteOwner(orphan.pid(), deadPid());
      Path ownedDir = ProcessLedger.newClusterDirectory();
      ProcessLedger.record(owned.toHandle(), ownedDir); // owned by this live JVM

      int killed = ProcessLedger.sweep();

      assertThat(killed).isEqualTo(1);
      assertThat(orphan.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      assertThat(orphanDir).doesNotExist();
      assertThat(owned.isAlive()).isTrue();
      assertThat(ownedDir).isDirectory();
      ProcessLedger.forget(owned.pid());
      ProcessLedger.deleteRecursively(ownedDir);
    } finally {
      orphan.destroyForcibly();
      owned.destroyForcibly();
    }
  }

  @Test
  void aConfiguredBinaryThatIsNotExecutableIsNamedInTheError() {
    assertThatThrownBy(() -> EtcdCluster.builder().binary(Path.of("/nonexistent/etcd")).start())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("/nonexistent/etcd")
        .hasMessageContaining("apt-get install -y etcd-server");
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  private static long deadPid() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    return p.pid();
  }

  private static void rewriteOwner(long recordedPid, long owner) throws Exception {
    Path record = ProcessLedger.BASE.resolve("ledger").resolve(recordedPid + ".rec");
    List<String> lines = Files.readAllLines(record);
    List<String> rewritten =
        lines.stream()
            .map(l -> l.startsWith("owner=") ? "owner=" + owner : l.startsWith("ownerStart=") ? "ownerStart=" : l)
            .toList();
    Files.write(record, rewritten);
  }
}
