package fr.gouvconnect.keycloak;

/** The core's stable error codes and the HTTP status each one maps to. */
public enum ErrorCode {
    STATE_MISMATCH(400),
    NONCE_MISMATCH(400),
    INVALID_SIGNATURE(400),
    UNSUPPORTED_ALGORITHM(400),
    ISSUER_MISMATCH(400),
    AUDIENCE_MISMATCH(400),
    TOKEN_EXPIRED(400),
    TOKEN_NOT_YET_VALID(400),
    USERINFO_SUBJECT_MISMATCH(400),
    USERINFO_NOT_SIGNED(400),
    UNKNOWN_KEY(400),
    ACR_INSUFFICIENT(403),
    UNKNOWN_ACR(403),
    MFA_REQUIRED(403),
    EMAIL_NOT_VERIFIED(403),
    ACCESS_DENIED(403),
    PROVIDER_ERROR(400),
    PROVIDER_ACCESS_DENIED(403),
    INVALID_CLIENT(502),
    PROVIDER_UNAVAILABLE(503),
    RESPONSE_TOO_LARGE(502),
    INVALID_CONFIG(500),
    INVALID_REQUEST(400),
    MALFORMED_RESPONSE(502),
    NO_PENDING_LOGIN(400),
    SESSION_LOST(400),
    STEP_UP_USER_MISMATCH(403),
    LOGIN_REQUIRED(401),
    LOGOUT_STATE_MISMATCH(400),
    /** An unexpected failure inside the native library (a caught panic). */
    INTERNAL_ERROR(500);

    private final int status;

    ErrorCode(int status) {
        this.status = status;
    }

    /** The stable string code. */
    public String code() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The HTTP status. */
    public int status() {
        return status;
    }

    /**
     * The core's message for the person signing in (French), the same in every binding. Read
     * from the native library on first use.
     */
    public String userMessage() {
        String message = UserMessages.BY_CODE.get(code());
        return message != null ? message : UserMessages.BY_CODE.getOrDefault("malformed_response", code());
    }

    /** Lazily loaded: the enum itself stays usable without the native library. */
    private static final class UserMessages {
        static final java.util.Map<String, String> BY_CODE = load();

        private static java.util.Map<String, String> load() {
            java.util.Map<String, String> messages = new java.util.HashMap<>();
            try {
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(NativeClient.errorCodesJson())
                        .forEach(c -> messages.put(c.get("code").asText(), c.get("message").asText()));
            } catch (java.io.IOException e) {
                throw new IllegalStateException("unreadable error codes from the native core", e);
            }
            return java.util.Map.copyOf(messages);
        }
    }

    /** Parses a stable code; unknown values map to {@link #INTERNAL_ERROR}. */
    public static ErrorCode fromCode(String code) {
        for (ErrorCode c : values()) {
            if (c.code().equals(code)) {
                return c;
            }
        }
        return INTERNAL_ERROR;
    }
}
