package io.dynconf.core.apisix;

import io.dynconf.core.InvalidConfigException;


import static io.dynconf.core.apisix.StandardTypesTest.decode;
import static io.dynconf.core.apisix.StandardTypesTest.rejection;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretTypeTest {

  private static final String VAULT = "{\"uri\": \"https://v\", \"prefix\": \"p\", \"token\": \"t\"}";

  @Test
  void decodesAVaultManagerUnderItsTwoSegmentId() {
    Secret secret = decode(StandardTypes.SECRETS, "vault/1", """
        {"id": "vault/1", "uri": "https://localhost/vault", "prefix": "/apisix/kv", "token": "343effad"}""");

    assertThat(secret.id()).isEqualTo("vault/1");
    assertThat(secret.manager()).isEqualTo("vault");
    assertThat(secret.config()).containsExactly(Map.entry("uri", "https://localhost/vault"), Map.entry("prefix", "/apisix/kv"),
        Map.entry("token", "343effad"));
  }

  @Test
  void appliesTheAwsDefaults() {
    Secret secret = decode(StandardTypes.SECRETS, "aws/main", "{\"access_key_id\": \"AKID\", \"secret_access_key\": \"s\"}");

    assertThat(secret.config()).containsEntry("region", "us-east-1");
  }

  @Test
  void appliesTheGcpDefaults() {
    Secret secret = decode(StandardTypes.SECRETS, "gcp/1", """
        {"auth_config": {"client_email": "a@b.iam.gserviceaccount.com", "private_key": "k", "project_id": "p"}}""");

    assertThat(secret.config()).containsEntry("ssl_verify", true);
    assertThat(secret.config().get("auth_config")).isEqualTo(Map.of("client_email", "a@b.iam.gserviceaccount.com",
        "private_key", "k", "project_id", "p", "token_uri", "https://oauth2.googleapis.com/token",
        "scope", List.of("https://www.googleapis.com/auth/cloud-platform"),
        "entries_uri", "https://secretmanager.googleapis.com/v1"));
  }

  @Test
  void checksTheValueAgainstTheManagerNamedByTheKey() {
    InvalidConfigException e = rejection(StandardTypes.SECRETS, "aws/1", VAULT);

    assertThat(e.field()).isEmpty();
    assertThat(e.reason()).contains("required key [");
  }

  @Test
  void rejectsAnUnknownManager() {
    InvalidConfigException e = rejection(StandardTypes.SECRETS, "kms/1", VAULT);

    assertThat(e.field()).isEmpty();
    assertThat(e.reason()).isEqualTo("a secret's key ends in <manager>/<id> with manager vault, aws or gcp; got \"kms/1\"");
  }

  @Test
  void rejectsAnIdWithoutManager() {
    InvalidConfigException e = rejection(StandardTypes.SECRETS, "1", VAULT);

    assertThat(e.reason()).endsWith("got \"1\"");
  }

  @Test
  void rejectsAnIdThatDiffersFromTheKey() {
    InvalidConfigException e = rejection(StandardTypes.SECRETS, "vault/1",
        "{\"id\": \"vault/2\", \"uri\": \"https://v\", \"prefix\": \"p\", \"token\": \"t\"}");

    assertThat(e.field()).isEqualTo("/id");
  }
}
