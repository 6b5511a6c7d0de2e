package io.dynconf.core.apisix;




import io.dynconf.core.internal.JsonTree;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An APISIX ssl ({@code /apisix/ssls/<id>}): a certificate and key, served for some SNIs
 * ({@code server}) or presented to upstreams ({@code client}). Immutable; optional fields are null
 * when absent, collections empty; APISIX's defaults are applied ({@code type} server, {@code
 * status} 1, {@code client.depth} 1). {@code sni}/{@code snis} are normalised to {@link #snis()}.
 *
 * <p>Certificates are PEM text or secret references ({@code $secret://...}, {@code $env://...});
 * keys are also allowed in APISIX's encrypted form (base64 of AES-CBC ciphertext, as the Admin API
 * stores them). Neither is decrypted or parsed beyond its PEM shape here.
 *
 * @param id the key's id
 * @param type {@code server} or {@code client}
 * @param snis the server names, empty for a client certificate
 * @param certs extra certificates (for example an ECC one beside an RSA one), paired with {@code keys}
 * @param client mutual TLS toward clients, null when off
 * @param status 1 enabled, 0 disabled
 * @param sslProtocols allowed protocols among {@code TLSv1.1}, {@code TLSv1.2}, {@code TLSv1.3};
 *     empty means the server's default
 */
public record Ssl(
    String id,
    @Nullable String desc,
    Map<String, String> labels,
    String type,
    String cert,
    String key,
    List<String> snis,
    List<String> certs,
    List<String> keys,
    @Nullable Client client,
    int status,
    List<String> sslProtocols,
    @Nullable Long createTime,
    @Nullable Long updateTime) {

  public Ssl {
    Objects.requireNonNull(id, "id");
    labels = JsonTree.copyOf(labels);
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(cert, "cert");
    Objects.requireNonNull(key, "key");
    snis = List.copyOf(snis);
    certs = List.copyOf(certs);
    keys = List.copyOf(keys);
    sslProtocols = List.copyOf(sslProtocols);
  }

  /**
   * Mutual TLS: the CA that client certificates must chain to.
   *
   * @param depth the maximum verification depth (default 1)
   * @param skipMtlsUriRegex URIs (regular expressions) for which no client certificate is asked
   */
  public record Client(String ca, int depth, List<String> skipMtlsUriRegex) {
    public Client {
      Objects.requireNonNull(ca, "ca");
      skipMtlsUriRegex = List.copyOf(skipMtlsUriRegex);
    }
  }
}
