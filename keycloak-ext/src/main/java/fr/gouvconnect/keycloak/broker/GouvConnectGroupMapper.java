package fr.gouvconnect.keycloak.broker;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.keycloak.models.IdentityProviderMapperModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.provider.ProviderConfigProperty;

/**
 * Puts the user in the groups the provider's advanced gouvconnect mapping granted (e.g. PSC
 * profession 10 → {@code medecins}); top-level groups are created on first use. The groups of
 * the "group rule" mappers are theirs, not this mapper's.
 */
public class GouvConnectGroupMapper extends GouvConnectMapper {
    public static final String ID = "gouvconnect-group-mapper";

    @Override
    public String getId() {
        return ID;
    }

    @Override
    protected String messageKey() {
        return "gouvconnectGroupsMapper";
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return List.of();
    }

    @Override
    protected void apply(KeycloakSession session, RealmModel realm, UserModel user,
            IdentityProviderMapperModel mapperModel, JsonNode mapped) {
        JsonNode groups = mapped.get("groups");
        if (groups == null) {
            return;
        }
        for (JsonNode g : groups) {
            String name = g.asText();
            if (!name.startsWith(OWN)) {
                join(session, realm, user, name);
            }
        }
    }
}
