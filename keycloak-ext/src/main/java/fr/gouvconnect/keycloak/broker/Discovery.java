package fr.gouvconnect.keycloak.broker;

import fr.gouvconnect.keycloak.GouvConnectException;
import fr.gouvconnect.keycloak.NativeClient;
import java.io.IOException;
import org.keycloak.broker.provider.util.SimpleHttp;
import org.keycloak.models.KeycloakSession;

/**
 * The discovery document of a custom issuer (emulator, tests), fetched with Keycloak's HTTP
 * client (its truststore and proxy settings apply) at the URL the core gives, its answer judged
 * by the core. Presets need none: the core knows them.
 */
final class Discovery {
    /** On save the admin waits for the answer: a short bound. */
    static final int SAVE_TIMEOUT_MILLIS = 5_000;
    /** At the first login of a configuration. */
    static final int LOGIN_TIMEOUT_MILLIS = 10_000;

    private Discovery() {
    }

    /**
     * The discovery URL of the instance's custom issuer, or null when it uses a preset. Where
     * the document lives (Pro Santé Connect's non-standard name) is the core's knowledge; an
     * issuer the core refuses is {@code invalid_config}.
     */
    static String url(GouvConnectConfig config) {
        String issuer = config.getConfig().get(GouvConnectConfig.ISSUER);
        if (issuer == null || issuer.isBlank()) {
            return null;
        }
        return NativeClient.discoveryUrl(config.getKind(), issuer);
    }

    /**
     * The document, or null for a preset. Failures are {@code provider_unavailable} with a
     * message naming the URL tried (an issuer is configuration, not a secret).
     */
    static String fetch(KeycloakSession session, GouvConnectConfig config, int timeoutMillis) {
        String url = url(config);
        if (url == null) {
            return null;
        }
        try (SimpleHttp.Response response = SimpleHttp.doGet(url, session)
                .connectTimeoutMillis(timeoutMillis)
                .connectionRequestTimeoutMillis(timeoutMillis)
                .socketTimeOutMillis(timeoutMillis)
                .acceptJson()
                .asResponse()) {
            // The core judges the answer (and reads the document when the client is built).
            NativeClient.checkDiscoveryAnswer(config.getKind(), url, response.getStatus());
            return response.asString();
        } catch (IOException | RuntimeException e) {
            if (e instanceof GouvConnectException g) {
                throw g;
            }
            // The exception's class only: Apache's messages can be long; the URL is named here.
            throw new GouvConnectException("provider_unavailable",
                    "discovery " + url + " failed: " + e.getClass().getSimpleName());
        }
    }
}
