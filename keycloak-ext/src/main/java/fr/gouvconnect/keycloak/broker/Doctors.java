package fr.gouvconnect.keycloak.broker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import fr.gouvconnect.keycloak.NativeDoctor;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.http.client.HttpClient;
import org.apache.http.client.config.RequestConfig;
import org.keycloak.http.simple.SimpleHttp;
import org.keycloak.http.simple.SimpleHttpRequest;
import org.keycloak.http.simple.SimpleHttpResponse;
import org.keycloak.connections.httpclient.HttpClientProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.services.Urls;
import org.keycloak.truststore.TruststoreProvider;

/**
 * Runs the core's doctor (going-live checks) for one instance, its probes sent by Keycloak's
 * HTTP client (truststore, proxy) — the token probe over mutual TLS when the instance uses it.
 * The core judges every answer; nothing here decides a verdict.
 */
final class Doctors {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Bodies read up to this size (discovery, JWKS and token errors are small). */
    private static final int MAX_BODY = 1 << 20;

    private Doctors() {
    }

    /** The report: {@code {"report": {...}, "text": "..."}}. */
    static JsonNode run(KeycloakSession session, RealmModel realm, GouvConnectConfig config, int timeoutMillis) {
        String redirect = Urls.identityProviderAuthnResponse(session.getContext().getUri().getBaseUri(),
                config.getAlias(), realm.getName()).toString();
        var options = JSON.createObjectNode();
        options.putArray("mounted_redirect_uris").add(redirect);
        try (NativeDoctor doctor = new NativeDoctor(config.coreConfigJson(session, realm), options.toString())) {
            boolean mtls = doctor.usesMutualTls();
            if (mtls) {
                checkCertificate(doctor, config);
            }
            for (String next = doctor.nextProbe(); next != null; next = doctor.nextProbe()) {
                JsonNode probe = JSON.readTree(next);
                send(session, config, doctor, probe, mtls && "credentials".equals(probe.get("kind").asText()),
                        timeoutMillis);
            }
            return JSON.readTree(doctor.finish());
        } catch (IOException e) {
            throw new IllegalStateException("gouvconnect: unreadable doctor output", e);
        }
    }

    /** The closing line of the text report ("verdict: ready (…)"). */
    static String verdictLine(JsonNode result) {
        String[] lines = result.path("text").asText().strip().split("\n");
        return lines[lines.length - 1];
    }

    private static void checkCertificate(NativeDoctor doctor, GouvConnectConfig config) {
        String cert = config.getTlsClientCert();
        String key = config.getTlsClientKey();
        if (cert == null || key == null) {
            doctor.clientCertificateUnreadable("the client certificate and key files are not both set");
            return;
        }
        try {
            doctor.checkClientCertificate(Files.readAllBytes(Path.of(cert)), Files.readAllBytes(Path.of(key)));
        } catch (IOException | RuntimeException e) {
            String what = e.getClass().getSimpleName();
            doctor.clientCertificateUnreadable("cannot read " + cert + " or " + key + ": " + what);
        }
    }

    private static void send(KeycloakSession session, GouvConnectConfig config, NativeDoctor doctor, JsonNode probe,
            boolean mtls, int timeoutMillis) {
        String kind = probe.get("kind").asText();
        String url = probe.get("url").asText();
        HttpClient client;
        if (mtls) {
            TruststoreProvider truststore = session.getProvider(TruststoreProvider.class);
            client = MutualTls.httpClient(config.getTlsClientCert(), config.getTlsClientKey(),
                    truststore == null ? null : truststore.getTruststore(), timeoutMillis);
        } else {
            client = session.getProvider(HttpClientProvider.class).getHttpClient();
        }
        SimpleHttp http = SimpleHttp.create(client).withMaxConsumedResponseSize(MAX_BODY)
                .withRequestConfig(RequestConfig.custom().setConnectTimeout(timeoutMillis)
                        .setSocketTimeout(timeoutMillis).setConnectionRequestTimeout(timeoutMillis).build());
        SimpleHttpRequest request = "POST".equals(probe.get("method").asText()) ? http.doPost(url) : http.doGet(url);
        probe.path("headers").forEach(h -> {
            String name = h.get(0).asText();
            // The form parameters below set the body's content type.
            if (!"content-type".equalsIgnoreCase(name)) {
                request.header(name, h.get(1).asText());
            }
        });
        if (probe.hasNonNull("body")) {
            for (String pair : probe.get("body").asText().split("&")) {
                int eq = pair.indexOf('=');
                String name = eq < 0 ? pair : pair.substring(0, eq);
                String value = eq < 0 ? "" : pair.substring(eq + 1);
                request.param(URLDecoder.decode(name, StandardCharsets.UTF_8),
                        URLDecoder.decode(value, StandardCharsets.UTF_8));
            }
        }
        try (SimpleHttpResponse response = request.asResponse()) {
            int status = response.getStatus();
            String date = response.getFirstHeader("Date");
            byte[] body = response.asString().getBytes(StandardCharsets.UTF_8);
            doctor.feed(kind, status, date, body);
        } catch (IOException | RuntimeException e) {
            // The exception's class only: its message may carry the URL with parameters.
            doctor.feedTransportError(kind, kind + " request failed: " + e.getClass().getSimpleName());
        }
    }
}
