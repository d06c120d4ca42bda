package fr.gouvconnect.keycloak.broker;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import fr.gouvconnect.keycloak.GouvConnectException;
import fr.gouvconnect.keycloak.NativeClient;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
import org.keycloak.broker.oidc.OIDCIdentityProviderConfig;
import org.keycloak.models.Constants;
import org.keycloak.models.IdentityProviderMapperModel;
import org.keycloak.models.IdentityProviderModel;
import org.keycloak.models.IdentityProviderSyncMode;
import org.keycloak.models.KeycloakSession;
import org.keycloak.utils.KeycloakSessionUtil;
import org.keycloak.models.RealmModel;
import org.keycloak.services.Urls;
import org.keycloak.vault.VaultStringSecret;

/**
 * The admin-console configuration of a ProConnect, Pro Santé Connect, FranceConnect or
 * FranceConnect+ instance.
 */
public class GouvConnectConfig extends OIDCIdentityProviderConfig {
    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();

    public static final String ENVIRONMENT = "gouvconnectEnvironment";
    public static final String ISSUER = "gouvconnectIssuer";
    public static final String ACR = "gouvconnectAcr";
    /** How long a started login may wait for its callback, in seconds (the core's default when empty). */
    public static final String LOGIN_LIFETIME = "gouvconnectLoginLifetime";
    /** Keycloak's "Accepts prompt=none forward from client" (IdentityProviderAuthenticator). */
    public static final String ACCEPTS_PROMPT_NONE = "acceptsPromptNoneForwardFromClient";
    /** The former switch ("Require MFA"), kept working: {@code true} is {@code mfa: require}. */
    public static final String MFA = "gouvconnectRequireMfa";
    /** {@code off}, {@code prefer} or {@code require}; empty: the former switch decides. */
    public static final String MFA_MODE = "gouvconnectMfa";
    /** Read-only in the console: the doctor's verdict, written on save. */
    public static final String CONNECTION_STATUS = "gouvconnectConnectionStatus";
    public static final String ACCEPT_UNVERIFIED_EMAIL = "gouvconnectAcceptUnverifiedEmail";
    public static final String MAPPING = "gouvconnectMapping";
    /** Pro Santé Connect: token endpoint authentication, and the client certificate for mutual TLS. */
    public static final String TOKEN_AUTH = "gouvconnectTokenAuth";
    public static final String TLS_CERT = "gouvconnectTlsClientCert";
    public static final String TLS_KEY = "gouvconnectTlsClientKey";
    public static final String TLS_CLIENT_AUTH = "tls_client_auth";
    /**
     * FranceConnect+: the private decryption keys (a JWKS of private keys, or PEM), or a Keycloak
     * vault reference {@code ${vault.name}} to them. Never logged.
     */
    public static final String DECRYPTION_KEYS = "gouvconnectDecryptionKeys";
    /** Read-only in the console: FranceConnect+'s public-keys URL to register, written on save. */
    public static final String PUBLIC_KEYS_URL = "gouvconnectPublicKeysUrl";
    /** The provider id of FranceConnect+ instances (the core also reads it as its provider kind). */
    public static final String FRANCECONNECT_PLUS = "franceconnect-plus";
    /** Read-only in the console: the post-logout redirect URI to register, written on save. */
    public static final String LOGOUT_REDIRECT_URI = "gouvconnectLogoutRedirectUri";
    /**
     * The policy's allow-lists (multivalued fields: Keycloak's console joins the values with
     * {@code ##}), handed to the core as {@code allowed_sirets}, {@code allowed_email_domains},
     * {@code allowed_roles}, {@code allowed_profession_codes}.
     */
    public static final String ALLOWED_SIRETS = "gouvconnectAllowedSirets";
    public static final String ALLOWED_EMAIL_DOMAINS = "gouvconnectAllowedEmailDomains";
    public static final String ALLOWED_ROLES = "gouvconnectAllowedRoles";
    public static final String ALLOWED_PROFESSION_CODES = "gouvconnectAllowedProfessionCodes";
    private static final String[][] ALLOW_LISTS = {
        {ALLOWED_SIRETS, "allowed_sirets"},
        {ALLOWED_EMAIL_DOMAINS, "allowed_email_domains"},
        {ALLOWED_ROLES, "allowed_roles"},
        {ALLOWED_PROFESSION_CODES, "allowed_profession_codes"},
    };

