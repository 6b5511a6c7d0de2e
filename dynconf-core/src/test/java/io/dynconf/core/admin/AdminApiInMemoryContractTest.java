package io.dynconf.core.admin;

import io.dynconf.core.source.InMemorySource;
import io.dynconf.core.spi.ConfigSource;

/** The admin API contract on the in-memory source. */
class AdminApiInMemoryContractTest extends AdminApiContract {
  @Override
  protected ConfigSource createSource() {
    return new InMemorySource();
  }

  @Override
  protected int raceRounds() {
    return 30;
  }
}
