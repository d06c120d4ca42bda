package fr.gouvconnect.keycloak.broker;

import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;

/**
 * "FranceConnect+" in the admin console: citizens at the substantial or high eIDAS level, with
 * tokens encrypted to the keys whose public halves the realm serves at
 * {@code /realms/{realm}/gouvconnect/{alias}/jwks} ({@link GouvConnectRealmResource}). The same
 * settings as FranceConnect's (no allow-list, no MFA switch: every FranceConnect+ login is
 * two-factor) plus the keys.
 */
public class FranceConnectPlusIdentityProviderFactory extends FranceConnectIdentityProviderFactory {
    @Override
    protected String kind() {
        return GouvConnectConfig.FRANCECONNECT_PLUS;
    }

    @Override
    protected String federationName() {
        return "FranceConnect+";
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
