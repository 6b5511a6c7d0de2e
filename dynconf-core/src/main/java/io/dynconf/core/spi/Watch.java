package io.dynconf.core.spi;

/** A running watch; {@link #close()} stops delivery (idempotent, never blocks on the network). */
public interface Watch extends AutoCloseable {
  @Override
  void close();
}
