package fr.gouvconnect.keycloak.broker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import fr.gouvconnect.keycloak.GouvConnectException;
import fr.gouvconnect.keycloak.NativeClient;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.jboss.logging.Logger;
import org.keycloak.broker.oidc.OIDCIdentityProvider;
import org.keycloak.broker.oidc.OIDCIdentityProviderConfig;
import org.keycloak.broker.provider.AuthenticationRequest;
import org.keycloak.broker.provider.BrokeredIdentityContext;
import org.keycloak.broker.provider.IdentityBrokerException;
import org.keycloak.broker.provider.util.SimpleHttp;
import org.keycloak.broker.provider.UserAuthenticationIdentityProvider.AuthenticationCallback;
import org.keycloak.events.Errors;
import org.keycloak.events.EventBuilder;
import org.keycloak.events.EventType;
import org.keycloak.http.simple.SimpleHttpRequest;
import org.keycloak.truststore.TruststoreProvider;
import org.apache.http.client.HttpClient;

import org.keycloak.broker.social.SocialIdentityProvider;
import org.keycloak.jose.jws.JWSInput;
import org.keycloak.jose.jws.JWSInputException;
import org.keycloak.models.IdentityProviderMapperModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.representations.AccessTokenResponse;
import org.keycloak.representations.IDToken;
import org.keycloak.services.ErrorPage;
import org.keycloak.sessions.AuthenticationSessionModel;
import org.keycloak.util.JsonSerialization;

/**
 * ProConnect / Pro Santé Connect over Keycloak's OIDC broker: Keycloak keeps the flow
 * (state, first-broker-login, linking, token storage, logout); the gouvconnect core builds the
 * authorization URL and verifies the id_token and userinfo, enforces the policy and normalises
 * the identity. Keycloak's HTTP client does the network.
 */
