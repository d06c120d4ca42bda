package fr.gouvconnect.keycloak;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A relying party of the gouvconnect core for one provider, sans-IO: the caller (Keycloak's
 * HTTP client) does the network, the core decides and verifies. Thread-safe; calls run
 * concurrently, {@link #close()} waits for them.
 */
public final class NativeClient implements AutoCloseable {
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private long handle;

    /**
     * @param configJson    the core's client configuration (JSON)
     * @param discoveryJson the provider's discovery document, or null to use the preset or the
     *                      custom issuer's conventional endpoints
     */
    public NativeClient(String configJson, String discoveryJson) {
        this.handle = NativeCore.clientCreate(configJson, discoveryJson);
    }

    private long acquire() {
        lock.readLock().lock();
        if (handle == 0) {
            lock.readLock().unlock();
            throw new GouvConnectException("invalid_config", "the client is closed");
        }
        return handle;
    }

    private void release() {
        lock.readLock().unlock();
    }

    /**
     * A text as the UTF-8 bytes the login path's native methods take (null stays null): cheaper
     * across JNI than a String (no modified-UTF-8 copy and decoding).
     */
    private static byte[] utf8(String text) {
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }

    /** The UTF-8 bytes a login path's native method returned, as text (null stays null). */
    private static String text(byte[] utf8) {
        return utf8 == null ? null : new String(utf8, StandardCharsets.UTF_8);
    }

    /** The resolved provider (endpoints and quirks), JSON. */
    public String providerJson() {
        long h = acquire();
        try {
            return NativeCore.clientProvider(h);
        } finally {
            release();
        }
    }

    /** Replaces the cached JWKS with a freshly fetched document. */
    public void setJwks(byte[] jwks) {
        long h = acquire();
        try {
            NativeCore.clientSetJwks(h, jwks);
        } finally {
            release();
        }
    }

    /**
     * Starts a login: JSON {@code {"url", "pending"}}. With {@code state} and {@code nonce}
     * (Keycloak's own), those are sent; otherwise the core draws them.
     */
    public String beginLogin(String optionsJson, String state, String nonce) {
        long h = acquire();
        try {
            return NativeCore.clientBeginLogin(h, optionsJson, state, nonce);
        } finally {
            release();
        }
    }

    /** Checks the callback query (state, error, issuer) and returns the authorization code. */
    public String parseCallback(String pendingJson, String query, long now) {
        long h = acquire();
        try {
            return NativeCore.clientParseCallback(h, pendingJson, query, now);
        } finally {
            release();
        }
    }

    /**
     * Verifies the token response and the userinfo, applies the policy and the mapping: JSON
     * {@code {"identity", "id_token", "access_token", …, "mapped": {"fields", "groups"}}}.
     *
     * @param now unix seconds, or 0 for the current time
     */
    public String finishLogin(String pendingJson, String tokenResponseJson, String userinfoContentType,
            byte[] userinfoBody, long now, String mappingJson) {
        long h = acquire();
        try {
            return text(NativeCore.clientFinishLogin(h, utf8(pendingJson), utf8(tokenResponseJson),
                    userinfoContentType, userinfoBody, now, mappingJson));
        } finally {
            release();
        }
    }

    /**
     * The acr values a minimum can be chosen from for a provider ({@code proconnect} or
     * {@code prosanteconnect}), weakest first, as a JSON array.
     */
    public static String acrLevels(String provider) {
        return NativeCore.acrLevels(provider);
    }

    /**
     * The acr values a login must come back with for a minimum (null or empty: none) and the MFA
     * switch, as a JSON array, or JSON {@code null} when any value the provider defines does.
     * A minimum the provider does not define is refused with {@code invalid_config}.
     */
    public static String acceptedAcr(String provider, String minimum, boolean mfa) {
        return NativeCore.acceptedAcr(provider, minimum, mfa);
    }

    /** The official button of a provider as HTML. */
    public static String buttonHtml(String provider, String action, String next) {
        return NativeCore.buttonHtml(provider, action, next);
    }

    /** The buttons' CSS. */
    public static String buttonCss() {
        return NativeCore.buttonCss();
    }

    /**
     * Applies the core's rule to a token endpoint's answer (size limit, 5xx, OAuth error, JSON
     * carrying the tokens).
     *
     * @throws GouvConnectException with the stable code when the answer is not usable
     */
    public static void checkTokenResponse(int status, byte[] body) {
        NativeCore.checkTokenResponse(status, body);
    }

    /**
     * Checks a mapping (JSON) the way a login would use it.
     *
     * @throws GouvConnectException {@code invalid_config} with the core's message when the
     *                              mapping is not usable
     */
    public static void checkMapping(String mappingJson) {
        NativeCore.checkMapping(mappingJson);
    }

    /** The core's error codes with their HTTP statuses, JSON. */
    public static String errorCodesJson() {
        return NativeCore.errorCodes();
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (handle != 0) {
                long h = handle;
                handle = 0;
                NativeCore.clientClose(h);
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Pro Santé Connect's practices of an identity (the core's {@code Identity::practices}: one
     * per exercice and activity, stable ids, codes with their French labels), as a JSON array;
     * empty for ProConnect.
     *
     * @param identityJson the normalised identity, as the core produced it
     */
    public static String practices(String identityJson) {
        return NativeCore.practices(identityJson);
    }

    /**
     * The identity acting for one of its practices, and the mapping applied to it again (rules
     * may read {@code practice.…}): JSON {@code {"identity", "mapped": {"fields", "groups"}}}.
     *
     * @param mappingJson the provider's mapping, or null for none
     * @throws GouvConnectException {@code invalid_request} when the identity has no such practice
     */
    public static String withPractice(String identityJson, String id, String mappingJson) {
        return NativeCore.withPractice(identityJson, id, mappingJson);
    }

    // Keycloak's broker flow: the core decides, Keycloak's HTTP client moves the bytes.

    /**
     * Starts a login forwarded from a realm client's request: JSON {@code {"url", "pending",
     * "code_verifier"}}. The core chooses the level, {@code login_hint}, {@code prompt} and
     * step-up from {@code forwardedJson} ({@code acr_values}, {@code claims}, {@code login_hint},
     * {@code prompt}, {@code signed_in: {sub, email, acr}}) and draws the nonce; {@code state} is
     * Keycloak's.
     */
    public String beginForwardedLogin(String forwardedJson, String state) {
        long h = acquire();
        try {
            return NativeCore.clientBeginForwardedLogin(h, forwardedJson, state);
        } finally {
            release();
        }
    }

    /** The exchange after Keycloak's own token request (JSON; holds tokens: never stored). */
    public String exchangeStart(String pendingJson) {
        long h = acquire();
        try {
            return text(NativeCore.clientExchangeStart(h, utf8(pendingJson)));
        } finally {
            release();
        }
    }

    /**
     * The core's judgement of the answer to the exchange's last request: JSON {@code {"exchange",
     * "send": {"method", "url", "headers"}}} for the next request to send, or {@code {"login": …}}
     * (identity, tokens, {@code mapped}, {@code email_trusted}, {@code audit}, {@code username}).
     *
     * @param now unix seconds, or 0 for the current time
     */
    public String exchangeAdvance(String exchangeJson, int status, String contentType, byte[] body, long now,
            String mappingJson) {
        long h = acquire();
        try {
            return text(NativeCore.clientExchangeAdvance(h, utf8(exchangeJson), status, contentType, body, now,
                    mappingJson));
        } finally {
            release();
        }
    }

    /**
     * The end-session redirect whose {@code state} Keycloak finds its user session by
     * ({@code binding}), JSON {@code {"url", "pending"}}, or null without an end-session endpoint.
     */
    public String logoutRequestBound(String idTokenHint, String binding, String postLogoutRedirectUri) {
        long h = acquire();
        try {
            return NativeCore.clientLogoutRequestBound(h, idTokenHint, binding, postLogoutRedirectUri);
        } finally {
            release();
        }
    }

    /** Checks a logout callback against the pending logout found for it (null: none, refused). */
    public void verifyLogoutReturn(String pendingJson, String query) {
        long h = acquire();
        try {
            NativeCore.clientVerifyLogoutReturn(h, pendingJson, query);
        } finally {
            release();
        }
    }

    /** The token endpoint for the configured authentication (the mutual-TLS alias with a certificate). */
    public String tokenEndpoint() {
        long h = acquire();
        try {
            return NativeCore.clientTokenEndpoint(h);
        } finally {
            release();
        }
    }

    /**
     * FranceConnect+: the public JWKS of the configured decryption keys (JSON, {@code use: enc},
     * no private member), to serve at the URL registered with FranceConnect+; null for a
     * provider that does not encrypt its tokens.
     */
    public String publicJwks() {
        long h = acquire();
        try {
            return NativeCore.clientPublicJwks(h);
        } finally {
            release();
        }
    }

    /** Where a custom issuer's discovery document lives for a provider kind. */
    public static String discoveryUrl(String provider, String issuer) {
        return NativeCore.discoveryUrl(provider, issuer);
    }

    /** The core's judgement of the discovery request's HTTP status (throws when unusable). */
    public static void checkDiscoveryAnswer(String provider, String url, int status) {
        NativeCore.checkDiscoveryAnswer(provider, url, status);
    }

    /** The binding (Keycloak's user session id) a logout callback's state carries, or null. */
    public static String logoutBinding(String query) {
        return NativeCore.logoutBinding(query);
    }
}
