package fr.gouvconnect.keycloak.broker;

import fr.gouvconnect.keycloak.GouvConnectException;
import java.io.IOException;
import org.keycloak.broker.provider.util.SimpleHttp;
import org.keycloak.models.KeycloakSession;

/**
 * The discovery document of a custom issuer (emulator, tests), fetched with Keycloak's HTTP
 * client (its truststore and proxy settings apply). Presets need none: the core knows them.
 */
final class Discovery {
    /** On save the admin waits for the answer: a short bound. */
    static final int SAVE_TIMEOUT_MILLIS = 5_000;
    /** At the first login of a configuration. */
    static final int LOGIN_TIMEOUT_MILLIS = 10_000;

    private Discovery() {
    }

    /** The discovery URL of the instance's custom issuer, or null when it uses a preset. */
    static String url(GouvConnectConfig config) {
        String issuer = config.getConfig().get(GouvConnectConfig.ISSUER);
        if (issuer == null || issuer.isBlank()) {
            return null;
        }
        String base = issuer.trim().replaceAll("/+$", "");
        // Pro Santé Connect publishes its discovery under a non-standard name.
        return base + ("prosanteconnect".equals(config.getKind())
                ? "/.well-known/wallet-openid-configuration" : "/.well-known/openid-configuration");
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
        if (!url.startsWith("https://") && !url.startsWith("http://")) {
            throw new GouvConnectException("invalid_config", "the custom issuer must be an http(s) URL, discovery would be " + url);
        }
        try (SimpleHttp.Response response = SimpleHttp.doGet(url, session)
                .connectTimeoutMillis(timeoutMillis)
                .connectionRequestTimeoutMillis(timeoutMillis)
                .socketTimeOutMillis(timeoutMillis)
                .acceptJson()
                .asResponse()) {
            if (response.getStatus() != 200) {
                throw new GouvConnectException("provider_unavailable",
                        "discovery " + url + " answered HTTP " + response.getStatus()
                        + ("proconnect".equals(config.getKind()) && !url.contains("/api/v2/")
                                ? " (a ProConnect issuer ends with /api/v2)" : ""));
            }
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
