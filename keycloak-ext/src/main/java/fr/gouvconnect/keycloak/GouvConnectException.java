package fr.gouvconnect.keycloak;

/** An error of the gouvconnect core, carrying its stable code (identical in every binding). */
public class GouvConnectException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String code;
    private String providerError;

    public GouvConnectException(String code, String message) {
        super(code + ": " + message);
        this.code = code;
    }

    /** The stable code, e.g. {@code state_mismatch}. */
    public String getCode() {
        return code;
    }

    /**
     * The provider's OAuth error word (e.g. {@code access_denied}, filtered by the core) when the
     * provider reported one, else null.
     */
    public String getProviderError() {
        return providerError;
    }

    /** Set by the native layer. */
    public void setProviderError(String providerError) {
        this.providerError = providerError;
    }

    /** The code as an enum ({@link ErrorCode#INTERNAL_ERROR} for an unexpected native failure). */
    public ErrorCode getErrorCode() {
        return ErrorCode.fromCode(code);
    }

    /** The HTTP status a host answers with. */
    public int getStatus() {
        return getErrorCode().status();
    }
}
