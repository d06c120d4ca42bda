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

    static native String clientFinishLogin(long handle, String pendingJson, String tokenResponseJson,
            String userinfoContentType, byte[] userinfoBody, long now, String mappingJson);

    static native String clientLogoutRequest(long handle, String idTokenHint);

    static native void clientVerifyLogoutCallback(long handle, String pendingJson, String query);

    static native String acrLevels(String provider);

    static native String acceptedAcr(String provider, String minimum, boolean mfa);

    static native String buttonHtml(String provider, String action, String next);

    static native String buttonCss();

    static native String errorCodes();

    static native void checkTokenResponse(int status, byte[] body);

    static native void checkMapping(String mappingJson);

    static native long doctorCreate(String configJson, String optionsJson, long now);

    static native String doctorNextProbe(long handle);

    static native void doctorFeed(long handle, String kind, int status, String date, byte[] body, String transportError);

    static native boolean doctorUsesMutualTls(long handle);

    static native void doctorCheckCertificate(long handle, byte[] certPem, byte[] keyPem, String problem);

    static native String doctorFinish(long handle);

    static native void doctorClose(long handle);
}
