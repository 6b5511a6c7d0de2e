package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, item 2: the gateway under a real descriptor limit ({@code ulimit -n 1024}, a child JVM
 * whose class path alone holds about 95 jars open) and 1,500 silent connections. With the connection
 * limit derived from the descriptor limit, the idle ones make room and the sockets held stay near the
 * limit (io_uring's multishot accept once took 900 at a limit of 381); with the limit set far above it, accepts fail with "Too many open files",
 * idle connections are closed, the listener recovers, and the failure is logged a few times, not
 * once per retry. Either way a new client is served while the silent connections are still open.
 * Every transport: NIO (the listener's own channel), epoll and io_uring (a handler on the listener).
 */
class GatewayDescriptorLimitTest {
  private static final int SILENT = 1500;
  private static final int DESCRIPTORS = 1024;

  @TempDir Path dir;
  /** The gateway's sockets right after the test opened the silent connections. */
  private int socketsAfterTheBurst;

  @ParameterizedTest(name = "transport {0}")
  @ValueSource(strings = {"nio", "epoll", "io_uring"})
  void theDerivedLimitLetsNewClientsInPastSilentConnections(String transport) throws Exception {
    String log = underAttack("--transport", transport);
    assertThat(log).contains("transport: " + transport.toUpperCase(java.util.Locale.ROOT));
    assertThat(log).doesNotContain("accepts connections multishot"); // io_uring's would take the whole backlog
    log.lines().filter(l -> l.contains("ClientConnections") || l.contains("client connections")).limit(5).forEach(System.out::println);
    Matcher derived = Pattern.compile("client connections: at most (\\d+)").matcher(log);
    assertThat(derived.find()).as(log).isTrue();
    int limit = Integer.parseInt(derived.group(1));
    // derived from the free descriptors, not the floor of 16 that a too-tight limit falls back to
    assertThat(limit).as(log).isGreaterThan(16).isLessThan(SILENT / 2);
    // the limit, the pause's slack of 16, and a few listeners and the backend's connection
    assertThat(socketsAfterTheBurst).as(log).isLessThanOrEqualTo(limit + 16 + 16);
    assertThat(log).doesNotContain("Too many open files");
  }

  @ParameterizedTest(name = "transport {0}")
  @ValueSource(strings = {"nio", "epoll", "io_uring"})
  void descriptorsRunningOutCloseIdleConnectionsAndTheListenerRecovers(String transport) throws Exception {
    String log = underAttack("--max-connections", "100000", "--transport", transport);
    assertThat(log).contains("transport: " + transport.toUpperCase(java.util.Locale.ROOT));
    long lines = log.lines().filter(l -> l.contains("Too many open files")).count();
    log.lines().filter(l -> l.contains("Too many open files")).limit(3).forEach(System.out::println);
    assertThat(lines).as(log).isBetween(1L, 10L);
  }

  /** Runs the gateway at {@value #DESCRIPTORS} descriptors, opens the silent connections, asserts a client is served; returns the log. */
  private String underAttack(String... flags) throws Exception {
    try (Backend backend = new Backend("fd")) {
      Path file = dir.resolve("apisix.yaml");
      Files.writeString(file, "routes:\n  - id: r\n    uri: /*\n    upstream:\n      nodes:\n        \"" + backend.node()
          + "\": 1\n#END\n");
      Path out = dir.resolve("gateway.log");
      Path logback = dir.resolve("logback.xml");
      Files.writeString(logback, """
          <configuration>
            <appender name="console" class="ch.qos.logback.core.ConsoleAppender">
              <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n</pattern></encoder>
            </appender>
            <logger name="io.dynconf" level="INFO"/>
            <root level="WARN"><appender-ref ref="console"/></root>
          </configuration>
          """);
      List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx256m", "-Dlogback.configurationFile=" + logback, "-cp", System.getProperty("java.class.path"), GatewayMain.class.getName(),
          "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--echo-listen", "off",
          "--data-dir", dir.resolve("data").toString(), "--standalone", file.toString(), "--admin-key", GatewayAdminTest.KEY));
      cmd.addAll(List.of(flags));
      StringBuilder line = new StringBuilder("ulimit -n " + DESCRIPTORS + " && exec");
      for (String c : cmd) {
        line.append(" '").append(c.replace("'", "'\\''")).append('\'');
      }
      Process p = new ProcessBuilder("bash", "-c", line.toString()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
      List<Socket> silent = new ArrayList<>();
      try {
        Pattern serving = Pattern.compile("serving on http://127\\.0\\.0\\.1:(\\d+)");
        int[] port = new int[1];
        await().atMost(Duration.ofSeconds(60)).until(() -> {
          Matcher m = serving.matcher(Files.readString(out));
          if (m.find()) {
            port[0] = Integer.parseInt(m.group(1));
          }
          assertThat(p.isAlive()).as(Files.readString(out)).isTrue();
          return port[0] > 0;
        });
        assertThat(get(port[0], "/before")).contains("fd GET /before");
        for (int i = 0; i < SILENT; i++) {
          silent.add(new Socket(InetAddress.getLoopbackAddress(), port[0])); // the kernel completes them all
        }
        Map<String, Integer> held = descriptors(p.pid());
        socketsAfterTheBurst = held.getOrDefault("socket", 0);
        System.out.println("descriptors after the silent connections: " + held);
        long t0 = System.nanoTime();
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> get(port[0], "/after").contains("fd GET /after"));
        System.out.println("served past " + SILENT + " silent connections after "
            + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms");
        assertThat(p.isAlive()).isTrue();
        System.out.println("descriptors when served: " + descriptors(p.pid()));
        Thread.sleep(2000); // the log a further 2 s under the same load (what it would flood)
        assertThat(get(port[0], "/still")).contains("fd GET /still");
      } catch (Throwable t) {
        System.out.println("gateway log:\n" + Files.readString(out)); // the reason, next to the failure
        throw t;
      } finally {
        for (Socket s : silent) {
          s.close();
        }
        p.destroy();
        if (!p.waitFor(15, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor();
        }
      }
      return Files.readString(out);
    }
  }

  /** The descriptors {@code pid} holds, counted by kind ("socket", "jar", "anon_inode:[eventfd]"...). */
  static Map<String, Integer> descriptors(long pid) throws IOException {
    Map<String, Integer> kinds = new TreeMap<>();
    try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
      for (Path fd : (Iterable<Path>) fds::iterator) {
        String kind;
        try {
          kind = Files.readSymbolicLink(fd).toString();
        } catch (IOException e) {
          kind = "closed while listed";
        }
        kind = kind.startsWith("socket:") ? "socket" : kind.endsWith(".jar") ? "jar" : kind.replaceAll("[0-9]+", "N");
        kinds.merge(kind, 1, Integer::sum);
      }
    }
    return kinds;
  }

  private static String get(int port, String path) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(3000);
      s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }
}
