package io.dynconf.etcd.testing;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Ports;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.utility.DockerImageName;

/**
 * An etcd member in a container, for machines with a Docker engine but no etcd binary. Members
 * share a Docker network and find each other by alias; clients reach the member's client port
 * through the mapped host port (which may change on restart, which is why clients use the
 * cluster's proxies). Stop, kill, pause and resume map to Docker's stop, kill, pause and unpause;
 * data lives in the container and survives a stop. Testcontainers' reaper removes the containers
 * when the JVM dies. The image is {@code quay.io/coreos/etcd:v3.4.23}, or {@code ETCD_IMAGE}.
 *
 * <p>Only loaded when no etcd binary exists: the test-jar does not need Testcontainers otherwise.
 */
final class DockerMemberProcess implements MemberProcess {
  private static final int CLIENT_PORT = 2379;
  private static final Map<Object, Network> NETWORKS = new ConcurrentHashMap<>();

  private final String name;
  private final List<String> names;
  private final List<String> extraArgs;
  private final Network network;
  private @Nullable GenericContainer<?> container;
  private @Nullable InetSocketAddress client;
  private boolean running;
  private boolean paused;

  private DockerMemberProcess(String name, List<String> names, List<String> extraArgs, Network network) {
    this.name = name;
    this.names = names;
    this.extraArgs = extraArgs;
    this.network = network;
  }

  static boolean dockerAvailable() {
    try {
      Class.forName("org.testcontainers.DockerClientFactory");
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (Throwable t) {
      return false;
    }
  }

  static List<MemberProcess> create(List<String> names, List<String> extraArgs) {
    Network network = Network.newNetwork();
    List<MemberProcess> out = new ArrayList<>();
    for (String n : names) {
      DockerMemberProcess p = new DockerMemberProcess(n, List.copyOf(names), List.copyOf(extraArgs), network);
      NETWORKS.put(p, network);
      out.add(p);
    }
    return out;
  }

  static void closeNetworkOf(List<EtcdMember> members) {
    for (EtcdMember m : members) {
      Network n = NETWORKS.remove(m.process());
      if (n != null) {
        try {
          n.close();
        } catch (RuntimeException ignored) {
          // already removed
        }
      }
    }
  }

  private static DockerClient docker() {
    return DockerClientFactory.instance().client();
  }

  @Override
  public void start(String clusterToken) throws IOException {
    GenericContainer<?> c = container;
    if (c != null && c.getContainerId() != null) {
      docker().startContainerCmd(c.getContainerId()).exec(); // same container, same data
    } else {
      String image = System.getenv().getOrDefault("ETCD_IMAGE", "quay.io/coreos/etcd:v3.4.23");
      String initialCluster = "";
      for (int i = 0; i < names.size(); i++) {
        initialCluster += (i == 0 ? "" : ",") + names.get(i) + "=http://" + names.get(i) + ":2380";
      }
      List<String> cmd = new ArrayList<>(List.of(
          "etcd", "--name", name, "--data-dir", "/var/lib/etcd/" + name,
          "--listen-client-urls", "http://0.0.0.0:2379",
          "--advertise-client-urls", "http://" + name + ":2379",
          "--listen-peer-urls", "http://0.0.0.0:2380",
          "--initial-advertise-peer-urls", "http://" + name + ":2380",
          "--initial-cluster", initialCluster,
          "--initial-cluster-token", clusterToken,
          "--initial-cluster-state", "new",
          "--logger", "zap", "--log-outputs", "stderr"));
      cmd.addAll(extraArgs);
      c = new GenericContainer<>(DockerImageName.parse(image))
          .withNetwork(network)
          .withNetworkAliases(name)
          .withExposedPorts(CLIENT_PORT)
          .withCommand(cmd.toArray(String[]::new));
      container = c;
      c.start();
    }
    var ports = docker().inspectContainerCmd(c.getContainerId()).exec().getNetworkSettings().getPorts().getBindings();
    Ports.Binding[] b = ports.get(ExposedPort.tcp(CLIENT_PORT));
    if (b == null || b.length == 0) {
      throw new IOException("container of etcd member " + name + " has no mapped client port");
    }
    client = new InetSocketAddress(c.getHost(), Integer.parseInt(b[0].getHostPortSpec()));
    running = true;
    paused = false;
  }

  @Override
  public InetSocketAddress clientAddress() {
    InetSocketAddress a = client;
    return a != null ? a : new InetSocketAddress("127.0.0.1", 1);
  }

  @Override
  public void stop() {
    GenericContainer<?> c = container;
    if (c != null && running) {
      if (paused) {
        resume();
      }
      docker().stopContainerCmd(c.getContainerId()).withTimeout(10).exec();
    }
    running = false;
    paused = false;
  }

  @Override
  public void kill() {
    GenericContainer<?> c = container;
    if (c != null && running) {
      if (paused) {
        resume();
      }
      docker().killContainerCmd(c.getContainerId()).withSignal("KILL").exec();
    }
    running = false;
    paused = false;
  }

  @Override
  public void pause() {
    GenericContainer<?> c = container;
    if (c == null || !running) {
      throw new IllegalStateException("cannot pause member " + name + ": it is not running");
    }
    docker().pauseContainerCmd(c.getContainerId()).exec();
    paused = true;
  }

  @Override
  public void resume() {
    GenericContainer<?> c = container;
    if (c == null || !running) {
      throw new IllegalStateException("cannot resume member " + name + ": it is not running");
    }
    docker().unpauseContainerCmd(c.getContainerId()).exec();
    paused = false;
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public boolean isPaused() {
    return paused;
  }

  @Override
  public void deleteData() {
    GenericContainer<?> c = container;
    if (c != null) {
      c.stop(); // removes the container and its data; the next start creates a new one
    }
    container = null;
    running = false;
  }

  @Override
  public String logTail(int lines) {
    GenericContainer<?> c = container;
    if (c == null) {
      return "(no container)";
    }
    String[] all = c.getLogs().split("\n");
    return String.join("\n", java.util.Arrays.copyOfRange(all, Math.max(0, all.length - lines), all.length));
  }

  @Override
  public OptionalLong pid() {
    return OptionalLong.empty();
  }
}
