package io.dynconf.radix;

import java.util.Locale;

/**
 * How routes are matched: APISIX's three HTTP router modes ({@code apisix.router.http} in its
 * {@code config.yaml}). A team sharing an etcd with APISIX nodes should use the mode those nodes
 * use, or the same routes send requests elsewhere.
 *
 * <ul>
 *   <li>{@link #RADIXTREE_HOST_URI} (APISIX's default): routes with {@code hosts} are tried
 *       before routes without: first the routes naming the request's host exactly, then those
 *       whose wildcard matches it (longest suffix first), then the host-less routes; within each
 *       group, path order as usual. {@code :name} in a path is literal text ({@code /a/:id}
 *       matches only the path {@code /a/:id}).
 *   <li>{@link #RADIXTREE_URI}: one path order for every route, hosts only filter; {@code :name}
 *       is literal text.
 *   <li>{@link #RADIXTREE_URI_WITH_PARAMETER}: one path order, hosts only filter; {@code :name}
 *       binds one path segment ({@code /a/:id} matches {@code /a/42} with {@code id = 42}). The
 *       library's default, and dynconf's only behaviour before modes existed.
 * </ul>
 */
public enum RouterMode {
  RADIXTREE_HOST_URI,
  RADIXTREE_URI,
  RADIXTREE_URI_WITH_PARAMETER;

  /** Whether {@code :name} segments bind parameters in this mode. */
  public boolean bindsParameters() {
    return this == RADIXTREE_URI_WITH_PARAMETER;
  }

  /** Whether host-bound routes are tried before host-less ones. */
  public boolean hostsFirst() {
    return this == RADIXTREE_HOST_URI;
  }

  /** APISIX's name for this mode ({@code radixtree_host_uri}, ...). */
  public String apisixName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The mode with APISIX's name {@code name} ({@code radixtree_host_uri}, {@code radixtree_uri},
   * {@code radixtree_uri_with_parameter}).
   *
   * @throws IllegalArgumentException naming the accepted names
   */
  public static RouterMode ofApisixName(String name) {
    for (RouterMode m : values()) {
      if (m.apisixName().equals(name)) {
        return m;
      }
    }
    throw new IllegalArgumentException("unknown router mode \"" + name
        + "\" (radixtree_host_uri, radixtree_uri or radixtree_uri_with_parameter)");
  }
}
