package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynconf.core.testing.ModuleRules;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The layering rules every module checks (see {@link ModuleRules}), on this module's main classes. */
class ModuleRulesTest {
  @Test
  void keepsTheModuleRules() {
    ModuleRules.check("io.dynconf.examples.gateway");
  }

  /**
   * The built-in plugins are written the way a third party's would be: against the plugin SPI
   * ({@code io.dynconf.netty.plugin}) and dynconf-core's public API, nothing of the gateway or the
   * proxy besides.
   */
  @Test
  void builtInPluginsUseOnlyThePublicPluginSpi() throws Exception {
    Path dir = Path.of("src/main/java/io/dynconf/examples/gateway/plugin/builtin");
    Pattern dynconfImport = Pattern.compile("(?m)^import (?:static )?(io\\.dynconf\\.[\\w.]+)\\.[\\w*]+;");
    Pattern inlineName = Pattern.compile("\\bio\\.dynconf\\.[a-z.]+");
    List<String> offending = new ArrayList<>();
    int files = 0;
    try (Stream<Path> sources = Files.list(dir)) {
      for (Path source : (Iterable<Path>) sources.filter(p -> p.toString().endsWith(".java"))::iterator) {
        files++;
        String text = Files.readString(source);
        List<String> used = new ArrayList<>();
        for (Matcher m = dynconfImport.matcher(text); m.find(); ) {
          used.add(m.group(1));
        }
        for (Matcher m = inlineName.matcher(text.replaceAll("(?m)^(package|import) .*$", "")); m.find(); ) {
          used.add(m.group().replaceAll("\\.$", ""));
        }
        for (String pkg : used) {
          boolean allowed = pkg.startsWith("io.dynconf.netty.plugin") || pkg.startsWith("io.dynconf.radix.RequestTarget")
              || pkg.equals("io.dynconf.radix")
              || (pkg.startsWith("io.dynconf.core") && !pkg.contains(".internal") && !pkg.contains(".testing"))
              || pkg.equals("io.dynconf.examples.gateway.plugin.builtin");
          if (!allowed) {
            offending.add(source.getFileName() + ": " + pkg);
          }
        }
      }
    }
    assertThat(files).as("built-in plugin sources found").isGreaterThanOrEqualTo(17);
    assertThat(offending).as("built-in plugins reaching past the public SPI").isEmpty();
  }
}
