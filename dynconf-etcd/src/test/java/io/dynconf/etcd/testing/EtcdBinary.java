package io.dynconf.etcd.testing;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Finds the etcd binary: {@code -Detcd.bin}, then {@code ETCD_BIN}, then {@code PATH}, then the
 * usual install locations. Where none exists and this is a Debian-like machine on which we may
 * install packages (root, or password-less sudo), it installs Debian's {@code etcd-server} once,
 * under a file lock so that parallel test JVMs do not race. Set {@code DYNCONF_ETCD_INSTALL=false}
 * to forbid that.
 */
final class EtcdBinary {
  static final String HOW_TO_INSTALL =
      "No etcd binary found and no Docker engine answers. Install etcd with "
          + "'sudo apt-get install -y etcd-server' (Debian/Ubuntu; tests expect etcd 3.4+), or point "
          + "ETCD_BIN (or -Detcd.bin) at an etcd binary, or start a Docker engine.";

  private EtcdBinary() {}

  /** The configured binary; fails when it is configured but not executable. */
  static Optional<Path> find(@Nullable Path configured) {
    if (configured != null) {
      return Optional.of(requireExecutable(configured, "the builder's binary(...)"));
    }
    String property = System.getProperty("etcd.bin");
    if (property != null && !property.isBlank()) {
      return Optional.of(requireExecutable(Path.of(property), "-Detcd.bin"));
    }
    String env = System.getenv("ETCD_BIN");
    if (env != null && !env.isBlank()) {
      return Optional.of(requireExecutable(Path.of(env), "ETCD_BIN"));
    }
    List<Path> candidates = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(java.io.File.pathSeparator)) {
        if (!dir.isEmpty()) {
          candidates.add(Path.of(dir, "etcd"));
        }
      }
    }
    candidates.add(Path.of("/usr/bin/etcd"));
    candidates.add(Path.of("/usr/local/bin/etcd"));
    candidates.add(Path.of("/usr/sbin/etcd"));
    return candidates.stream().filter(p -> Files.isRegularFile(p) && Files.isExecutable(p)).findFirst();
  }

  /** {@link #find}, installing Debian's etcd-server first when that is possible and allowed. */
  static Optional<Path> findOrInstall(@Nullable Path configured) {
    Optional<Path> found = find(configured);
    if (found.isPresent() || "false".equalsIgnoreCase(System.getenv("DYNCONF_ETCD_INSTALL"))) {
      return found;
    }
    if (!Files.isExecutable(Path.of("/usr/bin/apt-get"))) {
      return found;
    }
    List<String> prefix;
    if (isRoot()) {
      prefix = List.of();
    } else if (run(List.of("sudo", "-n", "true")) == 0) {
      prefix = List.of("sudo", "-n");
    } else {
      return found;
    }
    try {
      Files.createDirectories(ProcessLedger.BASE);
      try (FileChannel ch =
              FileChannel.open(ProcessLedger.BASE.resolve("install.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock ignored = ch.lock()) {
        found = find(configured); // another JVM may have installed it while we waited
        if (found.isPresent()) {
          return found;
        }
        System.err.println("[dynconf] etcd not found; installing Debian's etcd-server with apt-get");
        if (apt(prefix, "install", "-y", "etcd-server") != 0) {
          apt(prefix, "update");
          apt(prefix, "install", "-y", "etcd-server");
        }
      }
    } catch (IOException e) {
      System.err.println("[dynconf] could not install etcd-server: " + e);
    }
    return find(configured);
  }

  private static int apt(List<String> prefix, String... args) {
    List<String> cmd = new ArrayList<>(prefix);
    cmd.add("env");
    cmd.add("DEBIAN_FRONTEND=noninteractive");
    cmd.add("apt-get");
    cmd.addAll(List.of(args));
    return run(cmd);
  }

  private static boolean isRoot() {
    try {
      Process p = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
      return p.waitFor() == 0 && out.equals("0");
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static int run(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!p.waitFor(10, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        return -1;
      }
      return p.exitValue();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static Path requireExecutable(Path p, String source) {
    if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
      throw new IllegalStateException(source + " names " + p + ", which is not an executable file. " + HOW_TO_INSTALL);
    }
    return p;
  }
}
