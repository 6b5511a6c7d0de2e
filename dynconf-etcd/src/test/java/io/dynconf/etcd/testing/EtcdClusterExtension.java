package io.dynconf.etcd.testing;

import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 wrapper around {@link EtcdCluster}.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final EtcdClusterExtension ETCD = EtcdClusterExtension.members(3);
 *
 * @Test
 * void survivesLeaderLoss() {
 *   ETCD.cluster().leader().kill();
 *   ...
 * }
 * }</pre>
 *
 * <p>In a {@code static} field the cluster is shared by the class's tests: it starts before the
 * first and is closed after the last, and after each test every fault is undone ({@link
 * EtcdCluster#heal()}); data is kept unless the builder asked for {@link #clearBetweenTests()}. In
 * an instance field every test gets its own cluster. Test methods may also take an {@link
 * EtcdCluster} parameter.
 */
public final class EtcdClusterExtension
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback, ParameterResolver {
  private final EtcdCluster.Builder builder;
  private @Nullable EtcdCluster cluster;
  private boolean perClass;
  private boolean clear;

  private EtcdClusterExtension(EtcdCluster.Builder builder) {
    this.builder = builder;
  }

  /** A cluster of {@code n} members with default settings. */
  public static EtcdClusterExtension members(int n) {
    return new EtcdClusterExtension(EtcdCluster.builder().members(n));
  }

  /** A cluster configured by {@code settings}. */
  public static EtcdClusterExtension of(Consumer<EtcdCluster.Builder> settings) {
    EtcdCluster.Builder b = EtcdCluster.builder();
    settings.accept(b);
    return new EtcdClusterExtension(b);
  }

  /** Delete every key after each test of a shared cluster, so each starts from an empty key space. */
  public EtcdClusterExtension clearBetweenTests() {
    this.clear = true;
    return this;
  }

  /** The running cluster; only inside a test or a lifecycle method. */
  public EtcdCluster cluster() {
    EtcdCluster c = cluster;
    if (c == null) {
      throw new IllegalStateException("the etcd cluster runs only while a test of its class runs");
    }
    return c;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    perClass = true;
    cluster = builder.start();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    if (!perClass) {
      cluster = builder.start();
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    EtcdCluster c = cluster;
    if (c == null) {
      return;
    }
    if (perClass) {
      c.heal();
      if (clear) {
        c.deleteAll();
      }
    } else {
      c.close();
      cluster = null;
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    EtcdCluster c = cluster;
    cluster = null;
    if (c != null) {
      c.close();
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == EtcdCluster.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return cluster();
  }
}
