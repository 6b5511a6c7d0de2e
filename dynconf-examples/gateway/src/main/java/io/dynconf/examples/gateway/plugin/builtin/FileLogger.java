package io.dynconf.examples.gateway.plugin.builtin;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dynconf.core.InvalidConfigException;
import io.dynconf.core.match.VarLookup;
import io.dynconf.core.match.VarsExpression;
import io.dynconf.netty.plugin.Conf;
import io.dynconf.netty.plugin.GatewayPlugin;
import io.dynconf.netty.plugin.PluginContext;
import io.dynconf.netty.plugin.PluginEnvironment;
import io.dynconf.netty.plugin.PluginResponse;
import io.dynconf.netty.plugin.ResponseHead;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * APISIX's {@code file-logger} (priority 399): each request's log entry (the default one, or
 * {@code log_format} from the route or the plugin metadata, as the other loggers') is appended as
 * one JSON line to the file {@code path}, else the plugin metadata's {@code path}. {@code match}
 * (at most 20 rules, each a {@code vars} expression) logs only the requests one of its rules
 * holds for, the log phase's variables ({@code $status}, ...) included; an empty {@code match}
 * logs nothing, as APISIX's.
 *
 * <p>One deliberate difference: a configuration cannot make the gateway write anywhere. Every file
 * lies in the log directory, {@code <data dir>/logs} ({@code ./logs} for a host that gives no data
 * directory): {@code path} is relative to it, and one that is absolute, has a {@code ..} segment,
 * leads out of it through a symbolic link, or names a symbolic link or anything but a regular file
 * is refused, naming {@code /path}, so the admin API answers 400 and nothing is stored. Before
 * {@link #init} (the first load of a gateway's configuration) only the spelling can be checked;
 * the writer checks each file again when it opens it (a link made later is refused there, and
 * counted as {@code path_refused}). Likewise a configuration without {@code path} is refused only
 * once the plugin can read its metadata.
 *
 * <p>The log phase only queues; one writer thread appends, reopens a rotated file, and counts what
 * it cannot write: {@link LogFiles}. Counters: {@link #counters()} (the gateway's status and
 * metrics).
 */
public final class FileLogger implements GatewayPlugin<FileLogger.Config> {
  private static final Logger LOG = LoggerFactory.getLogger(FileLogger.class);
  private static final String SCHEMA = Schemas.load("file-logger");
  private static final String METADATA_SCHEMA = Schemas.load("file-logger-metadata");
  private static final ObjectMapper JSON = new ObjectMapper();
  /** APISIX's limit on {@code match} rules. */
  static final int MAX_MATCH = 20;
  private static final Set<String> FIELDS;

  static {
    Set<String> f = new HashSet<>(LogEntries.Common.FIELDS);
    f.addAll(List.of("path", "match", "_meta"));
    FIELDS = Set.copyOf(f);
  }

  private final LogFiles files = new LogFiles("file-logger", JSON::writeValueAsBytes);
  private final LogPhases phases = new LogPhases("file-logger", new LoggerMetadata("file-logger", null));
  private volatile boolean initialised;

  /** The compiled configuration. */
  public static final class Config {
    final @Nullable String path;
    final LogEntries.Common common;
    final @Nullable Predicate<VarLookup> match;

    Config(@Nullable String path, LogEntries.Common common, @Nullable Predicate<VarLookup> match) {
      this.path = path;
      this.common = common;
      this.match = match;
    }
  }

  @Override
  public String name() {
    return "file-logger";
  }

  @Override
  public int priority() {
    return 399;
  }

  @Override
  public String schema() {
    return SCHEMA;
  }

  @Override
  public String metadataSchema() {
    return METADATA_SCHEMA;
  }

  /** APISIX's metadata ({@code path}, {@code log_format}, {@code log_format_extra}); {@code path} confined as the configuration's. */
  @Override
  public void checkMetadata(Map<String, @Nullable Object> metadata) {
    LogEntries.checkFormats(metadata);
    if (metadata.containsKey("path")) {
      if (!(metadata.get("path") instanceof String p)) {
        throw new InvalidConfigException("/path", "a string is required");
      }
      LogFiles.inside(files.directory(), p, "/path");
    }
  }

  @Override
  public Config configure(Map<String, @Nullable Object> config) {
    Conf c = Conf.plugin(config, FIELDS, Set.of());
    String path = c.string("path");
    if (path != null) {
      LogFiles.inside(files.directory(), path, "/path");
      path = LogFiles.inside(null, path, "/path").toString(); // one spelling per file
    } else if (initialised && phases.metadata().get().path() == null) {
      throw new InvalidConfigException("/path", "property \"path\" is not set in either the plugin conf or the metadata");
    }
    return new Config(path, LogEntries.Common.read(c, "file logger"), match(c));
  }

  /** {@code match}: at most 20 rules, each a vars expression; true when one holds (none for an empty list). */
  private static @Nullable Predicate<VarLookup> match(Conf c) {
    Object v = c.raw("match");
    if (v == null) {
      return null;
    }
    if (!(v instanceof List<?> rules)) {
      throw new InvalidConfigException("/match", "an array of rules is required");
    }
    if (rules.size() > MAX_MATCH) {
      throw new InvalidConfigException("/match", "at most " + MAX_MATCH + " rules, got " + rules.size());
    }
    List<VarsExpression> compiled = new ArrayList<>(rules.size());
    for (int i = 0; i < rules.size(); i++) {
      if (!(rules.get(i) instanceof List<?> rule)) {
        throw new InvalidConfigException("/match/" + i, "an array is required");
      }
      compiled.add(VarsExpression.parse(rule, "/match/" + i));
    }
    List<VarsExpression> all = List.copyOf(compiled);
    return vars -> {
      for (VarsExpression rule : all) {
        if (rule.test(vars)) {
          return true;
        }
      }
      return false;
    };
  }

  /** Takes the log directory, {@code <data dir>/logs}, creating it. */
  @Override
  public void init(PluginEnvironment environment) {
    phases.metadata().init(environment);
    Path dir = (environment.dataDir() == null ? Path.of("") : environment.dataDir()).resolve("logs").toAbsolutePath().normalize();
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      LOG.error("file-logger: cannot create its log directory {} ({}): every entry will be dropped as path_refused", dir, e.toString());
    }
    files.directory(dir);
    initialised = true;
  }

  @Override
  public @Nullable PluginResponse access(Config config, PluginContext ctx) {
    phases.access(config.common, ctx);
    return null;
  }

  @Override
  public void headerFilter(Config config, PluginContext ctx, ResponseHead head) {
    phases.headerFilter(ctx, head);
  }

  @Override
  public void log(Config config, PluginContext ctx, int status, long nanos) {
    phases.log(config.common, ctx, status, nanos, config.match, (entry, vars) -> files.offer(
        config.path != null ? config.path : phases.metadata().get().path(), entry, LogEntries.estimate(entry, ctx)));
  }

  @Override
  public Map<String, Long> counters() {
    return phases.counters(files.counters());
  }

  /** Stops the writer and closes the files. */
  @Override
  public void close() {
    files.close();
  }
}
