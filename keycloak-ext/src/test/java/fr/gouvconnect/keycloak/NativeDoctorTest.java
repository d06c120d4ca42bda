package fr.gouvconnect.keycloak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The doctor through JNI: probes out, answers in, the report; the e2e test runs it for real. */
class NativeDoctorTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONFIG = "{\"provider\":\"proconnect\",\"issuer\":\"http://127.0.0.1:9/api/v2\","
            + "\"client_id\":\"cid\",\"client_secret\":\"secret-0123456789abcdef\","
            + "\"redirect_uri\":\"http://127.0.0.1:8080/realms/r/broker/proconnect/endpoint\"}";

    @Test
    void probesThenReport() throws Exception {
        try (NativeDoctor doctor = new NativeDoctor(CONFIG,
                "{\"mounted_redirect_uris\": [\"http://127.0.0.1:8080/realms/r/broker/proconnect/endpoint\"]}")) {
            assertFalse(doctor.usesMutualTls());
            JsonNode probe = JSON.readTree(doctor.nextProbe());
            assertEquals("discovery", probe.get("kind").asText());
            assertEquals("GET", probe.get("method").asText());
            assertEquals("http://127.0.0.1:9/api/v2/.well-known/openid-configuration", probe.get("url").asText());
            doctor.feedTransportError("discovery", "discovery request failed: ConnectException");
            // Without a discovery the later probes are not run.
            for (String next = doctor.nextProbe(); next != null; next = doctor.nextProbe()) {
                doctor.feed(JSON.readTree(next).get("kind").asText(), 404, null, "{}".getBytes(StandardCharsets.UTF_8));
            }
            JsonNode result = JSON.readTree(doctor.finish());
            assertFalse(result.get("report").get("ok").asBoolean());
            assertTrue(result.get("text").asText().contains("verdict: NOT READY"), result.get("text").asText());
            assertThrows(GouvConnectException.class, doctor::finish);
        }
    }

    @Test
    void aBadConfigurationIsAFailedCheckNotAnError() throws Exception {
        try (NativeDoctor doctor = new NativeDoctor(
                "{\"provider\":\"proconnect\",\"client_id\":\"\",\"client_secret\":\"\","
                + "\"redirect_uri\":\"https://x.example/cb\"}", null)) {
            for (String next = doctor.nextProbe(); next != null; next = doctor.nextProbe()) {
                doctor.feedTransportError(JSON.readTree(next).get("kind").asText(), "offline");
            }
            JsonNode report = JSON.readTree(doctor.finish()).get("report");
            assertFalse(report.get("ok").asBoolean());
            assertEquals("configuration", report.get("checks").get(0).get("id").asText());
        }
    }

    @Test
    void closedAndUnreadable() {
        NativeDoctor doctor = new NativeDoctor(CONFIG, null);
        doctor.close();
        doctor.close();
        assertEquals("invalid_request", assertThrows(GouvConnectException.class, doctor::nextProbe).getCode());
        assertEquals("invalid_request", assertThrows(GouvConnectException.class,
                () -> new NativeDoctor(CONFIG, "{\"unknown\": 1}")).getCode());
    }
}
