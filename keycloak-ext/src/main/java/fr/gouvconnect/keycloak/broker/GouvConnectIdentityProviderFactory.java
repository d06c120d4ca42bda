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

/** Shared factory of the two federations; subclasses fix the federation. */
public abstract class GouvConnectIdentityProviderFactory extends AbstractIdentityProviderFactory<GouvConnectIdentityProvider>
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

    /** "ProConnect" or "Pro Santé Connect", exactly as the federations write it. */
    protected abstract String federationName();

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        ProviderConfigurationBuilder builder = ProviderConfigurationBuilder.create();
        // Read-only: written by the extension when the provider is saved (GouvConnectConfig.validate).
        ProviderConfigProperty logout = new ProviderConfigProperty(GouvConnectConfig.LOGOUT_REDIRECT_URI,
                "Post-logout redirect URI",
                "Register it with " + federationName() + " next to the Redirect URI above, as the post-logout redirect URI: "
                        + "the Redirect URI followed by /logout_response. Filled in when the provider is saved.",
                ProviderConfigProperty.STRING_TYPE, null);
        logout.setReadOnly(true);
        builder.property(logout);
        // Read-only: the doctor's verdict, written on save (GouvConnectConfig.validate).
        ProviderConfigProperty status = new ProviderConfigProperty(GouvConnectConfig.CONNECTION_STATUS,
                "Connection status",
                "The going-live checks run against " + federationName() + " when you save: discovery, issuer, keys, "
                        + "credentials (a token request with an invalid code must not answer invalid_client), clock, "
                        + "scopes, acr. Save again to refresh. The full report: GET /admin/realms/<realm>/gouvconnect/doctor/<alias> "
                        + "(add ?format=text), with the \"manage identity providers\" role.",
                ProviderConfigProperty.STRING_TYPE, null);
        status.setReadOnly(true);
        builder.property(status);
        builder.property().name(GouvConnectConfig.ENVIRONMENT).label("Environment")
                .helpText("The " + federationName() + " environment your client is registered in (ignored when a custom issuer is set).")
                .type(ProviderConfigProperty.LIST_TYPE).options(environments()).defaultValue(environments().get(0)).add()
                .property().name(GouvConnectConfig.ISSUER).label("Custom issuer")
                .helpText("Only for tests and the gouvconnect emulator: an issuer URL that replaces the environment"
                        + ("proconnect".equals(kind()) ? " (ProConnect issuers end with /api/v2)" : "")
                        + ". Its discovery document is fetched when you save.")
                .type(ProviderConfigProperty.STRING_TYPE).add()
                .property().name(GouvConnectConfig.ACR).label("Minimum acr")
                .helpText("The authentication level required; the returned acr is always checked."
                        + ("prosanteconnect".equals(kind()) ? " eidas2: card required (CPS card login; eidas1 is still requested)." : "")
                        + " A realm client may ask for a higher level (acr_values or claims): it is forwarded.")
                .type(ProviderConfigProperty.LIST_TYPE).options(acrLevels()).add()
                .property().name(GouvConnectConfig.MFA_MODE).label("MFA")
                .helpText("off: no second factor asked (whether one happened is still known); prefer: asked for, a login "
                        + "without one accepted; require: only logins with a second factor, others refused with mfa_required. "
                        + "Empty: the former \"Require MFA\" switch decides. " + mfaHelp() + ".")
                .type(ProviderConfigProperty.LIST_TYPE).options("", "off", "prefer", "require").add()
                .property().name(GouvConnectConfig.MFA).label("Require MFA (former switch)")
                .helpText("Kept for existing configurations: on is MFA \"require\". Ignored when MFA above is set.")
                .type(ProviderConfigProperty.BOOLEAN_TYPE).defaultValue("false").add()
                .property().name(GouvConnectConfig.ACCEPT_UNVERIFIED_EMAIL).label("Accept unverified email")
                .helpText("Off by default: an email the provider marks unverified refuses the login (email_not_verified).")
                .type(ProviderConfigProperty.BOOLEAN_TYPE).defaultValue("false").add()
                .property().name(GouvConnectConfig.MAPPING).label("Mapping (JSON)")
                .helpText("gouvconnect mapping: {\"fields\": {\"attribute\": \"identity.path\"}, \"groups\": [...]}. "
                        + "Checked when you save.")
                .type(ProviderConfigProperty.TEXT_TYPE).add();
        extraProperties(builder);
        return builder.build();
    }

    /** How the federation shows a second factor, for the "Require MFA" help. */
    protected abstract String mfaHelp();
}