    private final String kind;

    public GouvConnectConfig(String kind) {
        this.kind = kind;
    }

    public GouvConnectConfig(String kind, IdentityProviderModel model) {
        super(model);
        this.kind = kind;
    }

    /** {@code proconnect}, {@code prosanteconnect}, {@code franceconnect} or {@code franceconnect-plus}. */
    public String getKind() {
        return kind;
    }

    /** "ProConnect", "Pro Santé Connect", "FranceConnect" or "FranceConnect+". */
    public String federationName() {
        return switch (kind) {
            case "proconnect" -> "ProConnect";
            case "franceconnect" -> "FranceConnect";
            case FRANCECONNECT_PLUS -> "FranceConnect+";
            default -> "Pro Santé Connect";
        };
    }

    // Keycloak's model keeps these switches as nullable Booleans, set from what the admin REST
    // API received: the console's *Add* form sends none of them. Every getter answers Keycloak's
    // documented default (off) when the attribute is absent, so no code path meets a null.

    @Override
    public Boolean isStoreToken() {
        return Boolean.TRUE.equals(super.isStoreToken());
    }

    @Override
    public Boolean isTrustEmail() {
        return Boolean.TRUE.equals(super.isTrustEmail());
    }

    @Override
    public Boolean isLinkOnly() {
        return Boolean.TRUE.equals(super.isLinkOnly());
    }

    @Override
    public Boolean isAddReadTokenRoleOnCreate() {
        return Boolean.TRUE.equals(super.isAddReadTokenRoleOnCreate());
    }

    @Override
    public Boolean isAuthenticateByDefault() {
        return Boolean.TRUE.equals(super.isAuthenticateByDefault());
    }

    @Override
    public Boolean isHideOnLogin() {
        return Boolean.TRUE.equals(super.isHideOnLogin());
    }

    /**
     * Absent: {@code FORCE} — the federation owns the identity, so names and email follow it at
     * every login (as in the example realm).
     */
    @Override
    public IdentityProviderSyncMode getSyncMode() {
        IdentityProviderSyncMode mode = super.getSyncMode();
        return mode != null ? mode : IdentityProviderSyncMode.FORCE;
    }

    private String value(String key) {
        String v = getConfig().get(key);
        return v == null || v.isBlank() ? null : v.trim();
    }

    /** The advanced field's mapping (JSON), as the admin typed it, or null. */
    public String getAdvancedMappingJson() {
        return value(MAPPING);
    }

    /**
     * The mapping the core applies at login, or null for its defaults: the advanced field's,
     * plus the rule of each gouvconnect mapper of this instance ({@link GouvConnectMapper#merge}),
     * each under a name of its own so that every mapper reads back only its own result.
     */
    public String getMappingJson() {
        KeycloakSession session = KeycloakSessionUtil.getKeycloakSession();
        List<IdentityProviderMapperModel> mappers = session == null ? List.of() : ownMappers(session);
        return GouvConnectMapper.merge(getAdvancedMappingJson(), mappers);
    }

    /** This instance's mappers that carry a rule of their own (claim → attribute, group rule). */
    private List<IdentityProviderMapperModel> ownMappers(KeycloakSession session) {
        try {
            return session.identityProviders().getMappersByAliasStream(getAlias())
                    .filter(m -> GouvConnectMapper.hasOwnRule(m.getIdentityProviderMapper()))
                    .toList();
        } catch (RuntimeException e) {
            // No realm in this session's context (a unit test, a start-up task): no mapper.
            return List.of();
        }
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
        String lifetime = value(LOGIN_LIFETIME);
        if (lifetime != null) {
            // A number as a number; anything else as typed, for the core to refuse with its message.
            try {
                c.put("pending_login_max_age_secs", Long.parseLong(lifetime.trim()));
            } catch (NumberFormatException e) {
                c.put("pending_login_max_age_secs", lifetime);
            }
        }
        if (FRANCECONNECT_PLUS.equals(kind)) {
            // Empty when unset: the core refuses a FranceConnect+ client without keys, with its message.
            String keys = decryptionKeys(session);
            if (keys != null) {
                c.put("decryption_keys", keys);
            }
        }
        c.set("policy", policyJson());
        return c.toString();
    }

