package fr.gouvconnect.keycloak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.ArrayList;
import org.junit.jupiter.api.Test;

/** The JNI boundary: codes, errors, concurrency, large inputs, lifecycle. */
class NativeClientTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONFIG = "{\"provider\":\"proconnect\",\"environment\":\"integration\","
            + "\"client_id\":\"cid\",\"client_secret\":\"secret\","
            + "\"redirect_uri\":\"https://kc.example/realms/r/broker/proconnect/endpoint\","
            + "\"post_logout_redirect_uri\":\"https://kc.example/realms/r/broker/proconnect/endpoint/logout_response\"}";

    private static String param(String url, String name) {
        for (String pair : URI.create(url).getRawQuery().split("&")) {
            String[] kv = pair.split("=", 2);
            if (kv[0].equals(name)) {
                return java.net.URLDecoder.decode(kv[1], StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    @Test
    void javaEnumMatchesTheCoreCodes() throws Exception {
        JsonNode codes = JSON.readTree(NativeClient.errorCodesJson());
        assertEquals(ErrorCode.values().length, codes.size());
        for (JsonNode c : codes) {
            ErrorCode code = ErrorCode.fromCode(c.get("code").asText());
            assertEquals(c.get("code").asText(), code.code());
            assertEquals(c.get("status").asInt(), code.status());
            assertEquals(c.get("message").asText(), code.userMessage());
            assertTrue(!code.userMessage().isBlank());
        }
        assertEquals(500, ErrorCode.INTERNAL_ERROR.status());
        assertEquals(ErrorCode.INTERNAL_ERROR, ErrorCode.fromCode("no_such_code"));
    }

    @Test
    void mappingsAreCheckedByTheCore() {
        NativeClient.checkMapping("{\"fields\": {\"siret\": \"proconnect.siret\"}, \"groups\": []}");
        for (String bad : List.of("{\"fields\": {", "{\"unknown\": 1}",
                "{\"fields\": {\"siret\": \"proconnect..siret\"}}")) {
            GouvConnectException e = assertThrows(GouvConnectException.class,
                    () -> NativeClient.checkMapping(bad), bad);
            assertEquals("invalid_config", e.getCode(), bad);
        }
    }

    @Test
    void tokenResponsesAreJudgedByTheCore() {
        java.util.function.BiFunction<Integer, String, String> code = (status, body) -> assertThrows(
                GouvConnectException.class,
                () -> NativeClient.checkTokenResponse(status, body.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .getCode();
        assertEquals("provider_unavailable", code.apply(503, "oops"));
        assertEquals("provider_error", code.apply(400, "{\"error\":\"invalid_grant\"}"));
        assertEquals("provider_unavailable", code.apply(400, "<html>"));
        assertEquals("provider_unavailable", code.apply(200, "{}"));
        assertEquals("response_too_large", code.apply(200, "x".repeat(200_000)));
        NativeClient.checkTokenResponse(200,
                "{\"access_token\":\"a\",\"id_token\":\"i\",\"token_type\":\"Bearer\"}".getBytes());
    }

    @Test
    void beginLoginBuildsTheProConnectRequest() throws Exception {
        try (NativeClient client = new NativeClient(CONFIG, null)) {
            JsonNode r = JSON.readTree(client.beginLogin("{\"acr\":\"eidas2\"}", null, null));
            String url = r.get("url").asText();
            assertTrue(url.startsWith("https://fca.integ01.dev-agentconnect.fr/api/v2/authorize?"));
            assertTrue(param(url, "state").length() >= 32);
            JsonNode claims = JSON.readTree(param(url, "claims"));
            assertEquals("eidas2", claims.at("/id_token/acr/values/0").asText());
            assertNotNull(r.get("pending").asText());

            String state = "k".repeat(40);
            JsonNode own = JSON.readTree(client.beginLogin(null, state, "n".repeat(40)));
            assertEquals(state, param(own.get("url").asText(), "state"));
        }
    }

    @Test
    void errorsCarryStableCodes() {
        try (NativeClient client = new NativeClient(CONFIG, null)) {
            GouvConnectException e = assertThrows(GouvConnectException.class,
                    () -> client.beginLogin("{\"prompt\":\"select_account\"}", null, null));
            assertEquals("invalid_request", e.getCode());
            assertEquals(400, e.getStatus());
            assertEquals("invalid_request",
                    assertThrows(GouvConnectException.class,
                            () -> client.beginLogin(null, "short", "n".repeat(40))).getCode());
            assertEquals("no_pending_login",
                    assertThrows(GouvConnectException.class,
                            () -> client.finishLogin("{", "{}", null, null, 0, null)).getCode());
            assertEquals("invalid_request",
                    assertThrows(GouvConnectException.class,
                            () -> client.finishLogin(null, null, null, null, 0, null)).getCode());
            assertEquals("provider_unavailable",
                    assertThrows(GouvConnectException.class,
                            () -> client.setJwks("nope".getBytes(StandardCharsets.UTF_8))).getCode());
        }
        assertEquals("invalid_config",
                assertThrows(GouvConnectException.class,
                        () -> new NativeClient("{\"provider\":\"x\"}", null)).getCode());
        assertEquals("invalid_request",
                assertThrows(GouvConnectException.class, () -> new NativeClient(null, null)).getCode());
    }

    @Test
    void largeInputsAreRefusedNotCrashing() throws Exception {
        try (NativeClient client = new NativeClient(CONFIG, null)) {
            String pending = JSON.readTree(client.beginLogin(null, null, null)).get("pending").asText();
            String huge = "a".repeat(200_000) + "." + "b".repeat(10) + "." + "c";
            String tokens = JSON.writeValueAsString(java.util.Map.of("access_token", "x", "id_token", huge));
            GouvConnectException e = assertThrows(GouvConnectException.class,
                    () -> client.finishLogin(pending, tokens, "application/jwt", new byte[10], 0, null));
            assertEquals("response_too_large", e.getCode());
            byte[] bigJwks = new byte[1_000_000];
            assertEquals("response_too_large",
                    assertThrows(GouvConnectException.class, () -> client.setJwks(bigJwks)).getCode());
        }
    }

    @Test
    void manyThreadsShareOneClient() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        Set<String> states = ConcurrentHashMap.newKeySet();
        try (NativeClient client = new NativeClient(CONFIG, null)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 200; i++) {
                        String url = JSON.readTree(client.beginLogin(null, null, null)).get("url").asText();
                        states.add(param(url, "state"));
                        GouvConnectException e = assertThrows(GouvConnectException.class,
                                () -> client.finishLogin("{}", "{}", null, null, 0, null));
                        assertEquals("no_pending_login", e.getCode());
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(16 * 200, states.size());
    }

    @Test
    void logoutRoundTripAndClosedClient() throws Exception {
        NativeClient client = new NativeClient(CONFIG, null);
        JsonNode logout = JSON.readTree(client.logoutRequestBound("an.id.token", "kc-session", null));
        String url = logout.get("url").asText();
        assertEquals("an.id.token", param(url, "id_token_hint"));
        // Without the host's own route, the configured post-logout redirect URI.
        assertEquals("https://kc.example/realms/r/broker/proconnect/endpoint/logout_response",
                param(url, "post_logout_redirect_uri"));
        client.verifyLogoutReturn(logout.get("pending").asText(), "state=" + param(url, "state"));
        assertEquals("logout_state_mismatch", assertThrows(GouvConnectException.class,
                () -> client.verifyLogoutReturn(logout.get("pending").asText(), "state=forged")).getCode());
        client.close();
        client.close();
        assertEquals("invalid_config", assertThrows(GouvConnectException.class,
                () -> client.beginLogin(null, null, null)).getCode());
    }

    @Test
    void acrHelpersComeFromTheCorePolicy() throws Exception {
        JsonNode levels = JSON.readTree(NativeClient.acrLevels("proconnect"));
        assertEquals("eidas0", levels.get(0).asText());
        assertEquals("https://proconnect.gouv.fr/assurance/certification-dirigeant", levels.get(levels.size() - 1).asText());
        assertEquals("[\"eidas1\",\"eidas2\"]", NativeClient.acrLevels("prosanteconnect"));
        // eidas1 minimum: eidas0-mfa is not above eidas1 (partial order), eidas2 is.
        JsonNode accepted = JSON.readTree(NativeClient.acceptedAcr("proconnect", "eidas1", false));
        Set<String> values = new HashSet<>();
        accepted.forEach(v -> values.add(v.asText()));
        assertEquals(Set.of("eidas1", "eidas1-mfa", "eidas2", "eidas3"), values);
        JsonNode mfa = JSON.readTree(NativeClient.acceptedAcr("proconnect", "", true));
        mfa.forEach(v -> assertTrue(v.asText().endsWith("-mfa") || v.asText().matches("eidas[23]"), v.asText()));
        assertTrue(JSON.readTree(NativeClient.acceptedAcr("proconnect", null, false)).isNull());
        assertEquals("invalid_config", assertThrows(GouvConnectException.class,
                () -> NativeClient.acceptedAcr("prosanteconnect", "eidas9", false)).getCode());
        assertEquals("invalid_config", assertThrows(GouvConnectException.class,
                () -> NativeClient.acceptedAcr("proconnect", "eidas9", false)).getCode());
        // The citizens' federations: FranceConnect's one level, FranceConnect+'s two.
        assertEquals("[\"eidas1\"]", NativeClient.acrLevels("franceconnect"));
        assertEquals("[\"eidas2\",\"eidas3\"]", NativeClient.acrLevels("franceconnect-plus"));
        assertEquals("invalid_config", assertThrows(GouvConnectException.class,
                () -> NativeClient.acrLevels("agentconnect")).getCode());
        assertEquals("invalid_request", assertThrows(GouvConnectException.class,
                () -> NativeClient.acrLevels(null)).getCode());
    }

    @Test
    void stateAndNonceGoTogether() {
        try (NativeClient client = new NativeClient(CONFIG, null)) {
            assertEquals("invalid_request", assertThrows(GouvConnectException.class,
                    () -> client.beginLogin(null, "s".repeat(40), null)).getCode());
            assertEquals("invalid_request", assertThrows(GouvConnectException.class,
                    () -> client.beginLogin("{\"no_such_option\":1}", null, null)).getCode());
        }
    }

    /** Closing while other threads call in: they see the client or a clean invalid_config, never a crash. */
    @Test
    void closeRacesWithCalls() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            for (int round = 0; round < 20; round++) {
                NativeClient client = new NativeClient(CONFIG, null);
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    futures.add(pool.submit(() -> {
                        for (int i = 0; i < 50; i++) {
                            try {
                                client.beginLogin(null, null, null);
                            } catch (GouvConnectException e) {
                                assertEquals("invalid_config", e.getCode());
                            }
                        }
                        return null;
                    }));
                }
                client.close();
                for (Future<?> f : futures) {
                    f.get();
                }
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void nonAsciiAndHugeStringsCrossTheBoundary() throws Exception {
        try (NativeClient client = new NativeClient(CONFIG, null)) {
            // Java strings reach Rust as modified UTF-8: characters outside the BMP must survive.
            String hint = "\uD83D\uDE00é@interieur.gouv.fr";
            String url = JSON.readTree(client.beginLogin(JSON.writeValueAsString(java.util.Map.of("login_hint", hint)),
                    null, null)).get("url").asText();
            assertEquals(hint, param(url, "login_hint"));
            String pending = "{\"x\":\"" + "p".repeat(5_000_000) + "\"}";
            GouvConnectException e = assertThrows(GouvConnectException.class,
                    () -> client.finishLogin(pending, "{}", null, null, 0, null));
            assertTrue(List.of("no_pending_login", "response_too_large", "invalid_request").contains(e.getCode()),
                    e.getCode());
        }
    }

    @Test
    void buttonsComeFromTheCore() {
        assertTrue(NativeClient.buttonHtml("prosanteconnect", "/x", null).contains("Pro Santé Connect"));
        assertTrue(NativeClient.buttonCss().contains(".gouvconnect-button"));
        Set<String> seen = new HashSet<>();
        for (ErrorCode c : ErrorCode.values()) {
            assertTrue(seen.add(c.code()));
        }
        assertNull(NativeClient.class.getResource("/no-such-resource"));
    }

    @Test
    void brokerStepsDecideInTheCore() throws Exception {
        try (NativeClient client = new NativeClient(CONFIG, null)) {
            String state = "s".repeat(40);
            // The realm client's level (a Keycloak LoA name skipped), a non-email hint dropped,
            // select_account not forwarded; the core draws the nonce and gives the PKCE verifier.
            JsonNode login = JSON.readTree(client.beginForwardedLogin(
                    "{\"acr_values\":\"gold eidas2\",\"login_hint\":\"jdupont\",\"prompt\":\"select_account\"}", state));
            String url = login.get("url").asText();
            assertEquals(state, param(url, "state"));
            assertTrue(param(url, "nonce").length() >= 43);
            assertNull(param(url, "login_hint"));
            assertNull(param(url, "prompt"));
            assertTrue(param(url, "claims").contains("eidas2"), param(url, "claims"));
            String verifier = login.get("code_verifier").asText();
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            assertEquals(java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(digest), param(url, "code_challenge"));
            // A signed-in user below the level: the core's step-up (her email as login_hint).
            JsonNode stepUp = JSON.readTree(client.beginForwardedLogin("{\"acr_values\":\"eidas2\",\"signed_in\":"
                    + "{\"sub\":\"s-1\",\"email\":\"a@b.gouv.fr\",\"acr\":\"eidas1\"}}", state));
            assertEquals("a@b.gouv.fr", param(stepUp.get("url").asText(), "login_hint"));

            // The callback: a forged iss is refused before any token request.
            String pending = login.get("pending").asText();
            GouvConnectException iss = assertThrows(GouvConnectException.class,
                    () -> client.parseCallback(pending, "code=c&state=" + state + "&iss=https%3A%2F%2Fevil.example", 0));
            assertEquals("issuer_mismatch", iss.getCode());
            // A callback after the pending login's lifetime (30 minutes) is refused too.
            long late = System.currentTimeMillis() / 1000 + 31 * 60;
            GouvConnectException expired = assertThrows(GouvConnectException.class,
                    () -> client.parseCallback(pending, "code=c&state=" + state, late));
            assertEquals("no_pending_login", expired.getCode());
            assertEquals("c", client.parseCallback(pending, "code=c&state=" + state, 0));

            // The exchange after Keycloak's token request: userinfo next, with the access token.
            String exchange = client.exchangeStart(pending);
            JsonNode step = JSON.readTree(client.exchangeAdvance(exchange, 200, "application/json",
                    "{\"access_token\":\"at\",\"id_token\":\"a.b.c\"}".getBytes(StandardCharsets.UTF_8), 0, null));
            assertEquals("GET", step.at("/send/method").asText());
            assertTrue(step.at("/send/url").asText().endsWith("/userinfo"));
            assertEquals("Bearer at", step.at("/send/headers/0/1").asText());
            GouvConnectException userinfo = assertThrows(GouvConnectException.class,
                    () -> client.exchangeAdvance(step.get("exchange").asText(), 503, null, new byte[0], 0, null));
            assertEquals("provider_unavailable", userinfo.getCode());
            GouvConnectException token = assertThrows(GouvConnectException.class,
                    () -> client.exchangeAdvance(exchange, 400, "application/json",
                            "{\"error\":\"invalid_client\"}".getBytes(StandardCharsets.UTF_8), 0, null));
            assertEquals("invalid_client", token.getCode());

            assertEquals("https://fca.integ01.dev-agentconnect.fr/api/v2/token", client.tokenEndpoint());

            // Logout: the state carries Keycloak's session id; a forged one is refused.
            JsonNode logout = JSON.readTree(client.logoutRequestBound("hint", "kc-session-1", "https://kc.example/out"));
            String logoutState = param(logout.get("url").asText(), "state");
            assertTrue(logoutState.startsWith("kc-session-1."), logoutState);
            assertEquals("https://kc.example/out", param(logout.get("url").asText(), "post_logout_redirect_uri"));
            assertEquals("kc-session-1", NativeClient.logoutBinding("state=" + logoutState));
            client.verifyLogoutReturn(logout.get("pending").asText(), "state=" + logoutState);
            for (String[] forged : new String[][] {{logout.get("pending").asText(), "state=kc-session-1.forged"},
                    {null, "state=" + logoutState}}) {
                GouvConnectException e = assertThrows(GouvConnectException.class,
                        () -> client.verifyLogoutReturn(forged[0], forged[1]));
                assertEquals("logout_state_mismatch", e.getCode());
            }
            assertNull(NativeClient.logoutBinding("state=forged"));
        }
        // Discovery: where the document lives, and the answer's status.
        assertEquals("http://127.0.0.1:4000/auth/realms/esante-wallet/.well-known/wallet-openid-configuration",
                NativeClient.discoveryUrl("prosanteconnect", "http://127.0.0.1:4000/auth/realms/esante-wallet"));
        assertEquals("invalid_config", assertThrows(GouvConnectException.class,
                () -> NativeClient.discoveryUrl("proconnect", "ftp://x")).getCode());
        GouvConnectException discovery = assertThrows(GouvConnectException.class,
                () -> NativeClient.checkDiscoveryAnswer("proconnect", "https://x/.well-known/openid-configuration", 404));
        assertTrue(discovery.getMessage().contains("/api/v2"), discovery.getMessage());
        NativeClient.checkDiscoveryAnswer("proconnect", "https://x/api/v2/.well-known/openid-configuration", 200);
    }
}
