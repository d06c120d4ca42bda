package fr.gouvconnect.keycloak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Every shared test vector through the JNI API, with the same outcome as the core. */
class VectorsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<Path> vectors() throws IOException {
        Path dir = Path.of(System.getProperty("gouvconnect.repo", ".."), "tests", "vectors");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".json")).sorted().collect(Collectors.toList());
        }
    }

    @TestFactory
    Stream<DynamicTest> everyVector() throws IOException {
        List<Path> files = vectors();
        assertTrue(files.size() >= 40, "expected at least 40 vectors, found " + files.size());
        return files.stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> run(file)));
    }

    private static void run(Path file) throws IOException {
        JsonNode v = JSON.readTree(file.toFile());
        JsonNode userinfo = v.get("userinfo");
        String contentType = userinfo == null || userinfo.isNull() ? null : textOrNull(userinfo.get("content_type"));
        byte[] body = userinfo == null || userinfo.isNull() ? null
                : userinfo.get("body").asText().getBytes(StandardCharsets.UTF_8);
        JsonNode expected = v.get("expected");
        String name = v.get("name").asText();
        assertEquals(file.getFileName().toString(), name + ".json", "the file name is the vector's name");
        try (NativeClient client = new NativeClient(JSON.writeValueAsString(v.get("config")), null)) {
            client.setJwks(JSON.writeValueAsBytes(v.get("jwks")));
            String login = client.finishLogin(JSON.writeValueAsString(v.get("pending")),
                    JSON.writeValueAsString(v.get("token_response")), contentType, body, v.get("now").asLong(), null);
            if (expected.has("error")) {
                fail(name + ": expected " + expected.get("error").asText() + ", got a login");
            }
            List<String> differences = new java.util.ArrayList<>();
            diff("identity", expected.get("identity"), JSON.readTree(login).get("identity"), differences);
            if (!differences.isEmpty()) {
                fail(name + ": identity differs: " + String.join("; ", differences));
            }
        } catch (GouvConnectException e) {
            if (!expected.has("error")) {
                fail(name + ": expected a login, got " + e.getCode() + ": " + e.getMessage());
            }
            assertEquals(expected.get("error").asText(), e.getCode(), name);
        }
    }

    /** The paths where two JSON values differ (object key order ignored, null ≠ absent). */
    private static void diff(String path, JsonNode expected, JsonNode actual, List<String> out) {
        if (expected == null || actual == null || expected.getNodeType() != actual.getNodeType()) {
            if (!java.util.Objects.equals(expected, actual)) {
                out.add(path + ": expected " + expected + ", got " + actual);
            }
            return;
        }
        if (expected.isObject()) {
            java.util.Set<String> keys = new java.util.TreeSet<>();
            expected.fieldNames().forEachRemaining(keys::add);
            actual.fieldNames().forEachRemaining(keys::add);
            for (String k : keys) {
                diff(path + "." + k, expected.get(k), actual.get(k), out);
            }
        } else if (expected.isArray() && expected.size() == actual.size()) {
            for (int i = 0; i < expected.size(); i++) {
                diff(path + "[" + i + "]", expected.get(i), actual.get(i), out);
            }
        } else if (!expected.equals(actual)) {
            out.add(path + ": expected " + expected + ", got " + actual);
        }
    }

    private static String textOrNull(JsonNode node) {
        return node == null || node.isNull() ? null : node.asText();
    }
}