    /**
     * FranceConnect+'s private decryption keys as configured, a vault reference resolved through
     * Keycloak's vault (any other text is returned as is); null when unset or not found.
     */
    String decryptionKeys(KeycloakSession session) {
        String configured = value(DECRYPTION_KEYS);
        if (configured == null || session == null) {
            return configured;
        }
        try (VaultStringSecret secret = session.vault().getStringSecret(configured)) {
            return secret.get().orElse(null);
        }
    }

    /**
     * The core's policy: minimum acr, MFA, the email rule and the allow-lists, as the settings
     * page holds them (the core validates and applies them).
     */
    ObjectNode policyJson() {
        ObjectNode policy = JSON.createObjectNode();
        if (value(ACR) != null) {
            policy.put("acr", value(ACR));
        }
        if (value(MFA_MODE) != null) {
            policy.put("mfa", value(MFA_MODE));
        } else {
            policy.put("require_mfa", Boolean.parseBoolean(value(MFA)));
        }
        policy.put("accept_unverified_email", Boolean.parseBoolean(value(ACCEPT_UNVERIFIED_EMAIL)));
        for (String[] list : ALLOW_LISTS) {
            List<String> values = listValue(list[0]);
            if (!values.isEmpty()) {
                var array = policy.putArray(list[1]);
                values.forEach(array::add);
            }
        }
        return policy;
    }

    /**
     * A multivalued field's values: Keycloak's console joins them with {@code ##}
     * ({@code Constants.CFG_DELIMITER}); blanks (an empty line left in the form) are dropped.
     */
    List<String> listValue(String key) {
        String v = getConfig().get(key);
        if (v == null) {
            return List.of();
        }
        return Arrays.stream(v.split(Constants.CFG_DELIMITER, -1)).map(String::trim).filter(x -> !x.isEmpty()).toList();
    }

    /**
     * Runs when the admin saves (admin REST API create and update, realm import): fills the
     * attributes the console's *Add* form leaves out, then refuses what a login would refuse
     * later — a mapping the core cannot use, a custom issuer whose discovery cannot be fetched,
     * a configuration the core rejects — with the core's message. An IllegalArgumentException
     * is Keycloak's way to answer 400 with that message.
     */
    @Override
    public void validate(RealmModel realm) {
        applyDefaults();
        super.validate(realm);
        KeycloakSession session = KeycloakSessionUtil.getKeycloakSession();
        if (session != null && isEnabled()) {
            // One enabled instance per federation: the login page draws one official button per
            // federation, and a person links one account once (the message says so).
            var other = session.identityProviders().getAllStream()
                    .filter(idp -> kind.equals(idp.getProviderId()) && idp.isEnabled())
                    .filter(idp -> !idp.getAlias().equals(getAlias()))
                    .findFirst();
            if (other.isPresent()) {
                throw new IllegalArgumentException(ConsoleMessages.text("gouvconnectOneInstance",
                        federationName(), other.get().getAlias()));
            }
        }
        if (getAdvancedMappingJson() != null) {
            try {
                NativeClient.checkMapping(getAdvancedMappingJson());
            } catch (GouvConnectException e) {
                throw new IllegalArgumentException(ConsoleMessages.text("gouvconnectMappingRefused", coreMessage(e)));
            }
        }
        // Keycloak (26.7) gives an identity-provider mapper no hook on its own save: its rule is
        // checked by the core here, each time the provider is saved, and at every login.
        if (session != null) {
            for (IdentityProviderMapperModel mapper : ownMappers(session)) {
                try {
                    NativeClient.checkMapping(GouvConnectMapper.ownMapping(mapper).toString());
                } catch (GouvConnectException e) {
                    throw new IllegalArgumentException(ConsoleMessages.text("gouvconnectMapperRefused",
                            mapper.getName(), coreMessage(e)));
                }
            }
        }
        URI base = requestBaseUri(session);
        if (base == null) {
            // No HTTP request (realm import at start-up): nothing to fetch from, nothing to show.
            return;
        }
        getConfig().put(LOGOUT_REDIRECT_URI,
                Urls.identityProviderAuthnResponse(base, getAlias(), realm.getName()) + "/logout_response");
        if (FRANCECONNECT_PLUS.equals(kind)) {
            getConfig().put(PUBLIC_KEYS_URL, GouvConnectRealmResource.jwksUrl(base, realm.getName(), getAlias()));
        }
        if (!isEnabled()) {
            return;
        }
        String discovery;
        try {
            discovery = Discovery.fetch(session, this, Discovery.SAVE_TIMEOUT_MILLIS);
        } catch (GouvConnectException e) {
            throw new IllegalArgumentException(ConsoleMessages.text("gouvconnectIssuerRefused", federationName(),
                    coreMessage(e)));
        }
        try (NativeClient client = new NativeClient(coreConfigJson(session, realm), discovery)) {
            client.providerJson();
        } catch (GouvConnectException e) {
            throw new IllegalArgumentException(ConsoleMessages.text("gouvconnectConfigRefused", federationName(),
                    coreMessage(e)));
        }
        getConfig().put(CONNECTION_STATUS, connectionStatus(session, realm));
    }

