package fr.gouvconnect.keycloak.broker;

import java.util.List;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;

/** "Pro Santé Connect" in the admin console. */
public class ProSanteConnectIdentityProviderFactory extends GouvConnectIdentityProviderFactory {
    @Override
    protected String kind() {
        return "prosanteconnect";
    }

    @Override
    public String getName() {
        return federationName();
    }

    @Override
    protected String federationName() {
        return "Pro Santé Connect";
    }

    /** Pro Santé Connect sends no email, SIRET or roles: the practices' profession codes. */
    @Override
    protected List<String> allowLists() {
        return List.of(GouvConnectConfig.ALLOWED_PROFESSION_CODES);
    }

    @Override
    protected List<String> environments() {
        return List.of("sandbox", "production");
    }

    /** PSC accepts HTTP Basic, the form body, or mutual TLS with a client certificate. */
    @Override
    protected void extraProperties(ProviderConfigurationBuilder builder) {
        builder.property().name(GouvConnectConfig.TOKEN_AUTH).label("gouvconnectTokenAuth")
                .helpText("gouvconnectTokenAuthHelp")
                .type(ProviderConfigProperty.LIST_TYPE)
                .options("client_secret_post", "client_secret_basic", GouvConnectConfig.TLS_CLIENT_AUTH)
                .defaultValue("client_secret_post").add()
                .property().name(GouvConnectConfig.TLS_CERT).label("gouvconnectTlsClientCert")
                .helpText("gouvconnectTlsClientCertHelp")
                .type(ProviderConfigProperty.STRING_TYPE).add()
                .property().name(GouvConnectConfig.TLS_KEY).label("gouvconnectTlsClientKey")
                .helpText("gouvconnectTlsClientKeyHelp")
                .type(ProviderConfigProperty.STRING_TYPE).add();
    }
}
