package fr.gouvconnect.keycloak.practice;

import com.fasterxml.jackson.databind.JsonNode;
import fr.gouvconnect.keycloak.GouvConnectException;
import fr.gouvconnect.keycloak.broker.GouvConnectIdentityProvider;
import org.jboss.logging.Logger;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.Authenticator;
import org.keycloak.authentication.authenticators.broker.util.PostBrokerLoginConstants;
import org.keycloak.authentication.authenticators.broker.util.SerializedBrokeredIdentityContext;
import org.keycloak.broker.provider.BrokeredIdentityContext;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.services.managers.AuthenticationSessionManager;
import org.keycloak.sessions.AuthenticationSessionModel;

/**
 * The Pro Santé Connect practice chooser, for an identity provider's post-login flow: a health
 * professional with several practices chooses the one this session acts for; with one practice,
 * or when this browser's session already acts for one of this login's practices (a step-up, a
 * new login of the same person), nobody is asked. The choice becomes user-session notes and user
 * attributes ({@code gouvconnect.practice.*}) for Keycloak's token mappers.
 */
public final class PracticeAuthenticator implements Authenticator {
    private static final Logger LOG = Logger.getLogger(PracticeAuthenticator.class);

    /** This login's identity (the core's JSON) and the identity provider's alias. */
    private record BrokerLogin(String alias, String identityJson, JsonNode identity) {
    }

    @Override
    public void authenticate(AuthenticationFlowContext context) {
        BrokerLogin login = brokerLogin(context);
        if (login == null) {
            // Not a gouvconnect login (another provider, or this flow used elsewhere): no practice.
            context.success();
            return;
        }
        Practices practices = Practices.of(login.identityJson());
        if (practices.size() == 0) {
            context.success();
            return;
        }
        String id = practices.only();
        if (id == null) {
            id = kept(context, practices);
        }
        if (id != null) {
            record(context, login, id);
            context.success();
            return;
        }
        context.challenge(PracticeChooser.page(context.form(), login.identity(), practices, null, null));
    }

    @Override
    public void action(AuthenticationFlowContext context) {
        BrokerLogin login = brokerLogin(context);
        if (login == null) {
            context.success();
            return;
        }
        String id = context.getHttpRequest().getDecodedFormParameters().getFirst(PracticeChooser.FIELD);
        try {
            record(context, login, id);
        } catch (GouvConnectException e) {
            // An id this login does not hold (a tampered or stale form): the page again.
            LOG.warnf("gouvconnect: practice not chosen (code=%s)", e.getCode());
            context.challenge(PracticeChooser.page(context.form(), login.identity(), Practices.of(login.identityJson()),
                    null, "gouvconnectPracticeInvalid"));
            return;
        }
        context.success();
    }

    private static void record(AuthenticationFlowContext context, BrokerLogin login, String id) {
        JsonNode identity = PracticeChooser.choose(context.getSession(), context.getRealm(), context.getUser(),
                login.alias(), login.identityJson(), id);
        AuthenticationSessionModel authSession = context.getAuthenticationSession();
        PracticeChooser.notes(login.alias(), identity, authSession::setUserSessionNote);
        context.getEvent().detail("gouvconnect_practice", identity.path("practice").path("id").asText());
    }

    /**
     * The practice this browser's Keycloak session already acts for, when it belongs to the same
     * user and is among this login's practices: a step-up or a second login keeps it.
     */
    private static String kept(AuthenticationFlowContext context, Practices practices) {
        UserSessionModel userSession;
        try {
            userSession = new AuthenticationSessionManager(context.getSession())
                    .getUserSession(context.getAuthenticationSession());
        } catch (RuntimeException e) {
            return null;
        }
        UserModel user = context.getUser();
        if (userSession == null || user == null || userSession.getUser() == null
                || !user.getId().equals(userSession.getUser().getId())) {
            return null;
        }
        String id = userSession.getNote(Practices.PREFIX + "id");
        return practices.contains(id) ? id : null;
    }

    /** The identity the gouvconnect provider put on the brokered login, or null. */
    private static BrokerLogin brokerLogin(AuthenticationFlowContext context) {
        AuthenticationSessionModel authSession = context.getAuthenticationSession();
        SerializedBrokeredIdentityContext serialized = SerializedBrokeredIdentityContext
                .readFromAuthenticationSession(authSession, PostBrokerLoginConstants.PBL_BROKERED_IDENTITY_CONTEXT);
        if (serialized == null) {
            return null;
        }
        KeycloakSession session = context.getSession();
        BrokeredIdentityContext broker = serialized.deserialize(session, authSession);
        Object identity = broker.getContextData().get(GouvConnectIdentityProvider.IDENTITY);
        if (identity == null) {
            return null;
        }
        JsonNode parsed = PracticeChooser.identity(identity.toString());
        return parsed == null ? null : new BrokerLogin(serialized.getIdentityProviderId(), identity.toString(), parsed);
    }

    @Override
    public boolean requiresUser() {
        return true;
    }

    @Override
    public boolean configuredFor(KeycloakSession session, RealmModel realm, UserModel user) {
        return true;
    }

    @Override
    public void setRequiredActions(KeycloakSession session, RealmModel realm, UserModel user) {
        // Nothing to set up: the choice is made on the page.
    }

    @Override
    public void close() {
    }
}
