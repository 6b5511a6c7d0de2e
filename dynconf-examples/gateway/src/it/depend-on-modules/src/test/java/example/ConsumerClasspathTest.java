package example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.File;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** What Maven resolved for a user who depends on dynconf-etcd and dynconf-radix alone. */
class ConsumerClasspathTest {
  // netty-tcnative has its own version line; every other io.netty jar must share one version
  private static final Pattern NETTY = Pattern.compile("/io/netty/(netty-(?!tcnative)[a-z0-9-]+)/([^/]+)/");
  private static final Pattern GRPC = Pattern.compile("/io/grpc/(grpc-[a-z0-9-]+)/([^/]+)/");

  @Test
  void oneNettyVersion() {
    Map<String, String> netty = versions(NETTY);
    assertFalse(netty.isEmpty(), "no Netty on the classpath: " + classpath());
    assertEquals(1, Set.copyOf(netty.values()).size(), "Netty versions: " + netty);
  }

  @Test
  void oneGrpcVersion() {
    Map<String, String> grpc = versions(GRPC);
    assertFalse(grpc.isEmpty(), "no gRPC on the classpath");
    assertEquals(1, Set.copyOf(grpc.values()).size(), "gRPC versions: " + grpc);
  }

  private static Map<String, String> versions(Pattern p) {
    Map<String, String> found = new TreeMap<>();
    for (String entry : classpath()) {
      Matcher m = p.matcher(entry.replace(File.separatorChar, '/'));
      if (m.find()) {
        found.put(m.group(1), m.group(2));
      }
    }
    return found;
  }

  private static Set<String> classpath() {
    return new TreeSet<>(Set.of(System.getProperty("java.class.path").split(File.pathSeparator)));
  }
}
