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
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.keycloak.models.IdentityProviderModel;
import org.keycloak.provider.ProviderConfigProperty;

/** The FranceConnect and FranceConnect+ provider types: their settings page, names and keys. */
class FranceConnectConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The emulator's demo FranceConnect+ client keys (test-only, public): a private JWKS. */
    private static final Path DEMO_KEYS = Path.of(System.getProperty("gouvconnect.repo", ".."),
            "emulator", "keys", "demo-fcp-client-enc.jwks.json");

    private static Map<String, ProviderConfigProperty> byName(GouvConnectIdentityProviderFactory factory) {
        return factory.getConfigProperties().stream()
                .collect(Collectors.toMap(ProviderConfigProperty::getName, p -> p));
    }

    @Test
    void theTwoTypesAreNamedAsTheFederationsWriteThem() {
        var fc = new FranceConnectIdentityProviderFactory();
        var fcp = new FranceConnectPlusIdentityProviderFactory();
        assertEquals("franceconnect", fc.getId());
        assertEquals("FranceConnect", fc.getName());
        assertEquals("franceconnect-plus", fcp.getId());
        assertEquals("FranceConnect+", fcp.getName());
        assertEquals("FranceConnect", new GouvConnectConfig("franceconnect").federationName());
        assertEquals("FranceConnect+", new GouvConnectConfig("franceconnect-plus").federationName());
        assertEquals("ProConnect", new GouvConnectConfig("proconnect").federationName());
        assertEquals("Pro Santé Connect", new GouvConnectConfig("prosanteconnect").federationName());
        // The mappers (claim → attribute, group rule…) apply to both.
        assertTrue(List.of(new GouvConnectClaimAttributeMapper().getCompatibleProviders())
                .containsAll(List.of("franceconnect", "franceconnect-plus")));
    }

    @Test
    void theLevelsComeFromTheCoreAndNoMfaOrAllowListIsOffered() {
        Map<String, ProviderConfigProperty> fc = byName(new FranceConnectIdentityProviderFactory());
        Map<String, ProviderConfigProperty> fcp = byName(new FranceConnectPlusIdentityProviderFactory());
        assertEquals(List.of("", "eidas1"), fc.get(GouvConnectConfig.ACR).getOptions());
        assertEquals(List.of("", "eidas2", "eidas3"), fcp.get(GouvConnectConfig.ACR).getOptions());
        assertEquals(List.of("sandbox", "production"), fc.get(GouvConnectConfig.ENVIRONMENT).getOptions());
        assertEquals("gouvconnectAcrHelpFranceconnectplus", fcp.get(GouvConnectConfig.ACR).getHelpText());
        assertEquals("gouvconnectIssuerHelpFranceconnect", fc.get(GouvConnectConfig.ISSUER).getHelpText());
        for (Map<String, ProviderConfigProperty> page : List.of(fc, fcp)) {
            assertFalse(page.containsKey(GouvConnectConfig.MFA_MODE));
            assertFalse(page.containsKey(GouvConnectConfig.MFA));
            assertFalse(page.containsKey(GouvConnectConfig.ALLOWED_SIRETS));
            assertFalse(page.containsKey(GouvConnectConfig.ALLOWED_PROFESSION_CODES));
            assertTrue(page.containsKey(GouvConnectConfig.MAPPING));
        }
        // ProConnect keeps its MFA setting.
        assertTrue(byName(new ProConnectIdentityProviderFactory()).containsKey(GouvConnectConfig.MFA_MODE));
    }

    @Test
    void franceConnectPlusHasASecretKeysFieldAndTheUrlToRegister() {
        Map<String, ProviderConfigProperty> fcp = byName(new FranceConnectPlusIdentityProviderFactory());
        ProviderConfigProperty keys = fcp.get(GouvConnectConfig.DECRYPTION_KEYS);
        assertEquals(ProviderConfigProperty.PASSWORD, keys.getType());
        assertTrue(keys.isSecret());
        assertTrue(fcp.get(GouvConnectConfig.PUBLIC_KEYS_URL).isReadOnly());
        Map<String, ProviderConfigProperty> fc = byName(new FranceConnectIdentityProviderFactory());
        assertFalse(fc.containsKey(GouvConnectConfig.DECRYPTION_KEYS));
        assertFalse(fc.containsKey(GouvConnectConfig.PUBLIC_KEYS_URL));
        assertEquals("http://kc.example/auth/realms/r%C3%A9alm/gouvconnect/fc+/jwks",
                GouvConnectRealmResource.jwksUrl(URI.create("http://kc.example/auth/"), "réalm", "fc+"));
    }

    @Test
    void theKeysAreReadAsConfiguredWithoutASession() {
        IdentityProviderModel model = new IdentityProviderModel();
        model.getConfig().put(GouvConnectConfig.DECRYPTION_KEYS, "  ${vault.fcp}  ");
        GouvConnectConfig config = new GouvConnectConfig("franceconnect-plus", model);
        // No Keycloak session (no vault to ask): the text as typed, trimmed.
        assertEquals("${vault.fcp}", config.decryptionKeys(null));
        assertNull(new GouvConnectConfig("franceconnect-plus", new IdentityProviderModel()).decryptionKeys(null));
    }

    private static String coreConfig(String provider, String keys) {
        ObjectNode c = JSON.createObjectNode();
        c.put("provider", provider);
        c.put("issuer", "http://127.0.0.1:1/" + provider + "/api/v2");
        c.put("client_id", "cid");
        c.put("client_secret", "secret");
        c.put("redirect_uri", "http://127.0.0.1:8080/realms/r/broker/x/endpoint");
        if (keys != null) {
            c.put("decryption_keys", keys);
        }
        return c.toString();
    }

    @Test
    void thePublicKeysAreTheConfiguredOnesWithoutAnyPrivateMember() throws Exception {
        String privateJwks = Files.readString(DEMO_KEYS);
        Set<String> kids = new TreeSet<>();
        JSON.readTree(privateJwks).get("keys").forEach(k -> kids.add(k.get("kid").asText()));
        try (NativeClient client = new NativeClient(coreConfig("franceconnect-plus", privateJwks), null)) {
            JsonNode published = JSON.readTree(client.publicJwks());
            Set<String> publishedKids = new TreeSet<>();
            for (JsonNode key : published.get("keys")) {
                publishedKids.add(key.get("kid").asText());
                assertEquals("enc", key.get("use").asText());
                for (String member : List.of("d", "p", "q", "dp", "dq", "qi")) {
                    assertFalse(key.has(member), "private member " + member + " published");
                }
            }
            assertEquals(kids, publishedKids);
        }
        try (NativeClient fc = new NativeClient(coreConfig("franceconnect", null), null)) {
            assertNull(fc.publicJwks());
        }
        // FranceConnect+ without keys, or with public keys only: the core's invalid_config.
        GouvConnectException none = assertThrows(GouvConnectException.class,
                () -> new NativeClient(coreConfig("franceconnect-plus", null), null));
        assertEquals("invalid_config", none.getCode());
        String publicOnly = "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\","
                + "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
                + "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}]}";
        GouvConnectException pub = assertThrows(GouvConnectException.class,
                () -> new NativeClient(coreConfig("franceconnect-plus", publicOnly), null));
        assertEquals("invalid_config", pub.getCode());
        assertFalse(pub.getMessage().contains("f83OJ3D2"), "the key is not quoted in the message");
    }

    @Test
    void everyTextOfTheTwoSettingsPagesExistsInEnglishAndFrench() throws Exception {
        Properties en = bundle("/theme-resources/messages/messages_en.properties");
        Properties fr = bundle("/theme-resources/messages/messages_fr.properties");
        List<ProviderConfigProperty> properties = new ArrayList<>();
        properties.addAll(new FranceConnectIdentityProviderFactory().getConfigProperties());
        properties.addAll(new FranceConnectPlusIdentityProviderFactory().getConfigProperties());
        for (ProviderConfigProperty p : properties) {
            for (String key : new String[] {p.getLabel(), p.getHelpText()}) {
                assertTrue(en.containsKey(key), "no English text for " + key);
                assertTrue(fr.containsKey(key), "no French text for " + key);
            }
        }
    }

    private static Properties bundle(String resource) throws Exception {
        Properties p = new Properties();
        try (var in = FranceConnectConfigTest.class.getResourceAsStream(resource)) {
            p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
        }
        return p;
    }
}
