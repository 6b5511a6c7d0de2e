package io.dynconf.core;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import io.dynconf.core.testing.ModuleRules;
import io.dynconf.fixture.UsesCoreInternal;
import io.dynconf.fixture.spi.ConcreteOnly;
import org.junit.jupiter.api.Test;

class ModuleRulesTest {
  @Test
  void coreKeepsTheModuleRules() {
    ModuleRules.check("io.dynconf.core");
  }

  @Test
  void theInternalRuleCatchesAnotherModuleImportingCoreInternal() {
    JavaClasses fixture = new ClassFileImporter().importClasses(UsesCoreInternal.class);
    assertThatThrownBy(() -> ModuleRules.internalStaysInModule("io.dynconf.fixture").check(fixture))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("io.dynconf.core.internal");
  }

  @Test
  void theSpiRuleCatchesAnSpiPackageWithoutExtensionPoints() {
    JavaClasses fixture = new ClassFileImporter().importClasses(ConcreteOnly.class);
    assertThatThrownBy(() -> ModuleRules.spiPackagesHoldExtensionPoints(fixture))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("io.dynconf.fixture.spi");
  }
}
