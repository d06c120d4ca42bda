package fr.gouvconnect.keycloak.practice;

import com.fasterxml.jackson.databind.JsonNode;
import fr.gouvconnect.keycloak.GouvConnectException;
import org.jboss.logging.Logger;
import org.keycloak.authentication.InitiatedActionSupport;
import org.keycloak.authentication.RequiredActionContext;
import org.keycloak.authentication.RequiredActionProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.UserSessionModel;
import org.keycloak.services.managers.AuthenticationManager;
import org.keycloak.services.managers.AuthenticationSessionManager;

/**
 * Switching practice later: an application sends the signed-in user to Keycloak's authorize
 * endpoint with {@code kc_action=gouvconnect-practice} (an application-initiated action); the
 * same chooser is shown and the choice replaces the session's {@code gouvconnect.practice.*}
 * notes and the user's attributes. The session keeps the identity of its login
 * ({@link Practices#IDENTITY_NOTE}), so nothing is asked of the provider.
 */
public final class PracticeRequiredAction implements RequiredActionProvider {
    private static final Logger LOG = Logger.getLogger(PracticeRequiredAction.class);
    /**
     * No new login before a switch: choosing among one's own practices changes no credential.
     * 30 days is the longest a gouvconnect session may live (the core's bound on
     * {@code session_max_age_secs}), so an existing session never has to log in again; a larger
     * number could overflow Keycloak's {@code auth time + max age} sum.
     */
    private static final int NO_REAUTHENTICATION = 30 * 86_400;

    @Override
    public InitiatedActionSupport initiatedActionSupport() {
        return InitiatedActionSupport.SUPPORTED;
    }

    @Override
    public int getMaxAuthAge() {
        return NO_REAUTHENTICATION;
    }

    @Override
    public int getMaxAuthAge(KeycloakSession session) {
        return NO_REAUTHENTICATION;
    }

    @Override
    public void evaluateTriggers(RequiredActionContext context) {
        // Only on request (kc_action, or an admin adding it to a user): never triggered by itself.
    }

    @Override
    public void requiredActionChallenge(RequiredActionContext context) {
        UserSessionModel userSession = userSession(context);
        JsonNode identity = userSession == null ? null
                : PracticeChooser.identity(userSession.getNote(Practices.IDENTITY_NOTE));
        if (identity == null) {
            // Not a Pro Santé Connect session of this extension: nothing to choose from.
            context.success();
            return;
        }
        Practices practices = Practices.of(identity.toString());
        if (!practices.needsChoice()) {
            context.success();
            return;
        }
        context.challenge(PracticeChooser.page(context.form(), identity, practices,
                userSession.getNote(Practices.PREFIX + "id"), null));
    }

    @Override
    public void processAction(RequiredActionContext context) {
        UserSessionModel userSession = userSession(context);
        JsonNode identity = userSession == null ? null
                : PracticeChooser.identity(userSession.getNote(Practices.IDENTITY_NOTE));
        if (identity == null) {
            context.success();
            return;
        }
        String id = context.getHttpRequest().getDecodedFormParameters().getFirst(PracticeChooser.FIELD);
        String alias = userSession.getNote(Practices.ALIAS_NOTE);
        JsonNode chosen;
        try {
            chosen = PracticeChooser.choose(context.getSession(), context.getRealm(), context.getUser(), alias,
                    identity.toString(), id);
        } catch (GouvConnectException e) {
            LOG.warnf("gouvconnect: practice not switched (code=%s)", e.getCode());
            context.challenge(PracticeChooser.page(context.form(), identity, Practices.of(identity.toString()),
                    userSession.getNote(Practices.PREFIX + "id"), "gouvconnectPracticeInvalid"));
            return;
        }
        PracticeChooser.replaceNotes(userSession, alias, chosen);
        context.getEvent().detail("gouvconnect_practice", chosen.path("practice").path("id").asText());
        context.success();
    }

    /** The Keycloak session the action runs for (this browser's). */
    private static UserSessionModel userSession(RequiredActionContext context) {
        KeycloakSession session = context.getSession();
        UserSessionModel userSession = null;
        try {
            userSession = new AuthenticationSessionManager(session).getUserSession(context.getAuthenticationSession());
        } catch (RuntimeException e) {
            // Fall back on the identity cookie below.
        }
        if (userSession == null) {
            AuthenticationManager.AuthResult cookie = AuthenticationManager.authenticateIdentityCookie(session,
                    context.getRealm(), true);
            userSession = cookie == null ? null : cookie.getSession();
        }
        if (userSession == null || context.getUser() == null || userSession.getUser() == null
                || !context.getUser().getId().equals(userSession.getUser().getId())) {
            return null;
        }
        return userSession;
    }

    @Override
    public void close() {
    }
}
