package fr.gouvconnect.keycloak.broker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import fr.gouvconnect.keycloak.GouvConnectException;
import fr.gouvconnect.keycloak.NativeClient;
import java.io.IOException;
import java.util.List;
import org.jboss.logging.Logger;
import org.keycloak.broker.provider.AbstractIdentityProviderMapper;
import org.keycloak.broker.provider.BrokeredIdentityContext;
import org.keycloak.models.GroupModel;
import org.keycloak.models.IdentityProviderMapperModel;
import org.keycloak.models.IdentityProviderSyncMode;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;

/**
 * Base of the gouvconnect mappers: they read what the core's mapping computed at login
 * ({@link GouvConnectIdentityProvider#MAPPED}) rather than evaluating rules again in Java.
 *
 * <p>Two kinds. The "advanced mapping" mappers apply what the provider's "Mapping (JSON)" field
 * lists. The mappers with a rule of their own (claim → attribute, group rule) add that rule to
 * the one mapping the core evaluates at login ({@link #merge}), under a name that carries the
 * mapper's id ({@link #OWN}); each reads back only its own result, and the advanced mappers
 * skip those names.
 */
abstract class GouvConnectMapper extends AbstractIdentityProviderMapper {
    private static final Logger LOG = Logger.getLogger(GouvConnectMapper.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The identity-provider types of the extension, whose identity the core normalises. */
    static final String[] COMPATIBLE = {"proconnect", "prosanteconnect", "franceconnect",
        GouvConnectConfig.FRANCECONNECT_PLUS};
    /** Prefix of a mapper's own field and groups in the merged mapping: {@code gouvconnect-mapper/<id>/…}. */
    static final String OWN = "gouvconnect-mapper/";

    @Override
    public String[] getCompatibleProviders() {
        return COMPATIBLE.clone();
    }

    @Override
    public String getDisplayCategory() {
        return "gouvconnect";
    }

    @Override
    public boolean supportsSyncMode(IdentityProviderSyncMode syncMode) {
        return true;
    }

    /** The message key of the mapper type's name; its help is the same key followed by "Help". */
    protected abstract String messageKey();

    /**
     * The console shows a mapper type's name and help as the server wrote them (unlike config
     * properties, it does not translate them): they are written in the administrator's language.
     */
    @Override
    public String getDisplayType() {
        return ConsoleMessages.text(messageKey());
    }

    @Override
    public String getHelpText() {
        return ConsoleMessages.text(messageKey() + "Help");
    }

    static JsonNode mapped(BrokeredIdentityContext context) {
        Object value = context.getContextData().get(GouvConnectIdentityProvider.MAPPED);
        if (value == null) {
            return null;
        }
        try {
            return JSON.readTree(value.toString());
        } catch (IOException e) {
            return null;
        }
    }

    protected abstract void apply(KeycloakSession session, RealmModel realm, UserModel user,
            IdentityProviderMapperModel mapperModel, JsonNode mapped);

    @Override
    public void importNewUser(KeycloakSession session, RealmModel realm, UserModel user,
            IdentityProviderMapperModel mapperModel, BrokeredIdentityContext context) {
        JsonNode m = mapped(context);
        if (m != null) {
            apply(session, realm, user, mapperModel, m);
        }
    }

    @Override
    public void updateBrokeredUser(KeycloakSession session, RealmModel realm, UserModel user,
            IdentityProviderMapperModel mapperModel, BrokeredIdentityContext context) {
        importNewUser(session, realm, user, mapperModel, context);
    }

    /**
     * Sets the user attribute {@code name} to {@code value} (null or JSON null: removes it). An
     * unchanged attribute is not written: with sync mode FORCE every login comes here, and a
     * write evicts the user from Keycloak's cache and updates the database.
     */
    static void setAttribute(UserModel user, String name, JsonNode value) {
        List<String> current = user.getAttributeStream(name).toList();
        if (value == null || value.isNull()) {
            if (!current.isEmpty()) {
                user.removeAttribute(name);
            }
        } else if (!current.equals(List.of(value.asText()))) {
            user.setSingleAttribute(name, value.asText());
        }
    }

    /**
     * Puts the user in the top-level group {@code name}, created on first use. A user already in
     * it (every later login) costs no query: the user's groups are in Keycloak's cache, whereas
     * listing the realm's top-level groups is a database query.
     */
    static void join(KeycloakSession session, RealmModel realm, UserModel user, String name) {
        if (user.getGroupsStream().anyMatch(g -> g.getParentId() == null && name.equals(g.getName()))) {
            return;
        }
        GroupModel group = session.groups().getGroupByName(realm, null, name);
        if (group == null) {
            group = session.groups().createGroup(realm, name);
        }
        // Keycloak's membership: being in one of its subgroups counts, as before.
        if (!user.isMemberOf(group)) {
            user.joinGroup(group);
        }
    }

    /** Whether mappers of this type carry a rule of their own. */
    static boolean hasOwnRule(String mapperType) {
        return GouvConnectClaimAttributeMapper.ID.equals(mapperType)
                || GouvConnectGroupRuleMapper.ID.equals(mapperType);
    }

    /**
     * A mapper's rule as a mapping of its own, with the names the admin gave (what the core
     * checks when the provider is saved, so that its message names the attribute or group).
     */
    static ObjectNode ownMapping(IdentityProviderMapperModel mapper) {
        return GouvConnectClaimAttributeMapper.ID.equals(mapper.getIdentityProviderMapper())
                ? GouvConnectClaimAttributeMapper.mapping(mapper)
                : GouvConnectGroupRuleMapper.mapping(mapper);
    }

    /** The name prefix of one mapper's results in the merged mapping. */
    static String ownPrefix(IdentityProviderMapperModel mapper) {
        return OWN + mapper.getId() + "/";
    }

    /**
     * The advanced field's mapping plus the mappers' own rules, renamed under {@link #OWN}.
     * Without mappers the advanced field goes to the core unchanged (null: the core's default
     * mapping). An advanced field that is not a JSON object also goes unchanged, for the core to
     * refuse with its message. A mapper whose rule the core refuses (Keycloak saved it without
     * asking us) is left out of the login, with a warning naming it: the other mappers and the
     * login still work.
     */
    static String merge(String advanced, List<IdentityProviderMapperModel> mappers) {
        if (mappers.isEmpty()) {
            return advanced;
        }
        ObjectNode merged;
        if (advanced == null) {
            merged = JSON.createObjectNode();
        } else {
            try {
                JsonNode parsed = JSON.readTree(advanced);
                if (!(parsed instanceof ObjectNode o)) {
                    return advanced;
                }
                merged = o;
            } catch (IOException e) {
                return advanced;
            }
        }
        JsonNode f = merged.get("fields");
        JsonNode g = merged.get("groups");
        if ((f != null && !f.isObject()) || (g != null && !g.isArray())) {
            return advanced;
        }
        ObjectNode fields = f != null ? (ObjectNode) f : merged.putObject("fields");
        ArrayNode groups = g != null ? (ArrayNode) g : merged.putArray("groups");
        for (IdentityProviderMapperModel mapper : mappers) {
            ObjectNode own = ownMapping(mapper);
            try {
                NativeClient.checkMapping(own.toString());
            } catch (GouvConnectException e) {
                LOG.warnf("gouvconnect mapper \"%s\" of %s left out of the login: %s", mapper.getName(),
                        mapper.getIdentityProviderAlias(), e.getMessage());
                continue;
            }
            String prefix = ownPrefix(mapper);
            own.path("fields").fields().forEachRemaining(e -> fields.set(prefix + e.getKey(), e.getValue()));
            for (JsonNode rule : own.path("groups")) {
                ObjectNode renamed = ((ObjectNode) rule).deepCopy();
                renamed.put("group", prefix + rule.path("group").asText());
                groups.add(renamed);
            }
        }
        return merged.toString();
    }
}
