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
 * data plane stopped answering). A connection over the cap is closed at once; the data plane serves on.
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
        over.setSoTimeout(5_000);
        assertThat(over.getInputStream().read()).as("the connection over the cap is closed at once").isEqualTo(-1);
      }
      Socket last = held.get(held.size() - 1);
      last.setSoTimeout(200);
      try {
        assertThat(last.getInputStream().read()).as("the held connections stay open").isNotEqualTo(-1);
      } catch (SocketTimeoutException open) {
        // still open: as expected
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
