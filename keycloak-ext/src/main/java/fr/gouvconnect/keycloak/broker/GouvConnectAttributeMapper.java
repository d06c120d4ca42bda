package fr.gouvconnect.keycloak.broker;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.keycloak.models.IdentityProviderMapperModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.provider.ProviderConfigProperty;

/**
 * Copies the fields of the provider's advanced gouvconnect mapping ({@code fields}: user
 * attribute → identity path, e.g. {@code "siret": "proconnect.siret"}, {@code "rpps":
 * "prosanteconnect.rpps"}) into user attributes; absent values remove the attribute. The
 * results of the mappers with a rule of their own are theirs, not this mapper's.
 */
public class GouvConnectAttributeMapper extends GouvConnectMapper {
    public static final String ID = "gouvconnect-attribute-mapper";

    @Override
    public String getId() {
        return ID;
    }

    @Override
    protected String messageKey() {
        return "gouvconnectAttributesMapper";
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return List.of();
    }

    @Override
    protected void apply(KeycloakSession session, RealmModel realm, UserModel user,
            IdentityProviderMapperModel mapperModel, JsonNode mapped) {
        JsonNode fields = mapped.get("fields");
        if (fields == null) {
            return;
        }
        fields.fields().forEachRemaining(entry -> {
            String name = entry.getKey();
            if (name.startsWith(OWN)) {
                return;
            }
            // Keycloak's own profile fields are set by the broker; mapping them again is harmless.
            setAttribute(user, name, entry.getValue());
        });
    }
}