    /**
     * The doctor's verdict line, followed by each check to fix (id and message): what the
     * read-only "Connection status" field shows after a save. The full report is at
     * {@code GET /admin/realms/{realm}/gouvconnect/doctor/{alias}}.
     */
    private String connectionStatus(KeycloakSession session, RealmModel realm) {
        try {
            var result = Doctors.run(session, realm, this, Discovery.SAVE_TIMEOUT_MILLIS);
            StringBuilder status = new StringBuilder(Doctors.verdictLine(result));
            result.path("report").path("checks").forEach(c -> {
                if ("fail".equals(c.path("verdict").asText())) {
                    status.append(" | ").append(c.path("id").asText()).append(": ").append(c.path("message").asText());
                }
            });
            return status.length() > 1000 ? status.substring(0, 1000) : status.toString();
        } catch (RuntimeException e) {
            return "not checked: " + e.getClass().getSimpleName();
        }
    }

    /** What the console's *Add* form leaves out, stored with Keycloak's defaults and ours. */
    private void applyDefaults() {
        setStoreToken(isStoreToken());
        setTrustEmail(isTrustEmail());
        setLinkOnly(isLinkOnly());
        setAddReadTokenRoleOnCreate(isAddReadTokenRoleOnCreate());
        setAuthenticateByDefault(isAuthenticateByDefault());
        setHideOnLogin(isHideOnLogin());
        setSyncMode(getSyncMode());
        // A realm client's prompt=none goes on to the provider (silent login), whose
        // login_required comes back to the client as Keycloak's own login_required.
        getConfig().putIfAbsent(ACCEPTS_PROMPT_NONE, "true");
        if (getDisplayName() == null || getDisplayName().isBlank()) {
            // Keycloak's console titles an unnamed provider after its id ("Proconnect").
            setDisplayName(federationName());
        }
    }

    /** The core's message without the code prefix the exception adds. */
    static String coreMessage(GouvConnectException e) {
        String prefix = e.getCode() + ": ";
        String message = e.getMessage();
        return (message.startsWith(prefix) ? message.substring(prefix.length()) : message) + " (" + e.getCode() + ")";
    }

    /** The base URI of the admin request being served, or null outside a request. */
    private static URI requestBaseUri(KeycloakSession session) {
        if (session == null) {
            return null;
        }
        try {
            return session.getContext().getUri().getBaseUri();
        } catch (RuntimeException e) {
            return null;
        }
    }
}
