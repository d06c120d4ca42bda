package fr.gouvconnect.keycloak.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.keycloak.common.enums.SslRequired;
import org.keycloak.models.IdentityProviderModel;
import org.keycloak.models.IdentityProviderSyncMode;
import org.keycloak.models.RealmModel;

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
}
