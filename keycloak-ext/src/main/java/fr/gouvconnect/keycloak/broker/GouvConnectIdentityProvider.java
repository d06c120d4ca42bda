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
import org.keycloak.models.FederatedIdentityModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.services.managers.AuthenticationSessionManager;
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

    /** User-session notes: the level the provider returned, and whether a second factor was used. */
    public static final String ACR_NOTE = "gouvconnect.acr";
    public static final String MFA_NOTE = "gouvconnect.mfa";
    /** Context data: {@code Identity::email_trusted} as the core answered it. */
    static final String EMAIL_TRUSTED = "gouvconnect.email_trusted";
    /** Client note (auth notes do not survive first-broker-login): the login's audit event (JSON, no token or secret) until the login completes. */
    static final String AUDIT_NOTE = "gouvconnect.audit";

    private final GouvConnectConfig gcConfig;
    private final NativeClient core;
    /** The broker's event builder of this request (the provider lives for one request). */
    private EventBuilder event;

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
        this.event = event;
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
         * (docs/architecture.md §5): {@code provider_access_denied} for {@code access_denied}, else
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
            refusalDetails(event, provider.gcConfig, refused);
            if ("login_required".equals(refused.getCode())) {
                // A silent login (prompt=none) found nobody signed in at the provider: Keycloak
                // answers the client login_required (its passive-login rule), no error page.
                LOG.debugf("gouvconnect: silent login: %s", refused.getMessage());
                return callback.error(provider.getConfig(), "login_required");
            }
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
            try {
                return sendToken(request, config);
            } catch (IdentityBrokerException e) {
                if (e.getCause() instanceof GouvConnectException g) {
                    refusalDetails(event, config, g);
                }
                throw e;
            }
        }

        private SimpleHttpRequest sendToken(SimpleHttpRequest request, GouvConnectConfig config) {
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
        AuthenticationSessionModel authSession = request.getAuthenticationSession();
        String acr = requestedAcr(authSession);
        if (acr != null) {
            options.put("acr", acr);
        }
        boolean proconnect = "proconnect".equals(gcConfig.getKind());
        String loginHint = authSession.getClientNote("login_hint");
        if (loginHint != null && loginHint.contains("@") && proconnect) {
            options.put("login_hint", loginHint);
        }
        // A realm client's prompt: none (a silent login, Keycloak forwards it when the provider
        // "accepts prompt=none forward from client"; login_required comes back to the client)
        // or login. Other values (select_account…) are Keycloak's own business.
        String prompt = authSession.getClientNote("prompt");
        if ("none".equals(prompt) || "login".equals(prompt)) {
            options.put("prompt", prompt);
        }
        StepUp stepUp = acr == null || "none".equals(prompt) ? null : stepUp(request.getRealm(), authSession, acr);
        if (stepUp != null) {
            // The core's LoginOptions::step_up: the level, ProConnect's login_hint (the user's
            // email), a fresh authentication at PSC, and the same person required on return.
            options.put("step_up_sub", stepUp.sub());
            options.remove("prompt");
            options.remove("login_hint");
            if (proconnect) {
                if (stepUp.email() != null && stepUp.email().contains("@")) {
                    options.put("login_hint", stepUp.email());
                }
            } else {
                options.put("prompt", "login");
            }
            LOG.debugf("gouvconnect: step-up to %s for a user linked to %s", acr, getConfig().getAlias());
        }
        return options.toString();
    }

    /** The user a step-up re-authenticates: the provider's sub and the user's email. */
    record StepUp(String sub, String email) {
    }

    /**
     * A step-up: this browser already has a Keycloak session whose user is linked to this
     * provider, and the level asked is above the one the session holds ({@link #ACR_NOTE}).
     */
    private StepUp stepUp(RealmModel realm, AuthenticationSessionModel authSession, String acr) {
        UserSessionModel userSession;
        try {
            userSession = new AuthenticationSessionManager(session).getUserSession(authSession);
        } catch (RuntimeException e) {
            return null;
        }
        if (userSession == null || userSession.getUser() == null) {
            return null;
        }
        UserModel user = userSession.getUser();
        FederatedIdentityModel link = session.users().getFederatedIdentity(realm, user, getConfig().getAlias());
        if (link == null || link.getUserId() == null) {
            return null;
        }
        java.util.Set<String> wanted = accepted(acr);
        String held = userSession.getNote(ACR_NOTE);
        if (wanted != null && held != null && wanted.contains(held)) {
            return null;
        }
        return new StepUp(link.getUserId(), user.getEmail());
    }

    /**
     * The level a realm client asked Keycloak for ({@code acr_values}, or the {@code acr} of the
     * {@code claims} parameter's id_token), forwarded as this login's minimum: the first value
     * the core knows for this federation (others — e.g. Keycloak LoA names — are ignored), and
     * only when it is at least the configured minimum (never lowered).
     */
    private String requestedAcr(AuthenticationSessionModel authSession) {
        java.util.List<String> values = new java.util.ArrayList<>();
        String acrValues = authSession.getClientNote("acr_values");
        if (acrValues != null) {
            values.addAll(java.util.List.of(acrValues.trim().split("\\s+")));
        }
        String claims = authSession.getClientNote("claims");
        if (claims != null) {
            try {
                JsonNode acr = JSON.readTree(claims).path("id_token").path("acr");
                if (acr.hasNonNull("value")) {
                    values.add(acr.get("value").asText());
                }
                acr.path("values").forEach(v -> values.add(v.asText()));
            } catch (IOException e) {
                // Keycloak already refused an unreadable claims parameter; nothing to forward.
            }
        }
        String configured = gcConfig.getConfig().get(GouvConnectConfig.ACR);
        java.util.Set<String> floor = accepted(configured);
        for (String value : values) {
            java.util.Set<String> wanted = accepted(value);
            if (value.isEmpty() || wanted == null) {
                continue;
            }
            // Stronger or equal: every value it accepts, the configured minimum accepts too.
            if (floor == null || floor.containsAll(wanted)) {
                return value;
            }
        }
        return null;
    }

    /** The acr values the core accepts for a minimum; null: any (no minimum) or unknown value. */
    private java.util.Set<String> accepted(String minimum) {
        if (minimum == null || minimum.isBlank()) {
            return null;
        }
        try {
            JsonNode list = JSON.readTree(NativeClient.acceptedAcr(gcConfig.getKind(), minimum, false));
            if (list.isNull()) {
                return null;
            }
            java.util.Set<String> set = new java.util.HashSet<>();
            list.forEach(v -> set.add(v.asText()));
            return set;
        } catch (GouvConnectException | IOException e) {
            return null;
        }
    }

    @Override
    public BrokeredIdentityContext getFederatedIdentity(String response) {
        AuthenticationSessionModel authSession = session.getContext().getAuthenticationSession();
        String pending = authSession == null ? null : authSession.getClientNote(PENDING_NOTE);
        if (pending == null) {
            throw refuse(new GouvConnectException("no_pending_login", "no login in progress for this session"));
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
            throw refuse(e);
        } catch (IOException e) {
            throw refuse(new GouvConnectException("provider_unavailable", "userinfo: " + e.getClass().getSimpleName()));
        }
    }

    /** {@link #refusal}, with the refusal's details on this request's event. */
    private IdentityBrokerException refuse(GouvConnectException e) {
        if (event != null) {
            refusalDetails(event, gcConfig, e);
        }
        return refusal(e);
    }

    /**
     * A refused login's details on Keycloak's event (stored with the realm's events when they
     * are on): the federation, the stable code and, when the provider reported one, its OAuth
     * error word (filtered by the core). Never a token, secret, code, state or nonce.
     */
    static void refusalDetails(EventBuilder event, GouvConnectConfig config, GouvConnectException e) {
        event.detail("gouvconnect_event", "login_refused");
        event.detail("gouvconnect_provider", config.getKind());
        event.detail("gouvconnect_code", e.getCode());
        if (e.getProviderError() != null) {
            event.detail("gouvconnect_provider_error", e.getProviderError());
        }
    }

    /**
     * A login's details on Keycloak's event (the LOGIN event that follows, or the first-broker
     * login's): the core's audit event fields — federation, sub, acr, ProConnect's idp_id and
     * SIRET — prefixed {@code gouvconnect_}. The core's event carries no token or secret.
     */
    private void loginDetails(JsonNode audit, AuthenticationSessionModel authSession) {
        if (audit == null) {
            return;
        }
        if (event != null) {
            loginDetails(event, audit);
        }
        // A new user goes through first-broker-login: Keycloak's LOGIN event is then built by a
        // later request, which authenticationFinished completes from this note.
        if (authSession != null) {
            authSession.setClientNote(AUDIT_NOTE, audit.toString());
        }
    }

    private static void loginDetails(EventBuilder event, JsonNode audit) {
        event.detail("gouvconnect_event", audit.path("event").asText());
        for (String field : new String[] {"provider", "sub", "acr", "idp_id", "siret"}) {
            if (audit.hasNonNull(field)) {
                event.detail("gouvconnect_" + field, audit.get(field).asText());
            }
        }
    }

    /**
     * After first-broker-login (another request than the provider's callback, whose event
     * builder this provider never sees): an {@code IDENTITY_PROVIDER_FIRST_LOGIN} event with the
     * login's gouvconnect details, so that a new user's login is in the event store too.
     */
    private void firstLoginEvent(AuthenticationSessionModel authSession) {
        String audit = authSession.getClientNote(AUDIT_NOTE);
        authSession.removeClientNote(AUDIT_NOTE);
        if (audit == null || event != null) {
            return;
        }
        try {
            RealmModel realm = authSession.getRealm();
            EventBuilder first = new EventBuilder(realm, session, session.getContext().getConnection())
                    .event(EventType.IDENTITY_PROVIDER_FIRST_LOGIN)
                    .client(authSession.getClient())
                    .detail("identity_provider", getConfig().getAlias());
            if (authSession.getAuthenticatedUser() != null) {
                first.user(authSession.getAuthenticatedUser());
            }
            loginDetails(first, JSON.readTree(audit));
            first.success();
        } catch (IOException | RuntimeException e) {
            LOG.warnf("gouvconnect: login event not recorded: %s", e.getClass().getSimpleName());
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
        context.getContextData().put(EMAIL_TRUSTED, login.path("email_trusted").asBoolean(false));
        loginDetails(login.get("audit"), session.getContext().getAuthenticationSession());
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
            throw refuse(new GouvConnectException("malformed_response", "unreadable id_token"));
        }
        return context;
    }

    /**
     * {@code emailVerified} follows the core's {@code Identity::email_trusted} (the provider
     * marked the email verified, or — ProConnect, which sends no {@code email_verified} — its
     * identity provider did not mark it unverified; no email, nothing verified) rather than only
     * the "Trust email" switch. "Trust email" on keeps Keycloak's meaning: every email from this
     * provider is verified.
     */
    @Override
    protected void setEmailVerified(UserModel user, BrokeredIdentityContext context) {
        Object trusted = context.getContextData().get(EMAIL_TRUSTED);
        if (trusted == null || Boolean.TRUE.equals(getConfig().isTrustEmail())) {
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
        user.setEmailVerified(Boolean.TRUE.equals(trusted));
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
        firstLoginEvent(authSession);
        // The level the provider returned, for the realm's clients: a "User Session Note"
        // mapper (note gouvconnect.acr) puts it into their tokens.
        Object identityJson = context.getContextData().get(IDENTITY);
        if (identityJson != null) {
            try {
                JsonNode identity = JSON.readTree(identityJson.toString());
                String acr = text(identity, "acr");
                if (acr != null) {
                    authSession.setUserSessionNote(ACR_NOTE, acr);
                }
                authSession.setUserSessionNote(MFA_NOTE, String.valueOf(identity.path("mfa").asBoolean(false)));
            } catch (IOException e) {
                // The identity came from the core: unreadable only if something is badly wrong.
                LOG.warn("gouvconnect: unreadable identity, no acr session note");
            }
        }
    }
}
