package fr.gouvconnect.keycloak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The shared test fixture, {@code tests/fixture.json}: the emulator's clients (ids, secrets) and
 * test users, the same file the Rust, Python and Node harnesses read (core/tests/emulator_login.rs
 * checks it against the emulator).
 */
public final class TestFixture {
    private static final JsonNode FIXTURE = load();

    private TestFixture() {
    }

    private static JsonNode load() {
        // Surefire sets gouvconnect.repo (pom.xml); from keycloak-ext/ the repository is "..".
        Path path = Path.of(System.getProperty("gouvconnect.repo", ".."), "tests", "fixture.json");
        try {
            return new ObjectMapper().readTree(path.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + path, e);
        }
    }

    /** The client {@code name} ({@code proconnect}, {@code proconnect_es256}…): id, secret, provider, algs. */
    public static JsonNode client(String name) {
        JsonNode c = FIXTURE.path("clients").path(name);
        if (!c.isObject()) {
            throw new IllegalArgumentException("no client " + name + " in tests/fixture.json");
        }
        return c;
    }

    /** Every client, by name, in the file's order. */
    public static Map<String, JsonNode> clients() {
        Map<String, JsonNode> all = new LinkedHashMap<>();
        FIXTURE.path("clients").fields().forEachRemaining(e -> all.put(e.getKey(), e.getValue()));
        return all;
    }

    /** The test user {@code id} of {@code provider}: sub, acr, names, email or national id. */
    public static JsonNode user(String provider, String id) {
        JsonNode u = FIXTURE.path("users").path(provider).path(id);
        if (!u.isObject()) {
            throw new IllegalArgumentException("no " + provider + " user " + id + " in tests/fixture.json");
        }
        return u;
    }

    /** The issuer's path on the emulator ({@code /api/v2}, …) of {@code provider}. */
    public static String issuerPath(String provider) {
        return FIXTURE.path("issuer_paths").path(provider).asText();
    }
}
