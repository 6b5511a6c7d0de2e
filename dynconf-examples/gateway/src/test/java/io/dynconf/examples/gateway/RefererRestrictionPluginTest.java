package io.dynconf.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** APISIX's referer-restriction through a real gateway, including Referer values built to slip past it. */
class RefererRestrictionPluginTest extends PluginGatewayTest {

  private int status(String path, String referer) throws Exception {
    return referer == null ? gw.get(path).statusCode() : gw.get(path, "Referer", referer).statusCode();
  }

  @Test
  void aWhitelistLetsListedHostsAndTheirWildcardSubdomainsThrough() throws Exception {
    gw.route("w", "/w", "\"referer-restriction\":{\"whitelist\":[\"good.com\",\"*.example.com\",\"[::1]\"]}");
    gw.awaitStatus("/w", 200, "Referer", "http://good.com/page");
    assertThat(status("/w", "https://good.com:8443/a?b=c")).as("port, path and query are not the host").isEqualTo(200);
    assertThat(status("/w", "//good.com/x")).as("scheme-less reference").isEqualTo(200);
    assertThat(status("/w", "http://a.example.com/")).isEqualTo(200);
    assertThat(status("/w", "http://a.b.example.com")).isEqualTo(200);
    assertThat(status("/w", "http://GOOD.COM/")).as("hosts compare case-insensitively").isEqualTo(200);
    assertThat(status("/w", "http://[::1]:8080/")).as("a bracketed IPv6 literal").isEqualTo(200);

    assertThat(status("/w", "http://example.com/")).as("*.example.com is not example.com").isEqualTo(403);
    assertThat(status("/w", "http://evilexample.com/")).isEqualTo(403);
    assertThat(status("/w", "http://good.com.evil.net/")).isEqualTo(403);
    assertThat(status("/w", "http://good.com@evil.net/")).as("userinfo is not the host").isEqualTo(403);
    assertThat(status("/w", "http://evil.net/?r=good.com")).isEqualTo(403);
    assertThat(status("/w", "http://[::2]/")).isEqualTo(403);
    assertThat(status("/w", null)).as("missing: refused unless bypass_missing").isEqualTo(403);
    assertThat(status("/w", "")).isEqualTo(403);
    assertThat(status("/w", "good.com")).as("no //: malformed, as missing").isEqualTo(403);
    assertThat(status("/w", "ftp://good.com/")).as("another scheme: malformed").isEqualTo(403);
    assertThat(status("/w", "http:///path")).as("empty host").isEqualTo(403);
    assertThat(status("/w", "http://[::1/")).as("unclosed IPv6 literal").isEqualTo(403);

    HttpResponse<String> refused = gw.get("/w", "Referer", "http://evil.net/");
    assertThat(refused.body()).isEqualTo("{\"message\":\"Your referer host is not allowed\"}\n");
    assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/json");
  }

  @Test
  void aBlacklistRefusesListedHostsHoweverTheyAreSpelled() throws Exception {
    gw.route("b", "/b", "\"referer-restriction\":{\"blacklist\":[\"evil.com\",\"*.evil.net\"],\"message\":\"go away\"}");
    gw.awaitStatus("/b", 403, "Referer", "http://evil.com/");
    assertThat(status("/b", "http://EVIL.com/")).as("upper case").isEqualTo(403);
    assertThat(status("/b", "https://evil.com:443/")).as("with a port").isEqualTo(403);
    assertThat(status("/b", "http://user:pw@evil.com/")).as("behind userinfo").isEqualTo(403);
    assertThat(status("/b", "http://x.evil.net/")).isEqualTo(403);
    assertThat(gw.get("/b", "Referer", "http://evil.com/").body()).isEqualTo("{\"message\":\"go away\"}\n");

    assertThat(status("/b", "http://good.com/")).isEqualTo(200);
    assertThat(status("/b", "http://evil.com.good.org/")).isEqualTo(200);
    assertThat(status("/b", null)).as("missing is refused by default, even with a blacklist").isEqualTo(403);
  }

  @Test
  void bypassMissingLetsRequestsWithoutAUsableRefererThrough() throws Exception {
    gw.route("m", "/m", "\"referer-restriction\":{\"whitelist\":[\"good.com\"],\"bypass_missing\":true}");
    gw.awaitStatus("/m", 200);
    assertThat(status("/m", "not a url")).as("malformed counts as missing").isEqualTo(200);
    assertThat(status("/m", "http://evil.com/")).isEqualTo(403);
    // a raw request with two Referer headers: the first is the one checked, as nginx's $http_referer
    String twice = gw.raw("GET /m HTTP/1.1\r\nHost: x\r\nReferer: http://evil.com/\r\nReferer: http://good.com/\r\nConnection: close\r\n\r\n");
    assertThat(twice).startsWith("HTTP/1.1 403");
  }

  @Test
  void badConfigurationsAreRefusedNamingTheField() throws Exception {
    gw.refused("\"referer-restriction\":{}", "plugins/referer-restriction/whitelist", "exactly one");
    gw.refused("\"referer-restriction\":{\"whitelist\":[\"a.com\"],\"blacklist\":[\"b.com\"]}", "plugins/referer-restriction/blacklist",
        "not both");
    gw.refused("\"referer-restriction\":{\"whitelist\":[]}", "plugins/referer-restriction/whitelist", "at least one");
    gw.refused("\"referer-restriction\":{\"whitelist\":[\"http://a.com\"]}", "plugins/referer-restriction/whitelist/0", "not a host");
    gw.refused("\"referer-restriction\":{\"blacklist\":[\"a.com\",\"a b\"]}", "plugins/referer-restriction/blacklist/1", "not a host");
    gw.refused("\"referer-restriction\":{\"whitelist\":[\"a.com\"],\"message\":\"\"}", "plugins/referer-restriction/message");
    gw.refused("\"referer-restriction\":{\"whitelist\":[\"a.com\"],\"bypass_missing\":\"yes\"}", "plugins/referer-restriction/bypass_missing");
    gw.refused("\"referer-restriction\":{\"whitelist\":\"a.com\"}", "plugins/referer-restriction/whitelist");
  }
}
