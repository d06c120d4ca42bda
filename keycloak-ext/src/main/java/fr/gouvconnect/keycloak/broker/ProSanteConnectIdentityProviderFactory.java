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

    @Override
    protected String mfaHelp() {
        return "Pro Santé Connect logins (e-CPS app, CPS card) are always two-factor (acr eidas1), so it changes nothing here";
    }

    @Override
    protected List<String> environments() {
        return List.of("sandbox", "production");
    }


    /** PSC accepts HTTP Basic, the form body, or mutual TLS with a client certificate. */
    @Override
    protected void extraProperties(ProviderConfigurationBuilder builder) {
        builder.property().name(GouvConnectConfig.TOKEN_AUTH).label("Token endpoint authentication")
                .helpText("client_secret_post (the core's default) or client_secret_basic use the client secret; tls_client_auth presents "
                        + "the client certificate below (mutual TLS, RFC 8705) and never sends the Client Secret: "
                        + "Keycloak's console asks for one on every provider, type any placeholder.")
                .type(ProviderConfigProperty.LIST_TYPE)
                .options("client_secret_post", "client_secret_basic", GouvConnectConfig.TLS_CLIENT_AUTH)
                .defaultValue("client_secret_post").add()
                .property().name(GouvConnectConfig.TLS_CERT).label("Client certificate (PEM file)")
                .helpText("Mutual TLS: path, on the Keycloak host, of the PEM client certificate (chain) that ANS issued.")
                .type(ProviderConfigProperty.STRING_TYPE).add()
                .property().name(GouvConnectConfig.TLS_KEY).label("Client private key (PEM file)")
                .helpText("Mutual TLS: path, on the Keycloak host, of its PKCS#8 PEM private key (kept out of the realm database).")
                .type(ProviderConfigProperty.STRING_TYPE).add();
    }
}
