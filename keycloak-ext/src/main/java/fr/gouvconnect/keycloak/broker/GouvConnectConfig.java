package fr.gouvconnect.keycloak.broker;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import org.keycloak.broker.oidc.OIDCIdentityProviderConfig;
import org.keycloak.models.IdentityProviderModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.utils.KeycloakSessionUtil;
import org.keycloak.models.RealmModel;
import org.keycloak.services.Urls;

/** The admin-console configuration of a ProConnect or Pro Santé Connect instance. */
public class GouvConnectConfig extends OIDCIdentityProviderConfig {
    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();

    public static final String ENVIRONMENT = "gouvconnectEnvironment";
    public static final String ISSUER = "gouvconnectIssuer";
    public static final String ACR = "gouvconnectAcr";
    public static final String MFA = "gouvconnectRequireMfa";
    public static final String ACCEPT_UNVERIFIED_EMAIL = "gouvconnectAcceptUnverifiedEmail";
    public static final String MAPPING = "gouvconnectMapping";
    /** Pro Santé Connect: token endpoint authentication, and the client certificate for mutual TLS. */
    public static final String TOKEN_AUTH = "gouvconnectTokenAuth";
    public static final String TLS_CERT = "gouvconnectTlsClientCert";
    public static final String TLS_KEY = "gouvconnectTlsClientKey";
    public static final String TLS_CLIENT_AUTH = "tls_client_auth";

    private final String kind;

    public GouvConnectConfig(String kind) {
        this.kind = kind;
    }

    public GouvConnectConfig(String kind, IdentityProviderModel model) {
        super(model);
        this.kind = kind;
    }

    /** {@code proconnect} or {@code prosanteconnect}. */
    public String getKind() {
        return kind;
    }

    private String value(String key) {
        String v = getConfig().get(key);
        return v == null || v.isBlank() ? null : v.trim();
    }

    /** The core's mapping (JSON), or null for its defaults. */
    public String getMappingJson() {
        return value(MAPPING);
    }

    /** The token endpoint authentication: ProConnect takes only {@code client_secret_post}. */
    public String getTokenAuth() {
        String v = "prosanteconnect".equals(kind) ? value(TOKEN_AUTH) : null;
        return v != null ? v : "client_secret_post";
    }

    /** Whether the token request goes over mutual TLS with the instance's client certificate. */
    public boolean isMutualTls() {
        return TLS_CLIENT_AUTH.equals(getTokenAuth());
    }

    /** PEM file of the client certificate (mutual TLS). */
    public String getTlsClientCert() {
        return value(TLS_CERT);
    }

    /** PEM file of the client certificate's private key (PKCS#8, mutual TLS). */
    public String getTlsClientKey() {
        return value(TLS_KEY);
    }

    /** The core's client configuration for this instance and realm. */
    public String coreConfigJson(KeycloakSession session, RealmModel realm) {
        ObjectNode c = JSON.createObjectNode();
        c.put("provider", kind);
        if (value(ISSUER) != null) {
            c.put("issuer", value(ISSUER));
        } else {
            c.put("environment", value(ENVIRONMENT) != null ? value(ENVIRONMENT)
                    : ("proconnect".equals(kind) ? "integration" : "sandbox"));
        }
        c.put("client_id", getClientId() == null ? "" : getClientId());
        c.put("client_secret", getClientSecret() == null ? "" : getClientSecret());
        URI base = session.getContext().getUri().getBaseUri();
        c.put("redirect_uri", Urls.identityProviderAuthnResponse(base, getAlias(), realm.getName()).toString());
        // The admin console's "Scopes" field, when set beyond `openid`; else the provider's defaults.
        String scope = getDefaultScope();
        if (scope != null && !scope.isBlank() && !"openid".equals(scope.trim())) {
            var scopes = c.putArray("scopes");
            for (String s : scope.trim().split("\\s+")) {
                scopes.add(s);
            }
        }
                c.put("token_auth_method", getTokenAuth());
        if (isMutualTls()) {
            // The core checks that both are set; Keycloak's side reads them for the token request.
            if (getTlsClientCert() != null) {
                c.put("tls_client_cert", getTlsClientCert());
            }
            if (getTlsClientKey() != null) {
                c.put("tls_client_key", getTlsClientKey());
            }
        }
        // PKCE (S256) wherever the provider takes it: the core draws the challenge, Keycloak's
        // broker sends the verifier with the code (see GouvConnectIdentityProvider).
        c.put("use_pkce", true);
        ObjectNode policy = c.putObject("policy");
        if (value(ACR) != null) {
            policy.put("acr", value(ACR));
        }
        policy.put("require_mfa", Boolean.parseBoolean(value(MFA)));
        policy.put("accept_unverified_email", Boolean.parseBoolean(value(ACCEPT_UNVERIFIED_EMAIL)));
        return c.toString();
    }

    /** At most one enabled instance of each federation per realm. */
    @Override
    public void validate(RealmModel realm) {
        super.validate(realm);
        KeycloakSession session = KeycloakSessionUtil.getKeycloakSession();
        if (session == null || !isEnabled()) {
            return;
        }
        long others = session.identityProviders().getAllStream()
                .filter(idp -> kind.equals(idp.getProviderId()) && idp.isEnabled())
                .filter(idp -> !idp.getAlias().equals(getAlias()))
                .count();
        if (others > 0) {
            throw new IllegalArgumentException("Only one enabled " + ("proconnect".equals(kind) ? "ProConnect" : "Pro Santé Connect")
                    + " identity provider is allowed per realm: disable the other one first.");
        }
    }
}
