package fr.gouvconnect.keycloak.broker;

import com.fasterxml.jackson.databind.ObjectMapper;
import fr.gouvconnect.keycloak.NativeClient;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.keycloak.broker.provider.AbstractIdentityProviderFactory;
import org.keycloak.broker.social.SocialIdentityProviderFactory;
import org.keycloak.models.IdentityProviderModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;

/** Shared factory of the federations; subclasses fix the federation. */
public abstract class GouvConnectIdentityProviderFactory
        extends AbstractIdentityProviderFactory<GouvConnectIdentityProvider>
        implements SocialIdentityProviderFactory<GouvConnectIdentityProvider> {

    protected abstract String kind();

    protected abstract List<String> environments();

    /** The acr values a minimum can be chosen from, from the core (none: the first entry). */
    protected List<String> acrLevels() {
        List<String> levels = new ArrayList<>();
        levels.add("");
        try {
            new ObjectMapper().readTree(NativeClient.acrLevels(kind())).forEach(v -> levels.add(v.asText()));
        } catch (IOException e) {
            throw new IllegalStateException("unreadable acr levels from the native core", e);
        }
        return levels;
    }

    /**
     * Whether the MFA settings are shown: not for FranceConnect (its only level, eidas1, has no
     * second factor; the core refuses MFA required there) nor FranceConnect+ (always two-factor).
     */
    protected boolean hasMfaSettings() {
        return true;
    }

    /** Extra admin-console fields of one federation. */
    protected void extraProperties(ProviderConfigurationBuilder builder) {
    }

    @Override
    public String getId() {
        return kind();
    }

    @Override
    public GouvConnectIdentityProvider create(KeycloakSession session, IdentityProviderModel model) {
        return new GouvConnectIdentityProvider(session, new GouvConnectConfig(kind(), model));
    }

    @Override
    public IdentityProviderModel createConfig() {
        return new GouvConnectConfig(kind());
    }

    /** "ProConnect", "Pro Santé Connect", "FranceConnect"…, exactly as the federations write it. */
    protected abstract String federationName();

    /**
     * The settings page. Labels and help texts are message keys: the admin console translates
     * them in the administrator's language from the jar's theme-resources message bundles
     * ({@code messages_en.properties}, {@code messages_fr.properties}). A key ending in the
     * federation's id ({@code …Proconnect}, {@code …Prosanteconnect}, {@code …Franceconnect},
     * {@code …Franceconnectplus}) says something only true of that federation.
     */
    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        ProviderConfigurationBuilder builder = ProviderConfigurationBuilder.create();
        // Read-only: written by the extension when the provider is saved (GouvConnectConfig.validate).
        ProviderConfigProperty logout = new ProviderConfigProperty(GouvConnectConfig.LOGOUT_REDIRECT_URI,
                "gouvconnectLogoutRedirectUri", "gouvconnectLogoutRedirectUriHelp",
                ProviderConfigProperty.STRING_TYPE, null);
        logout.setReadOnly(true);
        builder.property(logout);
        // Read-only: the doctor's verdict, written on save (GouvConnectConfig.validate).
        ProviderConfigProperty status = new ProviderConfigProperty(GouvConnectConfig.CONNECTION_STATUS,
                "gouvconnectConnectionStatus", "gouvconnectConnectionStatusHelp",
                ProviderConfigProperty.STRING_TYPE, null);
        status.setReadOnly(true);
        builder.property(status);
        builder.property().name(GouvConnectConfig.ENVIRONMENT).label("gouvconnectEnvironment")
                .helpText("gouvconnectEnvironmentHelp")
                .type(ProviderConfigProperty.LIST_TYPE).options(environments()).defaultValue(environments().get(0))
                .add()
                .property().name(GouvConnectConfig.ISSUER).label("gouvconnectIssuer")
                .helpText(federationKey("gouvconnectIssuerHelp"))
                .type(ProviderConfigProperty.STRING_TYPE).add()
                .property().name(GouvConnectConfig.ACR).label("gouvconnectAcr")
                .helpText(federationKey("gouvconnectAcrHelp"))
                .type(ProviderConfigProperty.LIST_TYPE).options(acrLevels()).add();
        if (hasMfaSettings()) {
            builder.property().name(GouvConnectConfig.MFA_MODE).label("gouvconnectMfa")
                    .helpText(federationKey("gouvconnectMfaHelp"))
                    .type(ProviderConfigProperty.LIST_TYPE).options("", "off", "prefer", "require").add()
                    .property().name(GouvConnectConfig.MFA).label("gouvconnectRequireMfa")
                    .helpText("gouvconnectRequireMfaHelp")
                    .type(ProviderConfigProperty.BOOLEAN_TYPE).defaultValue("false").add();
        }
        builder.property().name(GouvConnectConfig.ACCEPT_UNVERIFIED_EMAIL).label("gouvconnectAcceptUnverifiedEmail")
                .helpText("gouvconnectAcceptUnverifiedEmailHelp")
                .type(ProviderConfigProperty.BOOLEAN_TYPE).defaultValue("false").add()
                .property().name(GouvConnectConfig.LOGIN_LIFETIME).label("gouvconnectLoginLifetime")
                .helpText("gouvconnectLoginLifetimeHelp")
                .type(ProviderConfigProperty.STRING_TYPE).add();
        // The policy's allow-lists this federation's identity can be checked against, one
        // value a line (the console stores them joined with Keycloak's "##").
        for (String list : allowLists()) {
            builder.property().name(list).label(list).helpText(list + "Help")
                    .type(ProviderConfigProperty.MULTIVALUED_STRING_TYPE).add();
        }
        extraProperties(builder);
        // Last: the mappers (Mappers tab) cover the usual cases; the core's JSON stays for the rest.
        builder.property().name(GouvConnectConfig.MAPPING).label("gouvconnectMapping")
                .helpText("gouvconnectMappingHelp")
                .type(ProviderConfigProperty.TEXT_TYPE).add();
        return builder.build();
    }

    /** The allow-list fields shown for this federation (config keys, also their label keys). */
    protected abstract List<String> allowLists();

    /** A message key for a text that names or concerns this federation only. */
    private String federationKey(String base) {
        String id = kind().replace("-", "");
        return base + Character.toUpperCase(id.charAt(0)) + id.substring(1);
    }

}
