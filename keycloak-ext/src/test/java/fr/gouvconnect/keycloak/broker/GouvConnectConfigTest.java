package fr.gouvconnect.keycloak.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import fr.gouvconnect.keycloak.GouvConnectException;
import fr.gouvconnect.keycloak.NativeClient;
import java.io.InputStreamReader;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.keycloak.common.enums.SslRequired;
import org.keycloak.models.IdentityProviderMapperModel;
import org.keycloak.models.IdentityProviderModel;
import org.keycloak.models.IdentityProviderSyncMode;
import org.keycloak.models.RealmModel;
import org.keycloak.provider.ProviderConfigProperty;

/**
 * The configuration as Keycloak hands it over when a provider was created with the admin
 * console's *Add* form: only what the admin typed, every switch absent (null).
 */
class GouvConnectConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static IdentityProviderModel addedWithTheConsole(String kind, Map<String, String> extra) {
        IdentityProviderModel model = new IdentityProviderModel();
        model.setAlias(kind);
        model.setProviderId(kind);
        model.setEnabled(true);
        Map<String, String> config = new HashMap<>(Map.of("clientId", "cid", "clientSecret", "secret"));
        config.putAll(extra);
        model.setConfig(config);
        return model;
    }

    private static RealmModel realm() {
        return (RealmModel) Proxy.newProxyInstance(RealmModel.class.getClassLoader(), new Class<?>[] {RealmModel.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getSslRequired" -> SslRequired.NONE;
                    case "getName" -> "r";
                    default -> null;
                });
    }

    @Test
    void absentSwitchesReadAsKeycloaksDefaults() {
        GouvConnectConfig config = new GouvConnectConfig("proconnect", addedWithTheConsole("proconnect", Map.of()));
        assertNull(new IdentityProviderModel(config).getDisplayName());
        assertFalse(config.isStoreToken());
        assertFalse(config.isTrustEmail());
        assertFalse(config.isLinkOnly());
        assertFalse(config.isAddReadTokenRoleOnCreate());
        assertFalse(config.isAuthenticateByDefault());
        assertFalse(config.isHideOnLogin());
        assertEquals(IdentityProviderSyncMode.FORCE, config.getSyncMode());
        assertEquals("client_secret_post", config.getTokenAuth());
        assertNull(config.getMappingJson());
    }

    @Test
    void savingStoresTheDefaultsAndTheFederationsName() {
        GouvConnectConfig config = new GouvConnectConfig("prosanteconnect", addedWithTheConsole("prosanteconnect", Map.of()));
        config.validate(realm());
        assertEquals("Pro Santé Connect", config.getDisplayName());
        IdentityProviderModel stored = new IdentityProviderModel(config);
        assertEquals(Boolean.FALSE, stored.isStoreToken());
        assertEquals(Boolean.FALSE, stored.isTrustEmail());
        assertEquals("FORCE", stored.getConfig().get("syncMode"));
        // A realm client's prompt=none is forwarded to the provider (silent login).
        assertEquals("true", stored.getConfig().get(GouvConnectConfig.ACCEPTS_PROMPT_NONE));
    }

    @Test
    void aBrokenMappingIsRefusedWithTheCoresMessage() {
        GouvConnectConfig config = new GouvConnectConfig("proconnect",
                addedWithTheConsole("proconnect", Map.of(GouvConnectConfig.MAPPING, "{\"fields\": {")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> config.validate(realm()));
        assertTrue(e.getMessage().startsWith("Mapping (JSON): invalid mapping"), e.getMessage());
        assertTrue(e.getMessage().endsWith("(invalid_config)"), e.getMessage());
        GouvConnectConfig good = new GouvConnectConfig("proconnect",
                addedWithTheConsole("proconnect", Map.of(GouvConnectConfig.MAPPING, "{\"fields\": {\"siret\": \"proconnect.siret\"}}")));
        good.validate(realm());
    }

    private static GouvConnectConfig withConfig(String kind, Map<String, String> extra) {
        return new GouvConnectConfig(kind, addedWithTheConsole(kind, extra));
    }

    private static IdentityProviderMapperModel mapper(String id, String type, Map<String, String> config) {
        IdentityProviderMapperModel m = new IdentityProviderMapperModel();
        m.setId(id);
        m.setName("mapper " + id);
        m.setIdentityProviderAlias("proconnect");
        m.setIdentityProviderMapper(type);
        m.setConfig(new HashMap<>(config));
        return m;
    }

    @Test
    void theAllowListsReachTheCoresPolicyAsLists() {
        // What the console's multivalued fields store: values joined with "##", an empty last line.
        GouvConnectConfig config = withConfig("proconnect", Map.of(
                GouvConnectConfig.ALLOWED_SIRETS, "11000101300017## 73282932000074 ##",
                GouvConnectConfig.ALLOWED_EMAIL_DOMAINS, "interieur.gouv.fr",
                GouvConnectConfig.ALLOWED_ROLES, "##"));
        ObjectNode policy = config.policyJson();
        assertEquals("[\"11000101300017\",\"73282932000074\"]", policy.get("allowed_sirets").toString());
        assertEquals("[\"interieur.gouv.fr\"]", policy.get("allowed_email_domains").toString());
        // Only blanks, or absent: no list (no restriction), not an empty one.
        assertFalse(policy.has("allowed_roles"));
        assertFalse(policy.has("allowed_profession_codes"));
        ObjectNode psc = withConfig("prosanteconnect", Map.of(GouvConnectConfig.ALLOWED_PROFESSION_CODES, "10##21")).policyJson();
        assertEquals("[\"10\",\"21\"]", psc.get("allowed_profession_codes").toString());
        assertEquals(false, psc.get("accept_unverified_email").asBoolean(true));
    }

    @Test
    void theMappersRulesJoinTheAdvancedMappingUnderTheirOwnNames() throws Exception {
        IdentityProviderMapperModel claim = mapper("m1", GouvConnectClaimAttributeMapper.ID, Map.of(
                GouvConnectClaimAttributeMapper.CLAIM, " proconnect.siret ", GouvConnectClaimAttributeMapper.ATTRIBUTE, "etablissement"));
        IdentityProviderMapperModel rule = mapper("m2", GouvConnectGroupRuleMapper.ID, Map.of(
                GouvConnectGroupRuleMapper.FIELD, "proconnect.roles", GouvConnectGroupRuleMapper.CONDITION, "in",
                GouvConnectGroupRuleMapper.VALUE, "agent_public, dirigeant,", GouvConnectGroupRuleMapper.GROUP, "agents"));
        String merged = GouvConnectMapper.merge("{\"fields\": {\"siret\": \"proconnect.siret\"}}", List.of(claim, rule));
        JsonNode m = JSON.readTree(merged);
        assertEquals("proconnect.siret", m.at("/fields/siret").asText());
        assertEquals("proconnect.siret", m.get("fields").get("gouvconnect-mapper/m1/etablissement").asText());
        JsonNode group = m.get("groups").get(0);
        assertEquals("gouvconnect-mapper/m2/agents", group.get("group").asText());
        assertEquals("proconnect.roles", group.get("field").asText());
        assertEquals("[\"agent_public\",\"dirigeant\"]", group.get("in").toString());
        // The core takes the merged mapping as it is.
        NativeClient.checkMapping(merged);
        // No mapper: the advanced field untouched, null included (the core's defaults).
        assertNull(GouvConnectMapper.merge(null, List.of()));
        assertEquals("{\"fields\": {}}", GouvConnectMapper.merge("{\"fields\": {}}", List.of()));
        // A broken advanced field goes to the core unchanged, for its message.
        assertEquals("{\"fields\": [", GouvConnectMapper.merge("{\"fields\": [", List.of(claim)));
        // Only mappers: their rules alone.
        assertEquals(1, JSON.readTree(GouvConnectMapper.merge(null, List.of(claim))).get("fields").size());
    }

    @Test
    void aMapperRuleTheCoreRefusesIsLeftOutOfTheLogin() throws Exception {
        IdentityProviderMapperModel typo = mapper("m3", GouvConnectClaimAttributeMapper.ID, Map.of(
                GouvConnectClaimAttributeMapper.CLAIM, "proconect.siret", GouvConnectClaimAttributeMapper.ATTRIBUTE, "x"));
        IdentityProviderMapperModel good = mapper("m4", GouvConnectGroupRuleMapper.ID, Map.of(
                GouvConnectGroupRuleMapper.FIELD, "proconnect.siret", GouvConnectGroupRuleMapper.CONDITION, "present",
                GouvConnectGroupRuleMapper.GROUP, "siret-{proconnect.siret}"));
        JsonNode m = JSON.readTree(GouvConnectMapper.merge(null, List.of(typo, good)));
        assertEquals(0, m.get("fields").size());
        JsonNode rule = m.get("groups").get(0);
        assertEquals("gouvconnect-mapper/m4/siret-{proconnect.siret}", rule.get("group").asText());
        // "present": none of equals, in, prefix.
        assertFalse(rule.has("equals") || rule.has("in") || rule.has("prefix"));
        // The rule as the admin wrote it is what the core judges on the provider's save.
        GouvConnectException e = assertThrows(GouvConnectException.class,
                () -> NativeClient.checkMapping(GouvConnectMapper.ownMapping(typo).toString()));
        assertTrue(e.getMessage().contains("mapping of `x`"), e.getMessage());
        // An unknown condition is the core's to refuse, with its words.
        IdentityProviderMapperModel odd = mapper("m5", GouvConnectGroupRuleMapper.ID, Map.of(
                GouvConnectGroupRuleMapper.FIELD, "acr", GouvConnectGroupRuleMapper.CONDITION, "contains",
                GouvConnectGroupRuleMapper.VALUE, "eidas", GouvConnectGroupRuleMapper.GROUP, "g"));
        assertThrows(GouvConnectException.class, () -> NativeClient.checkMapping(GouvConnectMapper.ownMapping(odd).toString()));
    }

    @Test
    void refusalsOutsideARequestAreInEnglish() {
        // No request, no administrator: the English bundle.
        assertEquals("Only one enabled ProConnect identity provider per realm, and “proconnect” is already enabled: the login "
                + "page would show two identical official “S’identifier avec ProConnect” buttons, and one person could be "
                + "linked twice to the same account. Edit “proconnect” instead, or disable it first.",
                ConsoleMessages.text("gouvconnectOneInstance", "ProConnect", "proconnect"));
        assertEquals("Mapper “a”: b", ConsoleMessages.text("gouvconnectMapperRefused", "a", "b"));
    }

    @Test
    void everyConsoleTextExistsInEnglishAndFrench() throws Exception {
        Properties en = bundle("/theme-resources/messages/messages_en.properties");
        Properties fr = bundle("/theme-resources/messages/messages_fr.properties");
        assertEquals(new TreeSet<>(en.stringPropertyNames()), new TreeSet<>(fr.stringPropertyNames()));
        Set<String> used = new TreeSet<>();
        List<ProviderConfigProperty> properties = new ArrayList<>();
        properties.addAll(new ProConnectIdentityProviderFactory().getConfigProperties());
        properties.addAll(new ProSanteConnectIdentityProviderFactory().getConfigProperties());
        properties.addAll(new GouvConnectClaimAttributeMapper().getConfigProperties());
        properties.addAll(new GouvConnectGroupRuleMapper().getConfigProperties());
        for (ProviderConfigProperty p : properties) {
            used.add(p.getLabel());
            used.add(p.getHelpText());
        }
        for (GouvConnectMapper mapper : List.of(new GouvConnectAttributeMapper(), new GouvConnectGroupMapper(),
                new GouvConnectClaimAttributeMapper(), new GouvConnectGroupRuleMapper())) {
            used.add(mapper.messageKey());
            used.add(mapper.messageKey() + "Help");
            // Outside a request: the English text, not the key.
            assertEquals(en.getProperty(mapper.messageKey()), mapper.getDisplayType());
        }
        for (String key : used) {
            assertTrue(en.containsKey(key), "no English text for " + key);
            assertTrue(fr.containsKey(key), "no French text for " + key);
        }
        // Texts the server formats with arguments: no plain apostrophe (MessageFormat's quote).
        for (Properties p : List.of(en, fr)) {
            for (String key : p.stringPropertyNames()) {
                assertFalse(p.getProperty(key).contains("'"), key + " has a plain apostrophe");
            }
        }
        assertEquals("Numéros SIRET autorisés", fr.getProperty(GouvConnectConfig.ALLOWED_SIRETS));
    }

    private static Properties bundle(String resource) throws Exception {
        Properties p = new Properties();
        try (var in = GouvConnectConfigTest.class.getResourceAsStream(resource)) {
            p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
        }
        return p;
    }
}
