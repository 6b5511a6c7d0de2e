package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynconf.netty.contract.NormalisingBackend;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin and status listeners hold a bounded number of connections (found by the attack pass:
 * a client without a key could open connections until the process ran out of descriptors and the
 * data plane stopped answering). A connection over the cap closes the oldest one that showed no key
 * (so a flood cannot lock the operator out); the listener never holds more; the data plane serves on.
 */
class GatewaySideListenersTest {
  @TempDir Path dir;

  @Test
  void eachSideListenerHoldsABoundedNumberOfConnections() throws Exception {
    try (Gateway gw = Gateway.start(GatewayConfig.parse(new String[] {"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
        "--status-listen", "127.0.0.1:0", "--echo-listen", "127.0.0.1:0", "--data-dir", dir.toString(),
        "--admin-key", GatewayAdminTest.KEY}))) {
      assertCapped(gw.statusAddress().getPort(), 32, gw);
      assertCapped(gw.adminAddress().getPort(), 256, gw);
    }
  }

  private static void assertCapped(int port, int cap, Gateway gw) throws IOException {
    List<Socket> held = new ArrayList<>();
    try {
      for (int i = 0; i < cap; i++) {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        held.add(s);
      }
      try (Socket over = new Socket(InetAddress.getLoopbackAddress(), port)) {
        // full of connections that showed no key: the oldest one is closed to make room
        Socket oldest = held.get(0);
        oldest.setSoTimeout(5_000);
        assertThat(oldest.getInputStream().read()).as("the oldest connection is closed for the newcomer").isEqualTo(-1);
        for (Socket s : List.of(over, held.get(held.size() - 1))) {
          s.setSoTimeout(200);
          try {
            assertThat(s.getInputStream().read()).as("the others stay open").isNotEqualTo(-1);
          } catch (SocketTimeoutException open) {
            // still open: as expected
          }
        }
      }
      String served = NormalisingBackend.rawGet(gw.dataAddress().getPort(), "/hello", "x");
      assertThat(NormalisingBackend.status(served)).as("the data plane answers meanwhile").isEqualTo(200);
    } finally {
      for (Socket s : held) {
        s.close();
      }
    }
  }
}
