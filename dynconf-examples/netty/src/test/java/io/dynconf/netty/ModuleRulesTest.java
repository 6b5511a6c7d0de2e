package io.dynconf.netty;

import io.dynconf.core.testing.ModuleRules;
import org.junit.jupiter.api.Test;

/** The layering rules every module checks (see {@link ModuleRules}), on this module's main classes. */
class ModuleRulesTest {
  @Test
  void keepsTheModuleRules() {
    ModuleRules.check("io.dynconf.netty");
  }
}
