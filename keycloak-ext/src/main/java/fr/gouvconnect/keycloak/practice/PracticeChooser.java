package fr.gouvconnect.keycloak.practice;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import fr.gouvconnect.keycloak.GouvConnectException;
import fr.gouvconnect.keycloak.NativeClient;
import fr.gouvconnect.keycloak.broker.GouvConnectConfig;
import fr.gouvconnect.keycloak.broker.GouvConnectIdentityProvider;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.jboss.logging.Logger;
import org.keycloak.broker.provider.BrokeredIdentityContext;
import org.keycloak.broker.provider.IdentityProviderMapper;
import org.keycloak.forms.login.LoginFormsProvider;
import org.keycloak.models.IdentityProviderMapperModel;
import org.keycloak.models.IdentityProviderModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.UserSessionModel;

/**
 * What the practice authenticator (after a login) and the practice required action (a switch
 * later) share: the page, and what a choice changes. The core lists the practices and sets the
 * chosen one on the identity ({@code Identity::with_practice}); the provider's gouvconnect
 * mapping is applied again to that identity, as the Django and Express hosts do on a change.
 */
final class PracticeChooser {
    private static final Logger LOG = Logger.getLogger(PracticeChooser.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The theme template (login theme {@code gouvconnect}). */
    static final String TEMPLATE = "gouvconnect-practice.ftl";
    /** The form field: the chosen practice's id. */
    static final String FIELD = "practice";

    private PracticeChooser() {
    }

    /**
     * The chooser page: every practice with the core's labels, {@code current} (or the first)
     * selected. {@code error}: a message key of the theme, shown above the choices.
     */
    static Response page(LoginFormsProvider form, JsonNode identity, Practices practices, String current,
            String error) {
        List<Map<String, String>> choices = practices.describe();
        String selected = current != null && practices.contains(current) ? current : choices.get(0).get("id");
        String who = String.join(" ", nonNull(text(identity, "given_name"), text(identity, "family_name"))).trim();
        form.setAttribute("gouvconnectPractices", choices)
                .setAttribute("gouvconnectPracticeSelected", selected)
                .setAttribute("gouvconnectPracticeWho", who);
        if (error != null) {
            form.setError(error);
            form.setStatus(Response.Status.BAD_REQUEST);
        }
        return form.createForm(TEMPLATE);
    }

    /**
     * Records a choice for {@code user}, who logged in through the identity provider
     * {@code alias}: the identity acting for the practice (JSON), after the user's
     * {@code gouvconnect.practice.*} attributes and the provider's gouvconnect mappers
     * (attributes, groups) followed it.
     *
     * @throws GouvConnectException {@code invalid_request} when the identity has no such practice
     */
    static JsonNode choose(KeycloakSession session, RealmModel realm, UserModel user, String alias,
            String identityJson, String id) {
        IdentityProviderModel idp = alias == null ? null : session.identityProviders().getByAlias(alias);
        String mapping = idp == null ? null : idp.getConfig().get(GouvConnectConfig.MAPPING);
        if (mapping != null && mapping.isBlank()) {
            mapping = null;
        }
        JsonNode result;
        try {
            result = JSON.readTree(NativeClient.withPractice(identityJson, id == null ? "" : id, mapping));
        } catch (IOException e) {
            throw new GouvConnectException("internal_error", "unreadable practice answer");
        }
        JsonNode identity = result.get("identity");
        Map<String, String> keys = Practices.keys(identity.get("practice"));
        // The previous practice's attributes go: a field the new one lacks must not linger.
        List<String> stale = new ArrayList<>();
        user.getAttributes().keySet().forEach(name -> {
            if (name.startsWith(Practices.PREFIX) && !keys.containsKey(name)) {
                stale.add(name);
            }
        });
        stale.forEach(user::removeAttribute);
        keys.forEach(user::setSingleAttribute);
        if (idp != null) {
            remap(session, realm, user, idp, result.get("mapped"));
        }
        return identity;
    }

    /**
     * The provider's gouvconnect mappers run again with the mapping's result for the chosen
     * practice (rules may read {@code practice.…}), through Keycloak's mapper interface.
     */
    private static void remap(KeycloakSession session, RealmModel realm, UserModel user, IdentityProviderModel idp,
            JsonNode mapped) {
        if (mapped == null) {
            return;
        }
        BrokeredIdentityContext context = new BrokeredIdentityContext(idp);
        context.getContextData().put(GouvConnectIdentityProvider.MAPPED, mapped.toString());
        List<IdentityProviderMapperModel> mappers = session.identityProviders()
                .getMappersByAliasStream(idp.getAlias())
                .filter(m -> m.getIdentityProviderMapper() != null
                        && m.getIdentityProviderMapper().startsWith("gouvconnect-"))
                .toList();
        for (IdentityProviderMapperModel model : mappers) {
            var factory = session.getKeycloakSessionFactory()
                    .getProviderFactory(org.keycloak.broker.provider.IdentityProviderMapper.class,
                            model.getIdentityProviderMapper());
            if (factory instanceof IdentityProviderMapper mapper) {
                mapper.updateBrokeredUser(session, realm, user, model, context);
            }
        }
    }

    /**
     * The session's view of the choice: every {@code gouvconnect.practice.*} key, the practice
     * as one JSON object ({@link Practices#PRACTICE_NOTE}), and for a later switch the identity
     * ({@link Practices#IDENTITY_NOTE}) and the provider's alias ({@link Practices#ALIAS_NOTE}).
     */
    static void notes(String alias, JsonNode identity, BiConsumer<String, String> setNote) {
        JsonNode practice = identity.get("practice");
        Practices.keys(practice).forEach(setNote);
        if (practice != null && !practice.isNull()) {
            setNote.accept(Practices.PRACTICE_NOTE, practice.toString());
        }
        setNote.accept(Practices.IDENTITY_NOTE, identity.toString());
        if (alias != null) {
            setNote.accept(Practices.ALIAS_NOTE, alias);
        }
    }

    /** A user session's notes after a switch: the former practice's keys removed first. */
    static void replaceNotes(UserSessionModel userSession, String alias, JsonNode identity) {
        List<String> stale = new ArrayList<>();
        userSession.getNotes().keySet().forEach(name -> {
            if (name.startsWith(Practices.PREFIX)) {
                stale.add(name);
            }
        });
        stale.forEach(userSession::removeNote);
        notes(alias, identity, userSession::setNote);
    }

    /** The identity (JSON) a user session keeps, or null. */
    static JsonNode identity(String json) {
        if (json == null) {
            return null;
        }
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            LOG.warn("gouvconnect: unreadable identity note");
            return null;
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node == null ? null : node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static List<String> nonNull(String... values) {
        List<String> out = new ArrayList<>();
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                out.add(v);
            }
        }
        return out;
    }
}
