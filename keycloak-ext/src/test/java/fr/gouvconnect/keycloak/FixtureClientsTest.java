package fr.gouvconnect.keycloak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The shared fixture's clients, configured the way the broker configures the core (an issuer of
 * the emulator and its discovery document), start a login through JNI with their own client id.
 */
class FixtureClientsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String EMULATOR = "http://127.0.0.1:4000";

    private static String param(String url, String name) {
        for (String pair : URI.create(url).getRawQuery().split("&")) {
            String[] kv = pair.split("=", 2);
            if (kv[0].equals(name)) {
                return URLDecoder.decode(kv[1], StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private static String discovery(String issuer) {
        ObjectNode d = JSON.createObjectNode();
        d.put("issuer", issuer);
        d.put("authorization_endpoint", issuer + "/authorize");
        d.put("token_endpoint", issuer + "/token");
        d.put("userinfo_endpoint", issuer + "/userinfo");
        d.put("jwks_uri", issuer + "/jwks");
        d.put("end_session_endpoint", issuer + "/session/end");
        return d.toString();
    }

    @Test
    void everyClientWithASecretStartsALogin() throws Exception {
        Map<String, JsonNode> clients = TestFixture.clients();
        int started = 0;
        for (Map.Entry<String, JsonNode> entry : clients.entrySet()) {
            JsonNode c = entry.getValue();
            if (c.path("secret").asText().isEmpty()) {
                continue; // mutual TLS: MutualTlsTest and the end-to-end suite cover it
            }
            String provider = c.path("provider").asText();
            String issuer = EMULATOR + TestFixture.issuerPath(provider);
            ObjectNode config = JSON.createObjectNode();
            config.put("provider", provider);
            config.put("issuer", issuer);
            config.put("client_id", c.path("id").asText());
            config.put("client_secret", c.path("secret").asText());
            config.put("redirect_uri", "http://127.0.0.1:8080/realms/r/broker/" + provider + "/endpoint");
            if ("HS256".equals(c.path("id_token_alg").asText())) {
                config.put("id_token_alg", "HS256");
            }
            if (c.hasNonNull("decryption_keys_file")) {
                // FranceConnect+: the private keys its tokens are encrypted to, as configured.
                String repo = System.getProperty("gouvconnect.repo", "..");
                Path keys = Path.of(repo, c.get("decryption_keys_file").asText());
                config.put("decryption_keys", Files.readString(keys));
            }
            try (NativeClient client = new NativeClient(config.toString(), discovery(issuer))) {
                String url = JSON.readTree(client.beginLogin(null, null, null)).get("url").asText();
                assertTrue(url.startsWith(issuer + "/authorize?"), entry.getKey() + ": " + url);
                assertEquals(c.path("id").asText(), param(url, "client_id"), entry.getKey());
            }
            started++;
        }
        assertTrue(started >= 5, "every federation's clients: " + clients.keySet());
    }

    @Test
    void usersCarryWhatTheTestsCompareWith() {
        assertEquals("eidas1", TestFixture.user("proconnect", "agent").path("acr").asText());
        assertTrue(TestFixture.user("prosanteconnect", "nurse-noacr").path("acr").isNull());
        assertFalse(TestFixture.user("prosanteconnect", "doctor").path("national_id").asText().isEmpty());
    }
}
