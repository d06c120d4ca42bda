package fr.gouvconnect.keycloak.broker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.List;
import org.keycloak.models.IdentityProviderMapperModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;

/**
 * One group rule of the core's mapping as a mapper of its own: a claim path, a condition
 * (present, equals, in, prefix), a value and the group (a name, {@code {path}} placeholders
 * allowed). The core checks and evaluates the rule ({@link GouvConnectMapper#merge}); this
 * mapper joins the groups it granted, created on first use.
 */
public class GouvConnectGroupRuleMapper extends GouvConnectMapper {
    public static final String ID = "gouvconnect-group-rule-mapper";
    public static final String FIELD = "gouvconnectRuleField";
    public static final String CONDITION = "gouvconnectRuleCondition";
    public static final String VALUE = "gouvconnectRuleValue";
    public static final String GROUP = "gouvconnectRuleGroup";
    /** The core's rule conditions ("present": none of equals, in, prefix). */
    static final List<String> CONDITIONS = List.of("equals", "in", "prefix", "present");
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public String getId() {
        return ID;
    }

    @Override
    protected String messageKey() {
        return "gouvconnectGroupRuleMapper";
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return ProviderConfigurationBuilder.create()
                .property().name(FIELD).label("gouvconnectRuleField").helpText("gouvconnectRuleFieldHelp")
                .type(ProviderConfigProperty.STRING_TYPE).required(true).add()
                .property().name(CONDITION).label("gouvconnectRuleCondition").helpText("gouvconnectRuleConditionHelp")
                .type(ProviderConfigProperty.LIST_TYPE).options(CONDITIONS).defaultValue(CONDITIONS.get(0)).add()
                .property().name(VALUE).label("gouvconnectRuleValue").helpText("gouvconnectRuleValueHelp")
                .type(ProviderConfigProperty.STRING_TYPE).add()
                .property().name(GROUP).label("gouvconnectRuleGroup").helpText("gouvconnectRuleGroupHelp")
                .type(ProviderConfigProperty.STRING_TYPE).required(true).add()
                .build();
    }

    /**
     * {@code {"groups": [{"group": …, "field": …, "equals"|"in"|"prefix": …}]}}: the form's
     * fields in the core's words ("in" takes the value's comma-separated entries).
     */
    static ObjectNode mapping(IdentityProviderMapperModel mapper) {
        ObjectNode rule = JSON.createObjectNode();
        rule.put("group", GouvConnectClaimAttributeMapper.trimmed(mapper, GROUP));
        rule.put("field", GouvConnectClaimAttributeMapper.trimmed(mapper, FIELD));
        String condition = GouvConnectClaimAttributeMapper.trimmed(mapper, CONDITION);
        String value = GouvConnectClaimAttributeMapper.trimmed(mapper, VALUE);
        switch (condition.isEmpty() ? CONDITIONS.get(0) : condition) {
            case "present" -> { }
            case "in" -> {
                var list = rule.putArray("in");
                Arrays.stream(value.split(",")).map(String::trim).filter(v -> !v.isEmpty()).forEach(list::add);
            }
            // equals, prefix, and anything else: the core's own word, refused by the core if unknown.
            default -> rule.put(condition.isEmpty() ? CONDITIONS.get(0) : condition, value);
        }
        ObjectNode m = JSON.createObjectNode();
        m.putArray("groups").add(rule);
        return m;
    }

    @Override
    protected void apply(KeycloakSession session, RealmModel realm, UserModel user,
            IdentityProviderMapperModel mapperModel, JsonNode mapped) {
        String prefix = ownPrefix(mapperModel);
        for (JsonNode g : mapped.path("groups")) {
            String name = g.asText();
            if (name.startsWith(prefix) && name.length() > prefix.length()) {
                join(session, realm, user, name.substring(prefix.length()));
            }
        }
    }
}
