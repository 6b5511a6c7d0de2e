package io.dynconf.core.testing;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The layering rules every dynconf module checks on its own main classes, with the same code: each
 * module has a {@code ModuleRulesTest} that calls {@link #check(String)} with its root package.
 *
 * <ul>
 *   <li>An {@code internal} package is private to its module: no class outside the module's root
 *       package depends on it.
 *   <li>An {@code spi} package holds extension points: at least one interface or abstract class
 *       (an empty or concrete-only {@code spi} package should not exist).
 * </ul>
 */
public final class ModuleRules {
  private ModuleRules() {}

  /** Checks the main (non-test) classes under {@code root}, e.g. {@code io.dynconf.radix}. */
  public static void check(String root) {
    JavaClasses classes = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
        .importPackages(root);
    if (classes.isEmpty()) {
      throw new AssertionError("no main classes found under " + root);
    }
    internalStaysInModule(root).check(classes);
    spiPackagesHoldExtensionPoints(classes);
  }

  /** No class under {@code root} depends on another module's {@code internal} package. */
  public static ArchRule internalStaysInModule(String root) {
    return noClasses()
        .that().resideInAPackage(root + "..")
        .should().dependOnClassesThat(
            resideInAPackage("io.dynconf..internal..").and(not(resideInAPackage(root + ".."))))
        .because("an internal package is private to its module; expose what others need in its API or spi");
  }

  /** Every {@code spi} package among {@code classes} holds an interface or abstract class. */
  public static void spiPackagesHoldExtensionPoints(JavaClasses classes) {
    Map<String, List<JavaClass>> spi = new TreeMap<>();
    for (JavaClass c : classes) {
      if (c.getPackageName().endsWith(".spi") && !c.getSimpleName().equals("package-info")) {
        spi.computeIfAbsent(c.getPackageName(), k -> new ArrayList<>()).add(c);
      }
    }
    for (JavaClass c : classes) {
      if (c.getPackageName().endsWith(".spi") && c.getSimpleName().equals("package-info")) {
        spi.putIfAbsent(c.getPackageName(), new ArrayList<>());
      }
    }
    List<String> bad = new ArrayList<>();
    spi.forEach((pkg, list) -> {
      boolean extensionPoint = list.stream().anyMatch(c -> c.isInterface()
          || c.getModifiers().contains(com.tngtech.archunit.core.domain.JavaModifier.ABSTRACT));
      if (!extensionPoint) {
        bad.add(pkg);
      }
    });
    if (!bad.isEmpty()) {
      throw new AssertionError("spi packages without an extension point (no interface or abstract class): " + bad);
    }
  }
}
