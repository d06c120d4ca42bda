package fr.gouvconnect.keycloak.broker;

import java.util.List;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;

/**
 * "FranceConnect+" in the admin console: citizens at the substantial or high eIDAS level, with
 * tokens encrypted to the keys whose public halves the realm serves at
 * {@code /realms/{realm}/gouvconnect/{alias}/jwks} ({@link GouvConnectRealmResource}).
 */
public class FranceConnectPlusIdentityProviderFactory extends GouvConnectIdentityProviderFactory {
    @Override
    protected String kind() {
        return GouvConnectConfig.FRANCECONNECT_PLUS;
    }

    @Override
    public String getName() {
        return federationName();
    }

    @Override
    protected String federationName() {
        return "FranceConnect+";
    }

    /** A citizen has no SIRET, role or profession, and FranceConnect+'s email is a contact address. */
    @Override
    protected List<String> allowLists() {
        return List.of();
    }

    @Override
    protected List<String> environments() {
        return List.of("sandbox", "production");
    }

    /** Every FranceConnect+ login is two-factor (eidas2 or eidas3). */
    @Override
    protected boolean hasMfaSettings() {
        return false;
    }

    /**
     * The public-keys URL to register (read-only, written on save) and the private decryption
     * keys: a secret field, masked in the console, never logged; a vault reference keeps the keys
     * out of the realm's database.
     */
    @Override
    protected void extraProperties(ProviderConfigurationBuilder builder) {
        ProviderConfigProperty url = new ProviderConfigProperty(GouvConnectConfig.PUBLIC_KEYS_URL,
                "gouvconnectPublicKeysUrl", "gouvconnectPublicKeysUrlHelp", ProviderConfigProperty.STRING_TYPE, null);
        url.setReadOnly(true);
        builder.property(url);
        builder.property().name(GouvConnectConfig.DECRYPTION_KEYS).label("gouvconnectDecryptionKeys")
                .helpText("gouvconnectDecryptionKeysHelp")
                .type(ProviderConfigProperty.PASSWORD).secret(true).add();
    }
}
