package fr.gouvconnect.keycloak.broker;

import com.fasterxml.jackson.databind.JsonNode;

/** The Keycloak username of a brokered user, from the normalised identity. */
final class Usernames {
    private Usernames() {
    }

    /**
     * The Keycloak username: the email when there is one (ProConnect); for Pro Santé Connect,
     * which sends no email, the professional's identifier named after its register
     * ({@code rpps-10001234567}, {@code adeli-123456789}), else the national identifier.
     */
    static String of(JsonNode identity, String email) {
        if (email != null) {
            return email;
        }
        JsonNode psc = identity.path("prosanteconnect");
        for (String register : new String[] {"rpps", "adeli"}) {
            if (psc.hasNonNull(register) && !psc.get(register).asText().isBlank()) {
                return register + "-" + psc.get(register).asText();
            }
        }
        if (psc.hasNonNull("national_id")) {
            return "psc-" + psc.get("national_id").asText();
        }
        return identity.get("sub").asText();
    }
}
