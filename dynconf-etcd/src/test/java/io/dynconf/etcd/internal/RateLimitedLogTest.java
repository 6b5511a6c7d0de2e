package io.dynconf.etcd.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class RateLimitedLogTest {
  @Test
  void logsEachDistinctErrorOncePerIntervalAndCountsTheRepeats() {
    Logger logger = (Logger) LoggerFactory.getLogger("rate-limited-log-test");
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    logger.addAppender(appender);
    AtomicLong now = new AtomicLong(1_000);
    RateLimitedLog log = new RateLimitedLog(logger, 30_000, now::get);

    for (int i = 0; i < 100; i++) { // an outage: the same error on every retry
      log.warn("etcd unreachable");
      now.addAndGet(100);
    }
    log.warn("watch compacted"); // a different error is not held back
    now.addAndGet(30_000);
    log.warn("etcd unreachable");

    assertThat(appender.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
        "etcd unreachable",
        "watch compacted",
        "etcd unreachable (repeated 99 more times)");
  }
}
