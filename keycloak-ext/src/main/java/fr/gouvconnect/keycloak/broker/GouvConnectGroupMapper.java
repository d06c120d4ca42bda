package fr.gouvconnect.keycloak.broker;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.keycloak.models.GroupModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.provider.ProviderConfigProperty;

/**
 * Puts the user in the groups the provider's gouvconnect mapping granted (e.g. PSC profession
 * 10 → {@code medecins}); top-level groups are created on first use.
 */
public class GouvConnectGroupMapper extends GouvConnectMapper {
    public static final String ID = "gouvconnect-group-mapper";

    @Override
    public String getId() {
        return ID;
    }

    @Override
    public String getDisplayType() {
        return "gouvconnect groups";
    }

    @Override
    public String getHelpText() {
        return "Groups from the group rules of the provider's gouvconnect mapping.";
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return List.of();
    }

    @Override
    protected void apply(KeycloakSession session, RealmModel realm, UserModel user, JsonNode mapped) {
        JsonNode groups = mapped.get("groups");
        if (groups == null) {
            return;
        }
        for (JsonNode g : groups) {
            String name = g.asText();
            GroupModel group = session.groups().getTopLevelGroupsStream(realm)
                    .filter(x -> x.getName().equals(name)).findFirst()
                    .orElseGet(() -> session.groups().createGroup(realm, name));
            if (!user.isMemberOf(group)) {
                user.joinGroup(group);
            }
        }
    }
}