public class GouvConnectIdentityProvider extends OIDCIdentityProvider
        implements SocialIdentityProvider<OIDCIdentityProviderConfig> {
    private static final Logger LOG = Logger.getLogger(GouvConnectIdentityProvider.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Context data: the normalised identity (JSON) and the core mapping's result. */
    public static final String IDENTITY = "gouvconnect.identity";
    public static final String MAPPED = "gouvconnect.mapped";
    static final String PENDING_NOTE = "GOUVCONNECT_PENDING";
    /** Keycloak's broker PKCE notes (AbstractOAuth2IdentityProvider), read by its token request. */
    private static final String BROKER_CODE_CHALLENGE = "BROKER_CODE_CHALLENGE";
    private static final String BROKER_CODE_CHALLENGE_METHOD = "BROKER_CODE_CHALLENGE_METHOD";

    private final GouvConnectConfig gcConfig;
    private final NativeClient core;

    public GouvConnectIdentityProvider(KeycloakSession session, GouvConnectConfig config) {
        super(session, config);
        this.gcConfig = config;
        RealmModel realm = session.getContext().getRealm();
        String coreConfig = config.coreConfigJson(session, realm);
        this.core = NativeClients.get(realm.getName() + "/" + config.getAlias(), coreConfig,
                () -> fetchDiscovery(session, config));
        applyEndpoints(config);
        ensureDefaultMappers(session, config.getAlias());
    }

    /**
     * A new instance gets the gouvconnect attribute and group mappers, bound to its alias, the
     * first time it is used (Keycloak has no creation hook for identity providers). An admin
     * who removes one of them and keeps the other keeps that choice.
     */
    private static void ensureDefaultMappers(KeycloakSession session, String alias) {
        var store = session.identityProviders();
        boolean any = store.getMappersByAliasStream(alias)
                .anyMatch(m -> m.getIdentityProviderMapper().startsWith("gouvconnect-"));
        if (any) {
            return;
        }
        for (String[] mapper : new String[][] {
                {"gouvconnect attributes", GouvConnectAttributeMapper.ID},
                {"gouvconnect groups", GouvConnectGroupMapper.ID}}) {
            IdentityProviderMapperModel model = new IdentityProviderMapperModel();
            model.setName(mapper[0]);
            model.setIdentityProviderAlias(alias);
            model.setIdentityProviderMapper(mapper[1]);
            model.setConfig(new HashMap<>(Map.of("syncMode", "FORCE")));
            store.createMapper(model);
        }
        LOG.infof("gouvconnect: default mappers created for identity provider %s", alias);
    }

    /** A custom issuer (emulator, tests) is described by its discovery document. */
    private static String fetchDiscovery(KeycloakSession session, GouvConnectConfig config) {
        try {
            return Discovery.fetch(session, config, Discovery.LOGIN_TIMEOUT_MILLIS);
        } catch (GouvConnectException e) {
            throw refusal(e);
        }
    }

    /** Keycloak's broker uses the endpoints the core resolved (preset or discovery). */
    private void applyEndpoints(GouvConnectConfig config) {
        try {
            JsonNode provider = JSON.readTree(core.providerJson());
            JsonNode e = provider.get("endpoints");
            config.setAuthorizationUrl(e.get("authorization").asText());
            // Mutual TLS may have its own token endpoint (RFC 8705 mtls_endpoint_aliases).
            config.setTokenUrl(config.isMutualTls() && e.hasNonNull("mtls_token")
                    ? e.get("mtls_token").asText() : e.get("token").asText());
            config.setUserInfoUrl(e.get("userinfo").asText());
            config.setJwksUrl(e.get("jwks").asText());
            config.setIssuer(e.get("issuer").asText());
            config.setLogoutUrl(e.hasNonNull("end_session") ? e.get("end_session").asText() : null);
            config.setUseJwksUrl(true);
            // The core sends the PKCE challenge where the provider takes it (createAuthorizationUrl).
            config.setPkceEnabled(provider.path("supports_pkce").asBoolean(false));
            config.setPkceMethod("S256");
            config.setValidateSignature(true);
            config.setBackchannelSupported(false);
            config.setSendIdTokenOnLogout(true);
            // ProConnect takes credentials in the form body only; PSC also takes HTTP Basic. With
            // mutual TLS, authenticateTokenRequest sends the client_id alone.
            config.setClientAuthMethod(config.isMutualTls() ? "client_secret_post" : config.getTokenAuth());
            StringBuilder scopes = new StringBuilder();
            provider.get("default_scopes").forEach(s -> scopes.append(scopes.length() == 0 ? "" : " ").append(s.asText()));
            if (config.getDefaultScope() == null || config.getDefaultScope().isBlank()
                    || "openid".equals(config.getDefaultScope().trim())) {
                config.setDefaultScope(scopes.toString());
            }
        } catch (IOException e) {
            throw new GouvConnectException("invalid_config", "unreadable provider description");
        }
    }

    /** With mutual TLS the certificate authenticates the client: no secret is sent. */
    @Override
    public SimpleHttpRequest authenticateTokenRequest(SimpleHttpRequest tokenRequest) {
        if (gcConfig.isMutualTls()) {
            return tokenRequest.param(OAUTH2_PARAMETER_CLIENT_ID, getConfig().getClientId());
        }
        return super.authenticateTokenRequest(tokenRequest);
    }

    @Override
    public Object callback(RealmModel realm, AuthenticationCallback callback, EventBuilder event) {
        return new Endpoint(callback, realm, event, this);
    }

    /**
     * Keycloak's OIDC endpoint (code exchange, logout_response), except that the token request
     * is sent by {@link TokenExchange} (its failures get the core's codes) and, with mutual TLS,
     * goes out on a client presenting the instance's certificate.
     */
    protected static class Endpoint extends OIDCEndpoint {
        private final GouvConnectIdentityProvider provider;

        public Endpoint(AuthenticationCallback callback, RealmModel realm, EventBuilder event,
                GouvConnectIdentityProvider provider) {
            super(callback, realm, event, provider);
            this.provider = provider;
        }

        /**
         * The provider's redirect back. An {@code error=} answer (the user cancelled, or the
         * provider could not meet the request) is judged by the core, like the other hosts
         * (DESIGN §5): {@code provider_access_denied} for {@code access_denied}, else
         * {@code provider_error}, shown on Keycloak's error page with that code's status and
         * logged with the provider's (filtered) words. Keycloak's own handling would send the
         * user back to the login page without a word, and log the redirect URL with its state.
         * Everything else is Keycloak's flow.
         */
        @GET
        @Override
        public Response authResponse(@QueryParam("state") String state, @QueryParam("code") String authorizationCode,
                @QueryParam("error") String error, @QueryParam("error_description") String errorDescription) {
            if (error == null || state == null) {
                return super.authResponse(state, authorizationCode, error, errorDescription);
            }
            AuthenticationSessionModel authSession;
            try {
                authSession = callback.getAndVerifyAuthenticationSession(state);
            } catch (WebApplicationException e) {
                return e.getResponse();
            }
            session.getContext().setAuthenticationSession(authSession);
            String pending = authSession.getClientNote(PENDING_NOTE);
            GouvConnectException refused;
            if (pending == null) {
                refused = new GouvConnectException("no_pending_login", "no login in progress for this session");
            } else {
                try {
                    provider.core.parseCallback(pending, session.getContext().getUri().getRequestUri().getRawQuery(), 0);
                    refused = new GouvConnectException("provider_error", "the provider answered an error");
                } catch (GouvConnectException e) {
                    refused = e;
                }
            }
            event.event(EventType.IDENTITY_PROVIDER_LOGIN);
            event.error(Errors.IDENTITY_PROVIDER_LOGIN_FAILURE);
            return ErrorPage.error(session, authSession, Response.Status.fromStatusCode(refused.getErrorCode().status()),
                    refusal(refused).getMessageCode());
        }

        @Override
        public SimpleHttpRequest generateTokenRequest(String authorizationCode) {
            SimpleHttpRequest request = super.generateTokenRequest(authorizationCode);
            GouvConnectConfig config = provider.gcConfig;
            if (request == null) {
                return null;
            }
            if (!config.isMutualTls()) {
                return TokenExchange.sendNow(request);
            }
            TruststoreProvider truststore = session.getProvider(TruststoreProvider.class);
            HttpClient client = MutualTls.httpClient(config.getTlsClientCert(), config.getTlsClientKey(),
                    truststore == null ? null : truststore.getTruststore(), 10_000);
            SimpleHttpRequest mtls = org.keycloak.http.simple.SimpleHttp.create(client).doPost(request.getUrl()).params(request.getParams());
            // Keycloak leaves the header map null when it set none (no Basic auth with mutual TLS).
            if (request.getHeaders() != null) {
                request.getHeaders().forEach(mtls::header);
            }
            return TokenExchange.sendNow(mtls);
        }
    }

    @Override
    protected UriBuilder createAuthorizationUrl(AuthenticationRequest request) {
        String state = request.getState().getEncoded();
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        String nonce = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        String options = loginOptions(request);
        try {
            JsonNode r = JSON.readTree(core.beginLogin(options, state, nonce));
            String pending = r.get("pending").asText();
            AuthenticationSessionModel authSession = request.getAuthenticationSession();
            authSession.setClientNote(PENDING_NOTE, pending);
            // Keycloak's token request adds the verifier it finds under its own PKCE note.
            JsonNode verifier = JSON.readTree(pending).get("code_verifier");
            if (verifier != null && !verifier.isNull()) {
                authSession.setClientNote(BROKER_CODE_CHALLENGE, verifier.asText());
                authSession.setClientNote(BROKER_CODE_CHALLENGE_METHOD, "S256");
            }
            return UriBuilder.fromUri(r.get("url").asText());
        } catch (IOException e) {
            throw new IdentityBrokerException("gouvconnect: unreadable login request", e);
        }
    }

    private String loginOptions(AuthenticationRequest request) {
        var options = JSON.createObjectNode();
        String loginHint = request.getAuthenticationSession().getClientNote("login_hint");
        if (loginHint != null && loginHint.contains("@") && "proconnect".equals(gcConfig.getKind())) {
            options.put("login_hint", loginHint);
        }
        return options.toString();
    }

    @Override
    public BrokeredIdentityContext getFederatedIdentity(String response) {
        AuthenticationSessionModel authSession = session.getContext().getAuthenticationSession();
        String pending = authSession == null ? null : authSession.getClientNote(PENDING_NOTE);
        if (pending == null) {
            throw refusal(new GouvConnectException("no_pending_login", "no login in progress for this session"));
        }
        try {
            AccessTokenResponse tokens = JsonSerialization.readValue(response, AccessTokenResponse.class);
            SimpleHttp.Response userinfo = SimpleHttp.doGet(getConfig().getUserInfoUrl(), session)
                    .header("Authorization", "Bearer " + tokens.getToken())
                    .header("Accept", "application/jwt, application/json")
                    .asResponse();
            String contentType;
            byte[] body;
            try (userinfo) {
                if (userinfo.getStatus() != 200) {
                    throw new GouvConnectException(userinfo.getStatus() >= 500 ? "provider_unavailable" : "provider_error",
                            "userinfo answered HTTP " + userinfo.getStatus());
                }
                contentType = userinfo.getFirstHeader("Content-Type");
                body = userinfo.asString().getBytes(StandardCharsets.UTF_8);
            }
            JsonNode login = JSON.readTree(finish(pending, response, contentType, body));
            authSession.removeClientNote(PENDING_NOTE);
            return context(login, tokens, response);
        } catch (GouvConnectException e) {
            throw refusal(e);
        } catch (IOException e) {
            throw refusal(new GouvConnectException("provider_unavailable", "userinfo: " + e.getClass().getSimpleName()));
        }
    }

    /**
     * Keycloak's error page shows the message code it is given (a text without a bundle entry
     * is shown as is): the core's message for the user, naming the stable code. Apostrophes are
     * typographic ones, which MessageFormat leaves alone.
     */
    static IdentityBrokerException refusal(GouvConnectException e) {
        // The message is the core's (provider text filtered, never a token, secret or code) or
        // one of ours (a status, a URL of the configuration, an exception class).
        LOG.warnf("gouvconnect login refused: %s", e.getMessage());
        String text = e.getErrorCode().userMessage().replace('\'', '\u2019') + " (" + e.getCode() + ")";
        return new IdentityBrokerException("gouvconnect: " + e.getCode(), e).withMessageCode(text);
    }

    /** Verifies through the core, fetching the JWKS when missing or on an unknown kid (once). */
    private String finish(String pending, String tokenResponse, String contentType, byte[] body) throws IOException {
        for (int attempt = 0; ; attempt++) {
            try {
                return core.finishLogin(pending, tokenResponse, contentType, body, 0, gcConfig.getMappingJson());
            } catch (GouvConnectException e) {
                if (!"unknown_key".equals(e.getCode()) || attempt > 0) {
                    throw e;
                }
                try (SimpleHttp.Response jwks = SimpleHttp.doGet(getConfig().getJwksUrl(), session).asResponse()) {
                    if (jwks.getStatus() != 200) {
                        throw new GouvConnectException("provider_unavailable", "JWKS answered HTTP " + jwks.getStatus());
                    }
                    core.setJwks(jwks.asString().getBytes(StandardCharsets.UTF_8));
                }
            }
        }
    }

    private BrokeredIdentityContext context(JsonNode login, AccessTokenResponse tokens, String response) {
        JsonNode identity = login.get("identity");
        BrokeredIdentityContext context = new BrokeredIdentityContext(identity.get("sub").asText(), getConfig());
        String email = text(identity, "email");
        context.setEmail(email);
        context.setFirstName(text(identity, "given_name"));
        context.setLastName(text(identity, "family_name"));
        context.setUsername(Usernames.of(identity, email));
        context.setBrokerUserId(getConfig().getAlias() + "." + identity.get("sub").asText());
        context.setIdp(this);
        context.getContextData().put(IDENTITY, identity.toString());
        context.getContextData().put(MAPPED, login.get("mapped").toString());
        // Keycloak's own bookkeeping: stored tokens, id_token for logout.
        context.getContextData().put(FEDERATED_ACCESS_TOKEN_RESPONSE, tokens);
        if (Boolean.TRUE.equals(getConfig().isStoreToken())) {
            context.setToken(response);
        }
        // Keycloak's own id_token checks would fail here (the core owns the nonce): the token the
        // core verified is handed to Keycloak already parsed.
        try {
            context.getContextData().put(VALIDATED_ID_TOKEN,
                    new JWSInput(tokens.getIdToken()).readJsonContent(IDToken.class));
        } catch (JWSInputException e) {
            throw refusal(new GouvConnectException("malformed_response", "unreadable id_token"));
        }
        return context;
    }

    /**
     * {@code emailVerified} follows the identity rather than only the "Trust email" switch: an
     * email the provider marks verified, or a ProConnect email left unmarked (ProConnect sends
     * no {@code email_verified}; an identity provider's explicit word arrives in
     * {@code custom.email_verified}, which the core reads into the identity), is verified; an
     * email marked unverified is not (it only got here with "Accept unverified email" on); no
     * email, nothing verified. "Trust email" on keeps Keycloak's meaning: every email from this
     * provider is verified.
     */
    @Override
    protected void setEmailVerified(UserModel user, BrokeredIdentityContext context) {
        Object identityJson = context.getContextData().get(IDENTITY);
        if (identityJson == null || Boolean.TRUE.equals(getConfig().isTrustEmail())) {
            super.setEmailVerified(user, context);
            return;
        }
        AuthenticationSessionModel authSession = context.getAuthenticationSession();
        boolean isNewUser = authSession != null
                && Boolean.parseBoolean(authSession.getAuthNote(BROKER_REGISTERED_NEW_USER));
        String email = context.getEmail();
        if (!isNewUser && (email == null || email.equalsIgnoreCase(user.getEmail()))) {
            return;
        }
        try {
            JsonNode identity = JSON.readTree(identityJson.toString());
            JsonNode verified = identity.get("email_verified");
            boolean isVerified = verified != null && verified.isBoolean()
                    ? verified.asBoolean()
                    : "proconnect".equals(gcConfig.getKind()) && email != null;
            user.setEmailVerified(isVerified);
        } catch (IOException e) {
            user.setEmailVerified(false);
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    /** The core already checked the nonce (and everything else) in {@link #getFederatedIdentity}. */
    @Override
    public void preprocessFederatedIdentity(KeycloakSession session, RealmModel realm, BrokeredIdentityContext context) {
        // Keycloak's version compares the id_token nonce with its own note, which the core replaces.
    }

    @Override
    public void authenticationFinished(AuthenticationSessionModel authSession, BrokeredIdentityContext context) {
        AccessTokenResponse tokens = (AccessTokenResponse) context.getContextData().get(FEDERATED_ACCESS_TOKEN_RESPONSE);
        if (tokens != null && tokens.getIdToken() != null) {
            authSession.setUserSessionNote(FEDERATED_ID_TOKEN, tokens.getIdToken());
        }
    }
}
