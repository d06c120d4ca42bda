package fr.gouvconnect.keycloak;

/** The native methods of the JNI library; use {@link NativeClient} rather than these. */
final class NativeCore {
    static {
        NativeLibrary.load();
    }

    private NativeCore() {
    }

    static native long clientCreate(String configJson, String discoveryJson);

    static native void clientClose(long handle);

    static native String clientProvider(long handle);

    static native void clientSetJwks(long handle, byte[] jwks);

    static native String clientBeginLogin(long handle, String optionsJson, String state, String nonce);

    static native String clientParseCallback(long handle, String pendingJson, String query, long now);

    // The login path's large texts cross as UTF-8 byte[] (no GetStringUTFChars copy nor
    // modified-UTF-8 coding on either side); NativeClient converts.
    static native byte[] clientFinishLogin(long handle, byte[] pendingJson, byte[] tokenResponseJson,
            String userinfoContentType, byte[] userinfoBody, long now, String mappingJson);

    static native String acrLevels(String provider);

    static native String acceptedAcr(String provider, String minimum, boolean mfa);

    static native String buttonHtml(String provider, String action, String next);

    static native String buttonCss();

    static native String errorCodes();

    static native void checkTokenResponse(int status, byte[] body);

    static native void checkMapping(String mappingJson);

    static native long doctorCreate(String configJson, String optionsJson, long now);

    static native String doctorNextProbe(long handle);

    static native void doctorFeed(long handle, String kind, int status, String date, byte[] body,
            String transportError);

    static native boolean doctorUsesMutualTls(long handle);

    static native void doctorCheckCertificate(long handle, byte[] certPem, byte[] keyPem, String problem);

    static native String doctorFinish(long handle);

    static native void doctorClose(long handle);

    static native String practices(String identityJson);

    static native String withPractice(String identityJson, String id, String mappingJson);

    // Keycloak's broker flow (native/src/broker.rs): the core's steps for a host with its own
    // flow and HTTP client.
    static native String clientBeginForwardedLogin(long handle, String forwardedJson, String state);

    static native byte[] clientExchangeStart(long handle, byte[] pendingJson);

    static native byte[] clientExchangeAdvance(long handle, byte[] exchangeJson, int status, String contentType,
            byte[] body, long now, String mappingJson);

    static native String clientTokenEndpoint(long handle);

    static native String discoveryUrl(String provider, String issuer);

    static native void checkDiscoveryAnswer(String provider, String url, int status);

    static native String clientLogoutRequestBound(long handle, String idTokenHint, String binding,
            String postLogoutRedirectUri);

    static native String logoutBinding(String query);

    static native void clientVerifyLogoutReturn(long handle, String pendingJson, String query);

    // FranceConnect+ (native/src/franceconnect.rs).
    static native String clientPublicJwks(long handle);
}
