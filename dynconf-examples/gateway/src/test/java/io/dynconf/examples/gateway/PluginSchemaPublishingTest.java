package io.dynconf.examples.gateway;

import static io.dynconf.core.apisix.PluginSchemaConformance.assertAgree;
import static io.dynconf.core.apisix.PluginSchemaConformance.assertMetadataAgree;
import static io.dynconf.core.apisix.PluginSchemaConformance.assertOnlyTheCheckerRefuses;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dynconf.core.apisix.PluginInfo;
import io.dynconf.netty.plugin.Plugins;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway publishes its built-in plugins' schemas at the admin API (issue 15; APISIX's
 * Dashboard builds its plugin forms from them), and each published schema rejects exactly what
 * the plugin's own checker rejects, on valid and invalid samples for every field.
 */
class PluginSchemaPublishingTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Plugins PLUGINS = Plugins.load(PluginSchemaPublishingTest.class.getClassLoader());
  /** The built-ins: every one publishes its schema. */
  private static final Set<String> PUBLISHED = Set.of("key-auth", "basic-auth", "request-id", "uri-blocker", "limit-count",
      "limit-req", "limit-conn", "consumer-restriction", "ip-restriction", "prometheus", "real-ip", "redirect", "proxy-rewrite",
      "response-rewrite", "cors", "jwt-auth", "traffic-split", "http-logger", "syslog", "referer-restriction", "echo", "gzip",
      "client-control", "multi-auth", "tcp-logger", "udp-logger", "file-logger");

  @TempDir Path dir;

  @Test
  void everyPublishedSchemaIsTheOneItsCheckerEnforces() {
    assertThat(PLUGINS.plugins()).extracting(PluginInfo::name).containsExactlyInAnyOrderElementsOf(PUBLISHED);
    Map<String, String[][]> samples = new java.util.HashMap<>(Map.of(
        "key-auth", new String[][] {
            {"{}", "{\"header\":\"X-Key\",\"query\":\"k\",\"hide_credentials\":true}", "{\"key\":\"abc\"}", "{\"_meta\":{\"priority\":1}}", "{\"nope\":1}", "{\"empty_obj\":{},\"empty_arr\":[],\"empty_str\":\"\",\"kept\":\"x\",\"custom_note\":null}"},
            {"{\"header\":1}", "{\"query\":true}", "{\"hide_credentials\":\"yes\"}", "{\"key\":\"\"}", "{\"key\":5}", "{\"realm\":\"r\"}", "{\"anonymous_consumer\":\"anon\"}"}},
        "basic-auth", new String[][] {
            {"{}", "{\"hide_credentials\":false,\"realm\":\"api\"}", "{\"username\":\"u\",\"password\":\"p\"}", "{\"anonymous_consumer\":\"anon\"}", "{\"extra\":true}"},
            {"{\"username\":\"u\"}", "{\"password\":\"p\"}", "{\"realm\":\"a\\\"b\"}", "{\"realm\":\"\"}", "{\"anonymous_consumer\":\"\"}",
                "{\"hide_credentials\":1}", "{\"username\":1,\"password\":\"p\"}"}},
        "request-id", new String[][] {
            {"{}", "{\"header_name\":\"X-Id\",\"include_in_response\":false,\"algorithm\":\"nanoid\"}",
                "{\"algorithm\":\"range_id\",\"range_id\":{\"length\":6,\"char_set\":\"abcdef\"}}", "{\"range_id\":{}}", "{\"x\":1}"},
            {"{\"header_name\":\"\"}", "{\"algorithm\":\"md5\"}", "{\"range_id\":{\"length\":5}}", "{\"range_id\":{\"char_set\":\"abc\"}}",
                "{\"range_id\":{\"other\":1}}", "{\"range_id\":[]}", "{\"include_in_response\":\"no\"}"}},
        "uri-blocker", new String[][] {
            {"{\"block_rules\":[\"^/admin\"]}", "{\"block_rules\":[\"a\",\"b\"],\"rejected_code\":410,\"rejected_msg\":\"gone\",\"case_insensitive\":true}"},
            {"{}", "{\"block_rules\":[]}", "{\"block_rules\":[\"a\",\"a\"]}", "{\"block_rules\":[\"\"]}", "{\"block_rules\":[\"(\"]}",
                "{\"block_rules\":[\"a\"],\"rejected_code\":199}", "{\"block_rules\":[\"a\"],\"rejected_code\":600}",
                "{\"block_rules\":[\"a\"],\"rejected_msg\":\"\"}", "{\"block_rules\":\"a\"}", "{\"block_rules\":[1]}"}},
        "limit-count", new String[][] {
            {"{\"count\":1,\"time_window\":60}", "{\"count\":5,\"time_window\":1,\"key\":\"consumer_name\",\"key_type\":\"constant\","
                + "\"rejected_code\":429,\"rejected_msg\":\"no\",\"policy\":\"local\",\"show_limit_quota_header\":false,\"allow_degradation\":true,\"group\":\"g\"}", "{\"count\":1,\"time_window\":1,\"z\":1}"},
            {"{}", "{\"count\":1}", "{\"time_window\":1}", "{\"count\":0,\"time_window\":1}", "{\"count\":1,\"time_window\":0}",
                "{\"count\":1,\"time_window\":1,\"key_type\":\"x\"}", "{\"count\":1,\"time_window\":1,\"policy\":\"redis\"}",
                "{\"count\":1,\"time_window\":1,\"rejected_code\":100}", "{\"count\":1,\"time_window\":1,\"show_limit_quota_header\":1}",
                "{\"count\":1,\"time_window\":1,\"group\":\"\"}", "{\"count\":\"1\",\"time_window\":1}", "{\"count\":1,\"time_window\":1,\"window_type\":\"sliding\"}", "{\"count\":1,\"time_window\":1,\"rules\":[]}", "{\"count\":1,\"time_window\":1,\"sync_interval\":1}"}},
        "limit-req", new String[][] {
            {"{\"rate\":1,\"burst\":0,\"key\":\"remote_addr\"}", "{\"rate\":0.5,\"burst\":2.5,\"key\":\"a b\",\"key_type\":\"var_combination\","
                + "\"rejected_code\":429,\"rejected_msg\":\"slow\",\"nodelay\":true,\"allow_degradation\":false,\"policy\":\"local\"}", "{\"rate\":1,\"burst\":0,\"key\":\"k\",\"redis_host\":\"ignored\"}"},
            {"{}", "{\"rate\":0,\"burst\":0,\"key\":\"k\"}", "{\"rate\":1,\"burst\":-1,\"key\":\"k\"}", "{\"rate\":1,\"burst\":0}",
                "{\"rate\":1,\"burst\":0,\"key\":\"k\",\"key_type\":\"constant\"}", "{\"rate\":1,\"burst\":0,\"key\":\"k\",\"rejected_msg\":\"\"}",
                "{\"rate\":\"1\",\"burst\":0,\"key\":\"k\"}", "{\"rate\":1,\"burst\":0,\"key\":\"k\",\"nodelay\":1}",
                "{\"rate\":1,\"burst\":0,\"key\":\"k\",\"policy\":\"redis\"}"}},
        "limit-conn", new String[][] {
            {"{\"conn\":1,\"burst\":0,\"default_conn_delay\":0.1,\"key\":\"remote_addr\"}",
                "{\"conn\":3,\"burst\":1,\"default_conn_delay\":2,\"only_use_default_delay\":true,\"key\":\"a\",\"key_type\":\"var_combination\","
                + "\"rejected_code\":429,\"rejected_msg\":\"busy\",\"allow_degradation\":true,\"policy\":\"local\"}"},
            {"{}", "{\"conn\":0,\"burst\":0,\"default_conn_delay\":1,\"key\":\"k\"}", "{\"conn\":1,\"burst\":-1,\"default_conn_delay\":1,\"key\":\"k\"}",
                "{\"conn\":1,\"burst\":0,\"default_conn_delay\":0,\"key\":\"k\"}", "{\"conn\":1,\"burst\":0,\"key\":\"k\"}",
                "{\"conn\":1,\"burst\":0,\"default_conn_delay\":1}", "{\"conn\":\"$var\",\"burst\":0,\"default_conn_delay\":1,\"key\":\"k\"}",
                "{\"conn\":1,\"burst\":0,\"default_conn_delay\":1,\"key\":\"k\",\"rules\":[]}",
                "{\"conn\":1,\"burst\":0,\"default_conn_delay\":1,\"key\":\"k\",\"only_use_default_delay\":\"y\"}"}}));
    samples.put("consumer-restriction", new String[][] {
        {"{\"whitelist\":[\"jack\"]}", "{\"type\":\"route_id\",\"blacklist\":[\"1\",\"1\"],\"rejected_code\":401,\"rejected_msg\":\"no\"}",
            "{\"allowed_by_methods\":[{\"user\":\"jack\",\"methods\":[\"GET\",\"PURGE\"]},{\"methods\":[\"POST\"]},{}]}",
            "{\"allowed_by_methods\":[]}", "{\"whitelist\":[\"a\"],\"x\":1}"},
        {"{}", "{\"type\":\"consumer_name\"}", "{\"whitelist\":[]}", "{\"blacklist\":[1]}", "{\"whitelist\":[\"a\"],\"type\":\"ip\"}",
            "{\"allowed_by_methods\":[{\"user\":\"j\",\"methods\":[]}]}", "{\"allowed_by_methods\":[{\"methods\":[\"FETCH\"]}]}",
            "{\"allowed_by_methods\":[{\"user\":1}]}", "{\"allowed_by_methods\":[{\"other\":1}]}", "{\"allowed_by_methods\":[\"x\"]}",
            "{\"allowed_by_methods\":{}}", "{\"whitelist\":[\"a\"],\"rejected_code\":600}", "{\"whitelist\":[\"a\"],\"rejected_msg\":1}"}});
    samples.put("ip-restriction", new String[][] {
        {"{\"whitelist\":[\"127.0.0.1\"]}", "{\"blacklist\":[\"10.0.0.0/8\",\"::1\",\"fe80::/10\"],\"message\":\"go away\",\"response_code\":404}", "{\"whitelist\":[\"192.168.1.1/32\"],\"_meta\":{\"priority\":1}}", "{\"whitelist\":[\"1.1.1.1\"],\"x\":1}"},
        {"{}", "{\"whitelist\":[],\"blacklist\":[\"1.1.1.1\"]}", "{\"whitelist\":[\"1.1.1.1\"],\"blacklist\":[\"2.2.2.2\"]}", "{\"whitelist\":[]}", "{\"whitelist\":[\"not-an-ip\"]}", "{\"whitelist\":[\"1.1.1.1/33\"]}", "{\"whitelist\":[\"1.1.1.1\"],\"message\":\"\"}", "{\"whitelist\":[\"1.1.1.1\"],\"response_code\":401}", "{\"whitelist\":[\"1.1.1.1\"],\"response_code\":405}", "{\"whitelist\":\"1.1.1.1\"}", "{\"whitelist\":[1]}"}});
    samples.put("prometheus", new String[][] {
        {"{}", "{\"prefer_name\":true}", "{\"prefer_name\":false}", "{\"x\":1}"},
        {"{\"prefer_name\":\"yes\"}", "{\"prefer_name\":null}", "{\"prefer_name\":\"yes\",\"x\":1}"}});
    samples.put("real-ip", new String[][] {
        {"{\"source\":\"http_x_forwarded_for\"}", "{\"source\":\"arg_realip\",\"trusted_addresses\":[\"127.0.0.1\",\"10.0.0.0/8\",\"::1\"],\"recursive\":true}", "{\"source\":\"a\",\"other\":1}"},
        {"{}", "{\"source\":\"\"}", "{\"source\":1}", "{\"source\":\"a\",\"trusted_addresses\":[]}", "{\"source\":\"a\",\"trusted_addresses\":[\"x\"]}", "{\"source\":\"a\",\"recursive\":\"no\"}"}});
    samples.put("redirect", new String[][] {
        {"{\"uri\":\"/new\"}", "{\"http_to_https\":true}", "{\"http_to_https\":false,\"ret_code\":301}", "{\"regex_uri\":[\"^/a/(.*)\",\"/b/$1\"]}", "{\"uri\":\"/x/$uri\",\"ret_code\":307,\"encode_uri\":true,\"append_query_string\":true}", "{\"uri\":\"/a\",\"x\":1}"},
        {"{}", "{\"uri\":\"/\"}", "{\"uri\":\"/a\",\"http_to_https\":true}", "{\"uri\":\"/a\",\"regex_uri\":[\"a\",\"b\"]}", "{\"regex_uri\":[\"a\"]}", "{\"regex_uri\":[\"a\",\"b\",\"c\"]}", "{\"http_to_https\":true,\"append_query_string\":true}", "{\"uri\":\"/a\",\"ret_code\":199}", "{\"uri\":\"/a\",\"ret_code\":600}", "{\"uri\":1}", "{\"http_to_https\":\"yes\"}"}});
    samples.put("proxy-rewrite", new String[][] {
        {"{\"uri\":\"/x\"}", "{\"regex_uri\":[\"^/a/(.*)\",\"/b/$1\"]}", "{\"host\":\"example.com:8080\"}", "{\"headers\":{\"X-A\":\"1\",\"X-B\":2}}", "{\"headers\":{\"set\":{\"X-A\":\"1\"},\"add\":{\"X-B\":\"2\"},\"remove\":[\"X-C\"]}}", "{\"headers\":{\"remove\":[\"X-C\"]}}", "{\"uri\":\"/x\",\"use_real_request_uri_unsafe\":true}", "{\"uri\":\"/x\",\"other\":null}"},
        {"{}", "{\"uri\":\"x\"}", "{\"regex_uri\":[\"a\"]}", "{\"host\":\"a b\"}", "{\"host\":\"\"}", "{\"headers\":{}}", "{\"headers\":{\"set\":{}}}", "{\"headers\":{\"remove\":[]}}", "{\"headers\":{\"X:A\":\"1\"}}", "{\"headers\":{\"set\":{\"X:A\":\"1\"}}}", "{\"headers\":{\"remove\":[\"X:A\"]}}", "{\"headers\":{\"X-A\":true}}", "{\"headers\":{\"set\":{\"X-A\":\"1\"},\"other\":{}}}", "{\"headers\":\"X-A\"}", "{\"method\":\"POST\"}", "{\"uri\":\"/x\",\"use_real_request_uri_unsafe\":1}", "{\"uri\":null}"}});
    samples.put("response-rewrite", new String[][] {
        {"{\"status_code\":200}", "{\"body\":\"hi\",\"status_code\":403}", "{\"body\":\"aGk=\",\"body_base64\":true}", "{\"headers\":{\"X-A\":\"1\"}}", "{\"headers\":{\"set\":{\"X-A\":\"1\"},\"add\":[\"X-B: 2\"],\"remove\":[\"X-C\"]}}", "{\"body_base64\":true}", "{\"x\":1}"},
        {"{\"status_code\":199}", "{\"status_code\":599}", "{\"body\":\"not base64!\",\"body_base64\":true}", "{\"headers\":{}}", "{\"headers\":{\"add\":{\"X-B\":\"2\"}}}", "{\"headers\":{\"add\":[\"no colon\"]}}", "{\"headers\":{\"add\":[]}}", "{\"body\":1}", "{\"vars\":[[\"status\",\"==\",200]]}", "{\"filters\":[{\"regex\":\"a\",\"replace\":\"b\"}]}", "{\"status_code\":200,\"max_resp_body_size\":1}"}});
    samples.put("cors", new String[][] {
        {"{}", "{\"allow_origins\":\"http://a.com,https://b.com:8443\",\"allow_methods\":\"GET,POST\",\"max_age\":3600}", "{\"allow_origins\":\"**\",\"allow_methods\":\"**\",\"allow_headers\":\"**\"}", "{\"allow_origins_by_regex\":[\"^https://[a-z]+[.]example[.]com$\"]}", "{\"allow_credential\":true,\"allow_origins\":\"https://a.com\",\"allow_methods\":\"GET\",\"allow_headers\":\"X-A\",\"expose_headers\":\"X-B\"}", "{\"timing_allow_origins\":\"http://a.com\",\"timing_allow_origins_by_regex\":[\"a\"]}", "{\"allow_origins_by_metadata\":[\"a\"]}", "{\"allow_origins_by_metadata\":[\"a\",\"b\"],\"allow_origins\":\"http://c.com\",\"allow_origins_by_regex\":[\"d\"]}", "{\"allow_origins\":\"*\\n\"}", "{\"x\":1}"},
        {"{\"allow_origins\":\"a.com\"}", "{\"allow_credential\":true}", "{\"allow_credential\":true,\"allow_origins\":\"https://a.com\",\"allow_methods\":\"GET\"}", "{\"allow_credential\":true,\"allow_origins\":\"https://a.com\",\"allow_methods\":\"GET\",\"allow_headers\":\"X\",\"expose_headers\":\"*\"}", "{\"allow_origins_by_regex\":[]}", "{\"allow_origins_by_regex\":[\"(\"]}", "{\"allow_origins_by_regex\":[\"a\",\"a\"]}", "{\"max_age\":\"5\"}", "{\"allow_origins_by_metadata\":[]}", "{\"allow_origins_by_metadata\":[\"a\",\"a\"]}", "{\"allow_origins_by_metadata\":[\"\"]}", "{\"allow_origins_by_metadata\":\"a\"}", "{\"allow_origins_by_metadata\":[1]}", "{\"allow_origins_by_metadata\":null}", "{\"allow_origins\":\"*\\nx\"}", "{\"allow_credential\":\"yes\"}"}});
    samples.put("jwt-auth", new String[][] {
        {"{}", "{\"header\":\"X-Jwt\",\"query\":\"t\",\"cookie\":\"c\",\"hide_credentials\":true,\"key_claim_name\":\"iss\",\"store_in_ctx\":true,\"realm\":\"api\",\"claims_to_verify\":[\"exp\",\"nbf\"]}", "{\"anonymous_consumer\":\"anon\"}", "{\"key\":\"user-key\",\"secret\":\"s3cret\"}", "{\"key\":\"k\",\"algorithm\":\"HS512\",\"secret\":\"aGk=\",\"base64_secret\":true,\"exp\":60,\"lifetime_grace_period\":5}", "{\"key\":\"k\",\"algorithm\":\"RS256\",\"public_key\":\"-----BEGIN PUBLIC KEY-----\\nMIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDVmYk/09QNyeIOqveCTZ9811BU\\nvPrKOHjS/e+JNP8+yGl0lm+B9eYVHlKqqA2Ag/zfBVY5blR6ijXwwEjuhamRypta\\nyCBZnqRPe/CGzalXrJzA8T6JfxtZTHRSdSSYf6up/4TfJEjvE65Uh5QcmmK6BfKf\\nuqLC9zGCheQNS5vjGwIDAQAB\\n-----END PUBLIC KEY-----\"}", "{\"x\":1}"},
        {"{\"key_claim_name\":\"\"}", "{\"realm\":\"a\\\"b\"}", "{\"anonymous_consumer\":\"\"}", "{\"claims_to_verify\":[\"iat\"]}", "{\"claims_to_verify\":[\"exp\",\"exp\"]}", "{\"key\":\"k\"}", "{\"secret\":\"s\"}", "{\"key\":\"\",\"secret\":\"s\"}", "{\"key\":\"k\",\"secret\":\"\"}", "{\"key\":\"k\",\"algorithm\":\"ES256\",\"secret\":\"s\"}", "{\"key\":\"k\",\"algorithm\":\"RS256\"}", "{\"key\":\"k\",\"algorithm\":\"RS256\",\"secret\":\"s\"}", "{\"key\":\"k\",\"secret\":\"!!\",\"base64_secret\":true}", "{\"key\":\"k\",\"secret\":\"s\",\"exp\":0}", "{\"key\":\"k\",\"secret\":\"s\",\"lifetime_grace_period\":-1}", "{\"hide_credentials\":\"no\"}"}});
    samples.put("traffic-split", new String[][] {
        {"{}", "{\"rules\":[]}", "{\"rules\":[{\"weighted_upstreams\":[{\"weight\":1}]}]}", "{\"rules\":[{\"match\":[{\"vars\":[[\"arg_name\",\"==\",\"jack\"]]}],\"weighted_upstreams\":[{\"upstream_id\":\"u1\",\"weight\":3},{\"weight\":1}]}]}", "{\"rules\":[{\"weighted_upstreams\":[{\"upstream\":{\"type\":\"roundrobin\",\"nodes\":{\"127.0.0.1:1980\":1}},\"weight\":2},{\"upstream_id\":7}]}]}", "{\"rules\":[{\"match\":[{}]}]}", "{\"x\":1}"},
        {"{\"rules\":{}}", "{\"rules\":[1]}", "{\"rules\":[{\"x\":1}]}", "{\"rules\":[{\"weighted_upstreams\":[]}]}", "{\"rules\":[{\"match\":{}}]}", "{\"rules\":[{\"match\":[{\"other\":1}]}]}", "{\"rules\":[{\"weighted_upstreams\":[{\"weight\":-1}]}]}", "{\"rules\":[{\"weighted_upstreams\":[{\"upstream_id\":\"\"}]}]}", "{\"rules\":[{\"weighted_upstreams\":[{\"upstream_id\":0}]}]}", "{\"rules\":[{\"weighted_upstreams\":[{\"upstream_id\":\"a\",\"upstream\":{\"nodes\":{\"127.0.0.1:1\":1}}}]}]}", "{\"rules\":[{\"weighted_upstreams\":[{\"upstream\":{\"type\":\"roundrobin\",\"nodes\":{}}}]}]}", "{\"rules\":[{\"weighted_upstreams\":[{\"upstream\":{\"type\":\"roundrobin\",\"service_name\":\"a\",\"discovery_type\":\"dns\"}}]}]}", "{\"rules\":[{\"weighted_upstreams\":[{\"upstream\":{\"nodes\":{\"127.0.0.1:1\":1},\"bogus\":1}}]}]}"}});
    samples.put("http-logger", new String[][] {
        {"{\"uri\":\"http://127.0.0.1:1980/log\"}", "{\"uri\":\"https://[::1]:443\",\"ssl_verify\":true,\"auth_header\":\"Basic x\",\"timeout\":10,\"concat_method\":\"new_line\"}",
            "{\"uri\":\"http://logs.example.com/a?b=c\",\"batch_max_size\":1,\"inactive_timeout\":1,\"buffer_duration\":1,\"max_retry_count\":0,\"retry_delay\":0,\"name\":\"n\"}",
            "{\"uri\":\"http://a\",\"log_format\":{\"h\":\"$host\",\"n\":{\"x\":1}},\"log_format_extra\":{},\"include_req_body\":true,\"include_req_body_expr\":[[\"arg_a\",\"==\",\"b\"]],"
                + "\"include_resp_body\":true,\"include_resp_body_expr\":[[\"status\",\"==\",\"200\"]],\"max_req_body_bytes\":1,\"max_resp_body_bytes\":2147483647}",
            "{\"uri\":\"http://a\",\"_meta\":{\"priority\":1}}", "{\"uri\":\"http://a\",\"other\":1}"},
        {"{}", "{\"uri\":\"\"}", "{\"uri\":\"127.0.0.1:80/log\"}", "{\"uri\":\"http:///x\"}", "{\"uri\":1}", "{\"uri\":\"http://a\",\"auth_header\":1}",
            "{\"uri\":\"http://a\",\"timeout\":0}", "{\"uri\":\"http://a\",\"timeout\":1.5}", "{\"uri\":\"http://a\",\"concat_method\":\"xml\"}",
            "{\"uri\":\"http://a\",\"ssl_verify\":\"yes\"}", "{\"uri\":\"http://a\",\"batch_max_size\":0}", "{\"uri\":\"http://a\",\"inactive_timeout\":0}",
            "{\"uri\":\"http://a\",\"buffer_duration\":0}", "{\"uri\":\"http://a\",\"max_retry_count\":-1}", "{\"uri\":\"http://a\",\"retry_delay\":-1}",
            "{\"uri\":\"http://a\",\"name\":1}", "{\"uri\":\"http://a\",\"log_format\":[]}", "{\"uri\":\"http://a\",\"log_format_extra\":\"x\"}",
            "{\"uri\":\"http://a\",\"include_req_body\":1}", "{\"uri\":\"http://a\",\"include_req_body_expr\":[]}", "{\"uri\":\"http://a\",\"include_resp_body_expr\":[\"a\"]}",
            "{\"uri\":\"http://a\",\"max_req_body_bytes\":0}", "{\"uri\":\"http://a\",\"max_resp_body_bytes\":2147483648}"}});
    samples.put("syslog", new String[][] {
        {"{\"host\":\"127.0.0.1\",\"port\":514}", "{\"host\":\"logs\",\"port\":6514,\"sock_type\":\"tcp\",\"tls\":true,\"timeout\":1,\"flush_limit\":1,\"drop_limit\":-1,\"pool_size\":5}",
            "{\"host\":\"h\",\"port\":1,\"sock_type\":\"udp\",\"tls\":false,\"log_format\":{\"a\":\"$uri\"},\"batch_max_size\":1,\"name\":\"x\",\"include_resp_body\":true}",
            "{\"host\":\"h\",\"port\":65535,\"include_req_body_expr\":[[\"arg_a\",\"==\",\"1\"]],\"_meta\":{}}", "{\"host\":\"h\",\"port\":1,\"uri\":\"http://a\"}"},
        {"{}", "{\"host\":\"h\"}", "{\"port\":514}", "{\"host\":\"\",\"port\":514}", "{\"host\":1,\"port\":514}", "{\"host\":\"h\",\"port\":0}",
            "{\"host\":\"h\",\"port\":65536}", "{\"host\":\"h\",\"port\":\"514\"}", "{\"host\":\"h\",\"port\":1,\"sock_type\":\"sctp\"}",
            "{\"host\":\"h\",\"port\":1,\"sock_type\":\"udp\",\"tls\":true}", "{\"host\":\"h\",\"port\":1,\"pool_size\":4}", "{\"host\":\"h\",\"port\":1,\"flush_limit\":0}",
            "{\"host\":\"h\",\"port\":1,\"timeout\":0}", "{\"host\":\"h\",\"port\":1,\"tls\":\"yes\"}", "{\"host\":\"h\",\"port\":1,\"log_format\":\"x\"}",
            "{\"host\":\"h\",\"port\":1,\"batch_max_size\":0}"}});
    samples.put("tcp-logger", new String[][] {
        {"{\"host\":\"127.0.0.1\",\"port\":5140}", "{\"host\":\"logs\",\"port\":65535,\"timeout\":1,\"tls\":true,\"tls_options\":\"logs.example.com\"}",
            "{\"host\":\"h\",\"port\":1,\"tls\":false,\"tls_options\":\"x\",\"log_format\":{\"a\":\"$uri\"},\"batch_max_size\":1,\"name\":\"n\",\"include_resp_body\":true}",
            "{\"host\":\"h\",\"port\":1,\"include_req_body_expr\":[[\"arg_a\",\"==\",\"1\"]],\"_meta\":{}}", "{\"host\":\"h\",\"port\":1,\"uri\":\"http://a\"}"},
        {"{}", "{\"host\":\"h\"}", "{\"port\":514}", "{\"host\":\"\",\"port\":514}", "{\"host\":1,\"port\":514}", "{\"host\":\"h\",\"port\":0}",
            "{\"host\":\"h\",\"port\":65536}", "{\"host\":\"h\",\"port\":\"514\"}", "{\"host\":\"h\",\"port\":1,\"timeout\":0}",
            "{\"host\":\"h\",\"port\":1,\"timeout\":1.5}", "{\"host\":\"h\",\"port\":1,\"tls\":\"yes\"}", "{\"host\":\"h\",\"port\":1,\"tls_options\":\"\"}",
            "{\"host\":\"h\",\"port\":1,\"tls_options\":1}", "{\"host\":\"h\",\"port\":1,\"log_format\":\"x\"}", "{\"host\":\"h\",\"port\":1,\"batch_max_size\":0}",
            "{\"host\":\"h\",\"port\":1,\"max_req_body_bytes\":0}"}});
    samples.put("udp-logger", new String[][] {
        {"{\"host\":\"127.0.0.1\",\"port\":5140}", "{\"host\":\"logs\",\"port\":65535,\"timeout\":60}",
            "{\"host\":\"h\",\"port\":1,\"log_format\":{\"a\":\"$uri\"},\"log_format_extra\":{\"b\":\"$host\"},\"batch_max_size\":1,\"inactive_timeout\":1,\"name\":\"n\"}",
            "{\"host\":\"h\",\"port\":1,\"_meta\":{\"priority\":1}}", "{\"host\":\"h\",\"port\":1,\"other\":null}"},
        {"{}", "{\"host\":\"h\"}", "{\"port\":514}", "{\"host\":\"\",\"port\":514}", "{\"host\":\"h\",\"port\":0}", "{\"host\":\"h\",\"port\":65536}",
            "{\"host\":\"h\",\"port\":1,\"timeout\":0}", "{\"host\":\"h\",\"port\":1,\"timeout\":\"3\"}", "{\"host\":\"h\",\"port\":1,\"log_format\":[]}",
            "{\"host\":\"h\",\"port\":1,\"include_resp_body_expr\":[]}", "{\"host\":\"h\",\"port\":1,\"retry_delay\":-1}"}});
    samples.put("file-logger", new String[][] {
        {"{}", "{\"path\":\"a.log\"}", "{\"path\":\"./x.log\"}", "{\"path\":\"logs/file.log\",\"match\":[[[\"arg_name\",\"==\",\"jack\"]]],\"log_format\":{\"r\":\"$request\"},"
            + "\"include_req_body\":true,\"include_req_body_expr\":[[\"arg_a\",\"==\",\"1\"]],\"include_resp_body\":true,\"max_resp_body_bytes\":1}",
            "{\"path\":\"a/..b/.c.log\"}", "{\"path\":\"x\",\"match\":[]}", "{\"path\":\"x\",\"match\":[[]]}", "{\"path\":\"x\",\"other\":1,\"_meta\":{}}"},
        {"{\"path\":\"\"}", "{\"path\":\"/etc/passwd\"}", "{\"path\":\"../x\"}", "{\"path\":\"a/../../x\"}", "{\"path\":\"a/..\"}", "{\"path\":\"..\"}",
            "{\"path\":\".\"}", "{\"path\":\"./\"}", "{\"path\":\"./.\"}", "{\"path\":1}", "{\"match\":{}}", "{\"match\":[1]}",
            "{\"match\":[" + String.join(",", java.util.Collections.nCopies(21, "[]")) + "]}", "{\"path\":\"x\",\"log_format\":\"a\"}",
            "{\"path\":\"x\",\"max_req_body_bytes\":0}", "{\"path\":\"x\",\"include_resp_body_expr\":[]}", "{\"path\":\"x\",\"include_req_body\":\"yes\"}"}});
    samples.put("referer-restriction", new String[][] {
        {"{\"whitelist\":[\"a.com\"]}", "{\"blacklist\":[\"*.evil.com\",\"*\",\"[::1]\",\"h_1-2.x:80\"],\"bypass_missing\":true,\"message\":\"no\"}",
            "{\"whitelist\":[\"a.com\"],\"x\":1}"},
        {"{}", "{\"whitelist\":[]}", "{\"whitelist\":[\"a.com\"],\"blacklist\":[\"b.com\"]}", "{\"whitelist\":[\"http://a.com\"]}",
            "{\"whitelist\":[\"a*.com\"]}", "{\"whitelist\":[\"**\"]}", "{\"whitelist\":[\"a b\"]}", "{\"whitelist\":[1]}", "{\"whitelist\":\"a.com\"}",
            "{\"whitelist\":[\"a.com\"],\"message\":\"\"}", "{\"whitelist\":[\"a.com\"],\"message\":\"" + "m".repeat(1025) + "\"}",
            "{\"whitelist\":[\"a.com\"],\"bypass_missing\":1}", "{\"bypass_missing\":true}"}});
    samples.put("echo", new String[][] {
        {"{\"body\":\"x\"}", "{\"before_body\":\"\"}", "{\"after_body\":\"a\",\"headers\":{\"X-A\":\"1\",\"X-B\":2}}",
            "{\"before_body\":\"a\",\"body\":\"b\",\"after_body\":\"c\"}", "{\"body\":\"x\",\"y\":1}"},
        {"{}", "{\"headers\":{\"X-A\":\"1\"}}", "{\"body\":1}", "{\"before_body\":[]}", "{\"body\":\"x\",\"headers\":{}}",
            "{\"body\":\"x\",\"headers\":{\"X-A\":true}}", "{\"body\":\"x\",\"headers\":{\"X A\":\"1\"}}", "{\"body\":\"x\",\"headers\":[]}"}});
    samples.put("gzip", new String[][] {
        {"{}", "{\"types\":\"*\"}", "{\"types\":[\"text/html\",\"application/json\"],\"min_length\":1,\"comp_level\":9,\"http_version\":1.0,"
            + "\"buffers\":{\"number\":1,\"size\":1},\"vary\":true}", "{\"http_version\":1.1,\"buffers\":{}}", "{\"http_version\":1}", "{\"x\":1}"},
        {"{\"types\":[]}", "{\"types\":\"text/html\"}", "{\"types\":[\"\"]}", "{\"types\":[1]}", "{\"min_length\":0}", "{\"min_length\":1.5}",
            "{\"comp_level\":0}", "{\"comp_level\":10}", "{\"http_version\":2}", "{\"http_version\":\"1.1\"}", "{\"buffers\":{\"number\":0}}",
            "{\"buffers\":{\"size\":0}}", "{\"buffers\":{\"other\":1}}", "{\"buffers\":[]}", "{\"vary\":\"yes\"}"}});
    samples.put("client-control", new String[][] {
        {"{}", "{\"max_body_size\":0}", "{\"max_body_size\":1048576}", "{\"x\":1}"},
        {"{\"max_body_size\":-1}", "{\"max_body_size\":1.5}", "{\"max_body_size\":\"1\"}", "{\"max_body_size\":true}"}});
    samples.put("multi-auth", new String[][] {
        {"{\"auth_plugins\":[{\"key-auth\":{}},{\"jwt-auth\":{}}]}", "{\"auth_plugins\":[{\"basic-auth\":{}},{\"key-auth\":{\"header\":\"apikey\"}}]}",
            "{\"auth_plugins\":[{\"basic-auth\":{\"hide_credentials\":true}},{\"key-auth\":{}},{\"jwt-auth\":{\"header\":\"X-Jwt\"}}]}",
            "{\"auth_plugins\":[{\"key-auth\":{},\"basic-auth\":{}},{\"jwt-auth\":{}}]}", "{\"auth_plugins\":[{\"key-auth\":{}},{\"key-auth\":{\"x\":1}}],\"y\":1}"},
        {"{}", "{\"auth_plugins\":[]}", "{\"auth_plugins\":[{\"key-auth\":{}}]}", "{\"auth_plugins\":{}}", "{\"auth_plugins\":[{\"key-auth\":{}},{}]}",
            "{\"auth_plugins\":[{\"key-auth\":{}},{\"cors\":{}}]}", "{\"auth_plugins\":[{\"key-auth\":{}},{\"nope\":{}}]}",
            "{\"auth_plugins\":[{\"key-auth\":{}},{\"multi-auth\":{\"auth_plugins\":[{\"key-auth\":{}},{\"jwt-auth\":{}}]}}]}",
            "{\"auth_plugins\":[{\"key-auth\":{\"header\":1}},{\"jwt-auth\":{}}]}", "{\"auth_plugins\":[{\"key-auth\":{\"realm\":\"r\"}},{\"jwt-auth\":{}}]}",
            "{\"auth_plugins\":[{\"key-auth\":{}},{\"jwt-auth\":true}]}", "{\"auth_plugins\":[{\"key-auth\":{}},\"jwt-auth\"]}",
            "{\"auth_plugins\":[{\"key-auth\":{}},{\"basic-auth\":{\"username\":\"u\"}}]}"}});
    assertThat(samples.keySet()).as("samples for every published plugin").containsExactlyInAnyOrderElementsOf(PUBLISHED);
    samples.forEach((plugin, s) -> {
      assertAgree(PLUGINS, plugin, true, s[0]);
      assertAgree(PLUGINS, plugin, false, s[1]);
    });
  }

  /** cors takes plugin metadata (APISIX's metadata_schema): its schema and its checker agree on valid and invalid samples. */
  @Test
  void corsMetadataSchemaIsTheOneItsCheckerEnforces() {
    assertThat(PLUGINS.plugins()).filteredOn(p -> p.metadataSchema() != null).extracting(PluginInfo::name)
        .containsExactlyInAnyOrder("cors", "http-logger", "syslog", "tcp-logger", "udp-logger", "file-logger");
    assertMetadataAgree(PLUGINS, "cors", true, "{}", "{\"allow_origins\":{}}",
        "{\"allow_origins\":{\"k1\":\"*\",\"k2\":\"**\",\"k3\":\"null\",\"k4\":\"http://y.com.uk\",\"k5\":\"https://x.com,http://y.com.uk:12000,http://c.tv\"}}",
        "{\"allow_origins\":{\"\":\"https://x.com\",\"a/b~c\":\"*\"},\"inactive_timeout\":1}", "{\"other\":[1]}", "{\"allow_origins\":{\"k\":\"*\\n\"}}");
    assertMetadataAgree(PLUGINS, "cors", false, "{\"allow_origins\":\"*\"}", "{\"allow_origins\":[\"*\"]}", "{\"allow_origins\":null}",
        "{\"allow_origins\":{\"k\":\"\"}}", "{\"allow_origins\":{\"k\":\"*a\"}}", "{\"allow_origins\":{\"k\":\"*,http://y.com\"}}",
        "{\"allow_origins\":{\"k\":\"nulll\"}}", "{\"allow_origins\":{\"k\":\"http//y.com.uk\"}}", "{\"allow_origins\":{\"k\":\"x.com\"}}",
        "{\"allow_origins\":{\"k\":\"https://x.com,y.com.uk\"}}", "{\"allow_origins\":{\"k\":\"https://x.com,*,https://y.com.uk\"}}",
        "{\"allow_origins\":{\"ok\":\"*\",\"k\":\"https://x.com,http://y.com.uk,http:c.tv\"}}", "{\"allow_origins\":{\"k\":1}}",
        "{\"allow_origins\":{\"k\":null}}", "{\"allow_origins\":{\"k\":[\"http://a.com\"]}}");
  }

  /**
   * The loggers' metadata (APISIX: {@code log_format}, {@code log_format_extra}, {@code
   * max_pending_entries}; other members are accepted and ignored, as APISIX's schema has no
   * {@code additionalProperties: false}).
   */
  @Test
  void loggerMetadataSchemaIsTheOneItsCheckerEnforces() {
    assertMetadataAgree(PLUGINS, "http-logger", true, "{}", "{\"log_format\":{\"h\":\"$host\"}}", "{\"log_format_extra\":{}}",
        "{\"max_pending_entries\":1}", "{\"max_pending_entries\":8192,\"log_format\":{}}", "{\"host\":\"127.0.0.1\"}");
    assertMetadataAgree(PLUGINS, "http-logger", false, "{\"log_format\":\"$host\"}", "{\"log_format\":[]}", "{\"log_format_extra\":1}",
        "{\"max_pending_entries\":0}", "{\"max_pending_entries\":1.5}", "{\"max_pending_entries\":\"5\"}", "{\"log_format\":null}");
    assertMetadataAgree(PLUGINS, "syslog", true, "{}", "{\"host\":\"127.0.0.1\",\"port\":5140}", "{\"log_format\":{\"u\":\"$uri\"},\"max_pending_entries\":10}");
    assertMetadataAgree(PLUGINS, "syslog", false, "{\"log_format\":1}", "{\"max_pending_entries\":-1}");
    for (String batched : List.of("tcp-logger", "udp-logger")) {
      assertMetadataAgree(PLUGINS, batched, true, "{}", "{\"log_format\":{\"u\":\"$uri\"},\"max_pending_entries\":10}", "{\"log_format_extra\":{}}");
      assertMetadataAgree(PLUGINS, batched, false, "{\"log_format\":1}", "{\"log_format_extra\":[]}", "{\"max_pending_entries\":0}");
    }
    // file-logger has no batch processor: its metadata is path and the formats (max_pending_entries is any other member)
    assertMetadataAgree(PLUGINS, "file-logger", true, "{}", "{\"path\":\"m.log\"}", "{\"path\":\"d/m.log\",\"log_format\":{\"u\":\"$uri\"},\"log_format_extra\":{}}",
        "{\"max_pending_entries\":0}", "{\"other\":1}");
    assertMetadataAgree(PLUGINS, "file-logger", false, "{\"path\":\"/var/log/x\"}", "{\"path\":\"../x\"}", "{\"path\":1}", "{\"path\":\"\"}",
        "{\"log_format\":1}", "{\"log_format_extra\":[]}");
  }

  @Test
  void whatNoJsonSchemaCanSayOnlyTheCheckerRefuses() {
    assertOnlyTheCheckerRefuses(PLUGINS, "jwt-auth",
        "{\"key\":\"k\",\"algorithm\":\"RS256\",\"public_key\":\"-----BEGIN PUBLIC KEY-----\\nbm90IGEga2V5\\n-----END PUBLIC KEY-----\"}");
    assertOnlyTheCheckerRefuses(PLUGINS, "proxy-rewrite", "{\"regex_uri\":[\"^/a/(.*)\",\"/b/$2\"]}",
        "{\"regex_uri\":[\"^/a\",\"/b/$\"]}");
    assertOnlyTheCheckerRefuses(PLUGINS, "http-logger", "{\"uri\":\"http://a\",\"include_req_body_expr\":[[\"arg_a\",\"no-such-operator\",\"b\"]]}",
        "{\"uri\":\"http://a b\"}");
    assertOnlyTheCheckerRefuses(PLUGINS, "tcp-logger", "{\"host\":\"h\",\"port\":1,\"tls_options\":\"not a host name\"}");
    // a rule not wrapped in brackets: APISIX accepts it and fails in every log phase; refused here
    assertOnlyTheCheckerRefuses(PLUGINS, "file-logger", "{\"path\":\"a\\u0000b\"}", "{\"path\":\"x\",\"match\":[[[\"arg_a\",\"no-such-operator\",\"b\"]]]}",
        "{\"path\":\"x\",\"match\":[[\"arg_a\",\"==\",\"b\"]]}");
    assertOnlyTheCheckerRefuses(PLUGINS, "traffic-split",
        "{\"rules\":[{\"match\":[{\"vars\":[[\"arg_name\",\"no-such-operator\",\"jack\"]]}]}]}");
  }

  @Test
  void theAdminApiListsTheGatewaysPluginsWithTheirSchemas() throws Exception {
    try (Gateway gateway = Gateway.start(GatewayConfig.parse(new String[] {"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
        "--echo-listen", "off", "--data-dir", dir.toString(), "--admin-key", GatewayAdminTest.KEY}))) {
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> list = GatewayAdminTest.admin(http, gateway, "GET", "/apisix/admin/plugins/list", GatewayAdminTest.KEY, null);
      assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
      List<String> names = java.util.stream.StreamSupport.stream(JSON.readTree(list.body()).spliterator(), false)
          .map(JsonNode::asText).collect(Collectors.toList());
      assertThat(names).containsExactlyInAnyOrderElementsOf(PUBLISHED);
      assertThat(names.indexOf("basic-auth")).as("highest priority first").isLessThan(names.indexOf("key-auth"));

      HttpResponse<String> all = GatewayAdminTest.admin(http, gateway, "GET", "/apisix/admin/plugins?all=true", GatewayAdminTest.KEY, null);
      assertThat(all.statusCode()).as(all.body()).isEqualTo(200);
      JsonNode keyAuth = JSON.readTree(all.body()).path("key-auth");
      assertThat(keyAuth.path("type").asText()).isEqualTo("auth");
      assertThat(keyAuth.path("priority").asInt()).isEqualTo(2500);
      assertThat(keyAuth.path("schema").path("properties").path("header").path("default").asText()).isEqualTo("apikey");
      assertThat(keyAuth.path("consumer_schema").path("properties").has("key")).isTrue();
      assertThat(keyAuth.has("metadata_schema")).as("key-auth takes no metadata").isFalse();
      JsonNode corsMetadata = JSON.readTree(all.body()).path("cors").path("metadata_schema");
      assertThat(corsMetadata.path("properties").path("allow_origins").path("type").asText()).isEqualTo("object");
      assertThat(corsMetadata.path("properties").path("allow_origins").path("additionalProperties").path("pattern").asText())
          .isEqualTo("^(\\*|\\*\\*|null|\\w+://[^,]+(,\\w+://[^,]+)*)$");

      HttpResponse<String> meta = GatewayAdminTest.admin(http, gateway, "GET", "/apisix/admin/plugins/cors?schema_type=metadata",
          GatewayAdminTest.KEY, null);
      assertThat(meta.statusCode()).as(meta.body()).isEqualTo(200);
      assertThat(JSON.readTree(meta.body())).as("APISIX 3.18 serves the plugin's own schema for schema_type=metadata")
          .isEqualTo(JSON.readTree(all.body()).path("cors").path("schema"));
      HttpResponse<String> cors = GatewayAdminTest.admin(http, gateway, "GET", "/apisix/admin/schema/plugins/cors", GatewayAdminTest.KEY, null);
      assertThat(cors.statusCode()).as(cors.body()).isEqualTo(200);
      assertThat(JSON.readTree(cors.body()).path("properties").path("allow_origins_by_metadata").path("items").path("type").asText())
          .isEqualTo("string");

      // APISIX's titles of basic-auth's schema (its route form)
      assertThat(JSON.readTree(all.body()).path("basic-auth").path("schema").path("title").asText()).isEqualTo("work with route or service object");
      HttpResponse<String> one = GatewayAdminTest.admin(http, gateway, "GET", "/apisix/admin/plugins/limit-count", GatewayAdminTest.KEY, null);
      assertThat(one.statusCode()).as(one.body()).isEqualTo(200);
      assertThat(JSON.readTree(one.body()).path("required")).extracting(JsonNode::asText).containsExactlyInAnyOrder("count", "time_window");
      assertThat(GatewayAdminTest.admin(http, gateway, "GET", "/apisix/admin/plugins/nope", GatewayAdminTest.KEY, null).statusCode())
          .isEqualTo(404);
    }
  }
}
