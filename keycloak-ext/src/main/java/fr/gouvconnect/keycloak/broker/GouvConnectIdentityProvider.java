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
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.UriInfo;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
import org.keycloak.services.Urls;
import org.keycloak.sessions.AuthenticationSessionModel;
import org.keycloak.util.JsonSerialization;

/**
 * ProConnect / Pro Santé Connect over Keycloak's OIDC broker: Keycloak keeps the flow
 * (its state, first-broker-login, linking, token storage, sessions); the gouvconnect core takes
 * every protocol decision — the authorization request (level, hints, prompt, step-up, nonce,
 * PKCE), the callback's checks, the judgement of each HTTP answer and when to fetch the keys
 * again, the verification, the policy, the identity and the username, the logout state.
 * This class only moves bytes between Keycloak and the core (docs/architecture.md §3).
 */
public class GouvConnectIdentityProvider extends OIDCIdentityProvider
        implements SocialIdentityProvider<OIDCIdentityProviderConfig> {
    private static final Logger LOG = Logger.getLogger(GouvConnectIdentityProvider.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** At most this many requests after the token answer: userinfo, then the keys once. */
    private static final int MAX_EXCHANGE_SENDS = 4;
    /** Realm/alias → the configuration whose default mappers were last checked in this JVM. */
    private static final ConcurrentHashMap<String, String> MAPPERS_CHECKED = new ConcurrentHashMap<>();

    /** Context data: the normalised identity (JSON) and the core mapping's result. */
    public static final String IDENTITY = "gouvconnect.identity";
    public static final String MAPPED = "gouvconnect.mapped";
    static final String PENDING_NOTE = "GOUVCONNECT_PENDING";
    /** User-session note: the core's pending logout, until the provider comes back. */
    static final String LOGOUT_NOTE = "gouvconnect.logout";
    /** Keycloak's broker PKCE notes (AbstractOAuth2IdentityProvider), read by its token request. */
    private static final String BROKER_CODE_CHALLENGE = "BROKER_CODE_CHALLENGE";
    private static final String BROKER_CODE_CHALLENGE_METHOD = "BROKER_CODE_CHALLENGE_METHOD";

    /** User-session notes: the level the provider returned, and whether a second factor was used. */
    public static final String ACR_NOTE = "gouvconnect.acr";
    public static final String MFA_NOTE = "gouvconnect.mfa";
    /** Context data: {@code Identity::email_trusted} as the core answered it. */
    static final String EMAIL_TRUSTED = "gouvconnect.email_trusted";
    /**
     * Client note (auth notes do not survive first-broker-login): the login's audit event (JSON, no token or secret)
     * until the login completes.
     */
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
        // Keycloak builds a provider for every request of a login (3 or 4): the mapper check
        // is an uncached database query, so it stops once a configuration found its mappers.
        String instance = realm.getName() + "/" + config.getAlias();
        if (!coreConfig.equals(MAPPERS_CHECKED.get(instance)) && ensureDefaultMappers(session, config.getAlias())) {
            MAPPERS_CHECKED.put(instance, coreConfig);
        }
    }

    /**
     * A new instance gets the gouvconnect attribute and group mappers, bound to its alias, the
     * first time it is used (Keycloak has no creation hook for identity providers). An admin
     * who removes one of them and keeps the other keeps that choice. Checked until a provider
     * of the instance's configuration finds them in this Keycloak process.
     *
     * @return whether they were already there (false: created now, in this request's transaction)
     */
    private static boolean ensureDefaultMappers(KeycloakSession session, String alias) {
        var store = session.identityProviders();
        boolean any = store.getMappersByAliasStream(alias)
                .anyMatch(m -> m.getIdentityProviderMapper().startsWith("gouvconnect-"));
        if (any) {
            return true;
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
        return false;
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
            // The core picks it (RFC 8705's mutual-TLS alias when the certificate authenticates).
            config.setTokenUrl(core.tokenEndpoint());
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
            provider.get("default_scopes").forEach(s -> scopes.append(scopes.length() == 0 ? "" : " ")
                    .append(s.asText()));
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
                    String query = session.getContext().getUri().getRequestUri().getRawQuery();
                    provider.core.parseCallback(pending, query, 0);
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
            Response.Status status = Response.Status.fromStatusCode(refused.getErrorCode().status());
            return ErrorPage.error(session, authSession, status, refusal(refused).getMessageCode());
        }

        /**
         * Keycloak's broker has verified its own state; before the code goes to the token
         * endpoint, the core checks the callback against the pending login (state, the login's
         * age, the provider and client it was started for, RFC 9207's {@code iss}), as on the
         * other hosts. A refusal shows Keycloak's error page with the core's code.
         */
        @Override
        public SimpleHttpRequest generateTokenRequest(String authorizationCode) {
            GouvConnectConfig config = provider.gcConfig;
            try {
                AuthenticationSessionModel authSession = session.getContext().getAuthenticationSession();
                String pending = authSession == null ? null : authSession.getClientNote(PENDING_NOTE);
                if (pending == null) {
                    throw new GouvConnectException("no_pending_login", "no login in progress for this session");
                }
                provider.core.parseCallback(pending, session.getContext().getUri().getRequestUri().getRawQuery(), 0);
            } catch (GouvConnectException e) {
                refusalDetails(event, config, e);
                throw refusal(e);
            }
            SimpleHttpRequest request = super.generateTokenRequest(authorizationCode);
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
            SimpleHttpRequest mtls = org.keycloak.http.simple.SimpleHttp.create(client).doPost(request.getUrl())
                    .params(request.getParams());
            // Keycloak leaves the header map null when it set none (no Basic auth with mutual TLS).
            if (request.getHeaders() != null) {
                request.getHeaders().forEach(mtls::header);
            }
            return TokenExchange.sendNow(mtls);
        }

        /**
         * The provider's return from its end-session endpoint: the core finds Keycloak's user
         * session in the state it made ({@link #keycloakInitiatedBrowserLogout}) and checks the
         * state against the pending logout kept there; a forged or unknown state is refused
         * with the core's code ({@code logout_state_mismatch}). Then Keycloak ends its session.
         */
        @GET
        @Path("logout_response")
        @Override
        public Response logoutResponse(@QueryParam("state") String state) {
            String query = session.getContext().getUri().getRequestUri().getRawQuery();
            String binding = NativeClient.logoutBinding(query);
            UserSessionModel userSession = binding == null ? null : session.sessions().getUserSession(realm, binding);
            String pending = userSession == null ? null : userSession.getNote(LOGOUT_NOTE);
            try {
                provider.core.verifyLogoutReturn(pending, query);
            } catch (GouvConnectException e) {
                LOG.warnf("gouvconnect logout refused: %s", e.getMessage());
                return ErrorPage.error(session, null, Response.Status.fromStatusCode(e.getErrorCode().status()),
                        pageText(e));
            }
            userSession.removeNote(LOGOUT_NOTE);
            return super.logoutResponse(binding);
        }
    }

    /**
     * Logout at the provider's end-session endpoint with the core's request: a {@code state}
     * that carries this user session's id (for {@code logout_response} to find it) and the
     * core's random part, checked on return; the pending logout waits in a user-session note.
     */
    @Override
    public Response keycloakInitiatedBrowserLogout(KeycloakSession session, UserSessionModel userSession,
            UriInfo uriInfo, RealmModel realm) {
        String idToken = userSession.getNote(FEDERATED_ID_TOKEN);
        String redirect = Urls.identityProviderAuthnResponse(uriInfo.getBaseUri(), getConfig().getAlias(),
                realm.getName()) + "/logout_response";
        try {
            String request = core.logoutRequestBound(idToken, userSession.getId(), redirect);
            if (request == null) {
                return null; // no end-session endpoint: Keycloak's own logout only
            }
            JsonNode r = JSON.readTree(request);
            userSession.setNote(LOGOUT_NOTE, r.get("pending").asText());
            return Response.status(Response.Status.FOUND).location(URI.create(r.get("url").asText())).build();
        } catch (GouvConnectException | IOException e) {
            // The user is still logged out of Keycloak; only the provider's session stays.
            LOG.warnf("gouvconnect: no logout at the provider: %s", e.getMessage());
            return null;
        }
    }

    @Override
    protected UriBuilder createAuthorizationUrl(AuthenticationRequest request) {
        AuthenticationSessionModel authSession = request.getAuthenticationSession();
        try {
            JsonNode r = JSON.readTree(core.beginForwardedLogin(forwarded(request), request.getState().getEncoded()));
            authSession.setClientNote(PENDING_NOTE, r.get("pending").asText());
            // Keycloak's token request adds the verifier it finds under its own PKCE note.
            if (r.hasNonNull("code_verifier")) {
                authSession.setClientNote(BROKER_CODE_CHALLENGE, r.get("code_verifier").asText());
                authSession.setClientNote(BROKER_CODE_CHALLENGE_METHOD, "S256");
            }
            return UriBuilder.fromUri(r.get("url").asText());
        } catch (IOException e) {
            throw new IdentityBrokerException("gouvconnect: unreadable login request", e);
        }
    }

    /**
     * What the realm client asked Keycloak for (its {@code acr_values}, {@code claims},
     * {@code login_hint} and {@code prompt}, as Keycloak keeps them in client notes) and who this
     * browser is signed in as through this provider: the core decides what reaches the provider
     * (the core's {@code forwarded_login_options}), including a step-up.
     */
    private String forwarded(AuthenticationRequest request) {
        var forwarded = JSON.createObjectNode();
        AuthenticationSessionModel authSession = request.getAuthenticationSession();
        for (String note : new String[] {"acr_values", "claims", "login_hint", "prompt"}) {
            String value = authSession.getClientNote(note);
            if (value != null) {
                forwarded.put(note, value);
            }
        }
        UserSessionModel userSession = signedInSession(authSession);
        if (userSession != null) {
            FederatedIdentityModel link = session.users().getFederatedIdentity(request.getRealm(),
                    userSession.getUser(), getConfig().getAlias());
            if (link != null && link.getUserId() != null) {
                var user = forwarded.putObject("signed_in");
                user.put("sub", link.getUserId());
                user.put("email", userSession.getUser().getEmail());
                user.put("acr", userSession.getNote(ACR_NOTE));
            }
        }
        return forwarded.toString();
    }

    /** This browser's Keycloak session, when it has one with a user. */
    private UserSessionModel signedInSession(AuthenticationSessionModel authSession) {
        try {
            UserSessionModel userSession = new AuthenticationSessionManager(session).getUserSession(authSession);
            return userSession == null || userSession.getUser() == null ? null : userSession;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * The token endpoint's answer (already judged by the core in {@link TokenExchange}) handed
     * to the core's exchange, which says what to fetch next — the userinfo, the JWKS when the
     * keys are missing or rotated (once) — and judges each answer, up to the verified login.
     * Keycloak's HTTP client sends the requests (its truststore and proxy settings apply).
     */
    @Override
    public BrokeredIdentityContext getFederatedIdentity(String response) {
        AuthenticationSessionModel authSession = session.getContext().getAuthenticationSession();
        String pending = authSession == null ? null : authSession.getClientNote(PENDING_NOTE);
        if (pending == null) {
            throw refuse(new GouvConnectException("no_pending_login", "no login in progress for this session"));
        }
        try {
            String mapping = gcConfig.getMappingJson();
            JsonNode step = JSON.readTree(core.exchangeAdvance(core.exchangeStart(pending), 200, "application/json",
                    response.getBytes(StandardCharsets.UTF_8), 0, mapping));
            for (int sends = 0; step.has("send"); sends++) {
                if (sends == MAX_EXCHANGE_SENDS) {
                    throw new GouvConnectException("internal_error", "the login exchange did not end");
                }
                Answer answer = send(step.get("send"));
                step = JSON.readTree(core.exchangeAdvance(step.get("exchange").asText(), answer.status(),
                        answer.contentType(), answer.body(), 0, mapping));
            }
            JsonNode login = step.get("login");
            authSession.removeClientNote(PENDING_NOTE);
            AccessTokenResponse tokens = JsonSerialization.readValue(response, AccessTokenResponse.class);
            // The id_token the core verified: FranceConnect+'s arrives encrypted, the core's Login holds
            // the signed token inside (what Keycloak parses below and keeps for id_token_hint).
            tokens.setIdToken(login.path("id_token").asText(tokens.getIdToken()));
            return context(login, tokens, response);
        } catch (GouvConnectException e) {
            throw refuse(e);
        } catch (IOException e) {
            String what = e.getClass().getSimpleName();
            throw refuse(new GouvConnectException("provider_unavailable", "unreadable answer: " + what));
        }
    }

    /** An HTTP answer, moved to the core as received. */
    private record Answer(int status, String contentType, byte[] body) {
    }

    /** Sends a GET the core asked for (userinfo, JWKS), with its headers, on Keycloak's client. */
    private Answer send(JsonNode request) {
        String url = request.path("url").asText();
        if (!"GET".equals(request.path("method").asText())) {
            throw new GouvConnectException("internal_error", "unexpected request method from the core");
        }
        var http = SimpleHttp.doGet(url, session);
        request.path("headers").forEach(h -> http.header(h.get(0).asText(), h.get(1).asText()));
        try (SimpleHttp.Response answer = http.asResponse()) {
            return new Answer(answer.getStatus(), answer.getFirstHeader("Content-Type"),
                    answer.asString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // The exception's class only: its message may carry the URL's query.
            throw new GouvConnectException("provider_unavailable", "request to the provider failed: "
                    + e.getClass().getSimpleName());
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
        return new IdentityBrokerException("gouvconnect: " + e.getCode(), e).withMessageCode(pageText(e));
    }

    /** The core's sentence for the user, naming the stable code. */
    static String pageText(GouvConnectException e) {
        return e.getErrorCode().userMessage().replace('\'', '\u2019') + " (" + e.getCode() + ")";
    }

    private BrokeredIdentityContext context(JsonNode login, AccessTokenResponse tokens, String response) {
        JsonNode identity = login.get("identity");
        BrokeredIdentityContext context = new BrokeredIdentityContext(identity.get("sub").asText(), getConfig());
        String email = text(identity, "email");
        context.setEmail(email);
        context.setFirstName(text(identity, "given_name"));
        context.setLastName(text(identity, "family_name"));
        context.setUsername(login.get("username").asText());
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
    public void preprocessFederatedIdentity(KeycloakSession session, RealmModel realm,
            BrokeredIdentityContext context) {
        // Keycloak's version compares the id_token nonce with its own note, which the core replaces.
    }

    @Override
    public void authenticationFinished(AuthenticationSessionModel authSession, BrokeredIdentityContext context) {
        AccessTokenResponse tokens = (AccessTokenResponse) context.getContextData()
                .get(FEDERATED_ACCESS_TOKEN_RESPONSE);
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
