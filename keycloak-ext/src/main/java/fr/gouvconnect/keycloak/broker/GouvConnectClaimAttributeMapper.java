package fr.gouvconnect.keycloak.broker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.keycloak.models.IdentityProviderMapperModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;

/**
 * One value of the normalised identity (a claim path, e.g. {@code proconnect.siret}) into one
 * user attribute, at every login; an absent value removes the attribute. The path is the core's
 * (docs/architecture.md §4): the core checks it and resolves it, as one field of the mapping it
 * applies at login ({@link GouvConnectMapper#merge}).
 */
public class GouvConnectClaimAttributeMapper extends GouvConnectMapper {
    public static final String ID = "gouvconnect-claim-attribute-mapper";
    public static final String CLAIM = "gouvconnectClaim";
    public static final String ATTRIBUTE = "gouvconnectUserAttribute";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public String getId() {
        return ID;
    }

    @Override
    protected String messageKey() {
        return "gouvconnectClaimMapper";
    }

    /** Labels and help texts are message keys, translated by the console. */
    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return ProviderConfigurationBuilder.create()
                .property().name(CLAIM).label("gouvconnectClaim").helpText("gouvconnectClaimHelp")
                .type(ProviderConfigProperty.STRING_TYPE).required(true).add()
                .property().name(ATTRIBUTE).label("gouvconnectUserAttribute").helpText("gouvconnectUserAttributeHelp")
                .type(ProviderConfigProperty.STRING_TYPE).required(true).add()
                .build();
    }

    /** {@code {"fields": {"<attribute>": "<claim path>"}}}, as typed (the core judges both). */
    static ObjectNode mapping(IdentityProviderMapperModel mapper) {
        ObjectNode m = JSON.createObjectNode();
        m.putObject("fields").put(trimmed(mapper, ATTRIBUTE), trimmed(mapper, CLAIM));
        return m;
    }

    static String trimmed(IdentityProviderMapperModel mapper, String key) {
        String v = mapper.getConfig() == null ? null : mapper.getConfig().get(key);
        return v == null ? "" : v.trim();
    }

    @Override
    protected void apply(KeycloakSession session, RealmModel realm, UserModel user,
            IdentityProviderMapperModel mapperModel, JsonNode mapped) {
        String attribute = trimmed(mapperModel, ATTRIBUTE);
        JsonNode fields = mapped.path("fields");
        String key = ownPrefix(mapperModel) + attribute;
        if (attribute.isEmpty() || !fields.has(key)) {
            // Left out of this login (a rule the core refused, logged by merge): nothing to say.
            return;
        }
        setAttribute(user, attribute, fields.get(key));
    }
}
