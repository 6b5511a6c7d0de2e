package io.dynconf.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.etcd.jetcd.op.Cmp;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * dynconf-etcd's jar works on the module path next to jetcd-core: no package of ours is one of
 * jetcd's (a split package makes the module system refuse to start: "package io.etcd.jetcd.op in
 * both module io.dynconf.etcd and module jetcd.core").
 */
class ModulePathTest {
  @Test
  void theJarResolvesAndLoadsBesideJetcdOnTheModulePath(@TempDir Path dir) throws Exception {
    Path classes = Path.of(EtcdSource.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Path jetcd = Path.of(Cmp.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Path jar = jarOf(classes, dir.resolve("dynconf-etcd.jar"));

    ModuleFinder finder = ModuleFinder.of(jar, jetcd);
    Set<String> names = finder.findAll().stream().map(r -> r.descriptor().name()).collect(Collectors.toSet());
    assertThat(names).contains("io.dynconf.etcd");
    ModuleReference ours = finder.find("io.dynconf.etcd").orElseThrow();
    assertThat(ours.descriptor().packages()).as("packages of dynconf-etcd").allMatch(p -> p.startsWith("io.dynconf."));

    assertThatCode(() -> {
      Configuration cf = ModuleLayer.boot().configuration().resolve(finder, ModuleFinder.of(), names);
      ModuleLayer.defineModulesWithOneLoader(cf, List.of(ModuleLayer.boot()), ClassLoader.getPlatformClassLoader());
    }).doesNotThrowAnyException();
  }

  /** The main classes as a jar with the build's Automatic-Module-Name. */
  private static Path jarOf(Path classes, Path jar) throws IOException {
    Manifest m = new Manifest();
    m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    m.getMainAttributes().put(new Attributes.Name("Automatic-Module-Name"), "io.dynconf.etcd");
    try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, m);
        Stream<Path> files = Files.walk(classes)) {
      for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        j.putNextEntry(new JarEntry(classes.relativize(p).toString().replace('\\', '/')));
        Files.copy(p, j);
        j.closeEntry();
      }
    }
    return jar;
  }
}
