package io.dynconf.radix.balance;

import org.jspecify.annotations.Nullable;

/**
 * What a balancer may read from the current request, implemented by the host server. Only {@code
 * chash} reads it (the hash key); the other built-in balancers ignore it, so {@link #NONE} serves
 * them. Implementations are called on the request thread and should not allocate or block.
 */
public interface BalancerRequest {
  /** A request with no variables, headers, cookies, consumer or client address. */
  BalancerRequest NONE = new BalancerRequest() {
    @Override
    public @Nullable String var(String name) {
      return null;
    }

    @Override
    public @Nullable String header(String name) {
      return null;
    }

    @Override
    public @Nullable String cookie(String name) {
      return null;
    }

    @Override
    public @Nullable String consumer() {
      return null;
    }

    @Override
    public @Nullable String clientAddress() {
      return null;
    }
  };

  /** An nginx-style variable ({@code uri}, {@code host}, {@code arg_name}, ...), or null when unset. */
  @Nullable String var(String name);

  /** A request header (case-insensitive name), or null when absent. */
  @Nullable String header(String name);

  /** A cookie, or null when absent. */
  @Nullable String cookie(String name);

  /** The authenticated consumer's name, or null. */
  @Nullable String consumer();

  /** The client address (APISIX's {@code remote_addr}), the fallback hash key; null when unknown. */
  @Nullable String clientAddress();
}
