package io.dynconf.core.match;

import static io.dynconf.core.match.VarsExpressionParseTest.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Testing without regexes allocates nothing: 100k tests stay far below 16 bytes each. */
class VarsExpressionAllocationTest {

  @Test
  void stringNumberListAndAddressComparisonsDoNotAllocate() {
    java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
    assumeThat(bean).isInstanceOf(com.sun.management.ThreadMXBean.class);
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
    assumeThat(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled()).isTrue();
    VarsExpression e = parse("""
        [["host", "==", "example.com"], ["arg_age", ">", 18], ["arg_n", "==", 42], ["arg_k", "in", ["a", "b"]],
         ["http_x", "has", "v2"], ["remote_addr", "ipmatch", ["10.0.0.0/8", "::1"]],
         ["OR", ["http_ip6", "ipmatch", "2001:db8::/32"], ["arg_none", "~=", null]]]""");
    VarLookup lookup = VarLookup.of(Map.of("host", "example.com", "arg_age", "  19", "arg_n", "42.0", "arg_k", "b",
        "http_x", List.of("v1", "v2"), "remote_addr", "10.1.2.3", "http_ip6", "2001:db8::7"));
    assertThat(e.test(lookup)).isTrue();
    long thread = Thread.currentThread().getId();

    long before = threads.getThreadAllocatedBytes(thread);
    int matches = 0;
    for (int i = 0; i < 100_000; i++) {
      matches += e.test(lookup) ? 1 : 0;
    }
    long allocated = threads.getThreadAllocatedBytes(thread) - before;

    assertThat(matches).isEqualTo(100_000);
    assertThat(allocated).isLessThan(100_000);
  }
}
