package io.dynconf.netty.plugin;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's host name as APISIX reports it (its {@code core.utils.gethostname()}: the loggers'
 * {@code $hostname} and {@code server.hostname}, {@code apisix_node_info}): {@code $HOSTNAME} when
 * set, else the local host's name; "" when neither is known, the failure logged once at debug.
 */
public final class HostName {
  private static final Logger LOG = LoggerFactory.getLogger(HostName.class);
  private static final String NAME = find();

  private HostName() {}

  /** The name, looked up once. */
  public static String get() {
    return NAME;
  }

  private static String find() {
    String env = System.getenv("HOSTNAME");
    if (env != null && !env.isBlank()) {
      return env;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      LOG.debug("no local host name: $hostname, server.hostname and apisix_node_info's hostname are \"\"", e);
      return "";
    }
  }
}
