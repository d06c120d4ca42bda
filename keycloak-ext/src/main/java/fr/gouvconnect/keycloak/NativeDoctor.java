package fr.gouvconnect.keycloak;

/**
 * The core's going-live checks (doctor), sans-IO: {@link #nextProbe()} hands out plain HTTP
 * requests that the caller (Keycloak's HTTP client) sends, {@link #feed} gives the answers back,
 * {@link #finish()} returns the report. One thread at a time; {@link #close()} frees it.
 */
public final class NativeDoctor implements AutoCloseable {
    private long handle;

    /**
     * @param configJson  the core's client configuration (a bad one is a failed check, not an error)
     * @param optionsJson {@code {"mounted_redirect_uris": [...], "mounted_post_logout_redirect_uris": [...]}} or null
     */
    public NativeDoctor(String configJson, String optionsJson) {
        this.handle = NativeCore.doctorCreate(configJson, optionsJson, 0);
    }

    private long h() {
        if (handle == 0) {
            throw new GouvConnectException("invalid_request", "the doctor is closed");
        }
        return handle;
    }

    /**
     * The next request, JSON {@code {"kind", "method", "url", "headers": [[name, value]], "body"}},
     * or null when done. The credentials probe's body carries the client secret: never log it.
     */
    public String nextProbe() {
        return NativeCore.doctorNextProbe(h());
    }

    /** The provider's answer to the probe {@code kind}. */
    public void feed(String kind, int status, String date, byte[] body) {
        NativeCore.doctorFeed(h(), kind, status, date, body, null);
    }

    /** The probe {@code kind} failed before an answer (timeout, refused connection, TLS). */
    public void feedTransportError(String kind, String problem) {
        NativeCore.doctorFeed(h(), kind, 0, null, null, problem);
    }

    /** Whether the configuration uses mutual TLS (then check the client certificate). */
    public boolean usesMutualTls() {
        return NativeCore.doctorUsesMutualTls(h());
    }

    /** Checks the mutual-TLS certificate and key (PEM contents). */
    public void checkClientCertificate(byte[] certPem, byte[] keyPem) {
        NativeCore.doctorCheckCertificate(h(), certPem, keyPem, null);
    }

    /** Records that the certificate or key could not be read. */
    public void clientCertificateUnreadable(String problem) {
        NativeCore.doctorCheckCertificate(h(), null, null, problem);
    }

    /** The report, JSON {@code {"report": {"ok", "checks": [...], ...}, "text": "..."}}. */
    public String finish() {
        return NativeCore.doctorFinish(h());
    }

    @Override
    public void close() {
        if (handle != 0) {
            long h = handle;
            handle = 0;
            NativeCore.doctorClose(h);
        }
    }
}
