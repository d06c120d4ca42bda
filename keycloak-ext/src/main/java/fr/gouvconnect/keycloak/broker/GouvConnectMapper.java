package fr.gouvconnect.keycloak.broker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import org.keycloak.broker.provider.AbstractIdentityProviderMapper;
import org.keycloak.broker.provider.BrokeredIdentityContext;
import org.keycloak.models.IdentityProviderMapperModel;
import org.keycloak.models.IdentityProviderSyncMode;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;

/**
 * Base of the gouvconnect mappers: they read what the core's mapping computed at login
 * ({@link GouvConnectIdentityProvider#MAPPED}) rather than evaluating rules again in Java.
 */
abstract class GouvConnectMapper extends AbstractIdentityProviderMapper {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String[] COMPATIBLE = {"proconnect", "prosanteconnect"};

    @Override
    public String[] getCompatibleProviders() {
        return COMPATIBLE.clone();
    }

    @Override
    public String getDisplayCategory() {
        return "gouvconnect";
    }

    @Override
    public boolean supportsSyncMode(IdentityProviderSyncMode syncMode) {
        return true;
    }

    static JsonNode mapped(BrokeredIdentityContext context) {
        Object value = context.getContextData().get(GouvConnectIdentityProvider.MAPPED);
        if (value == null) {
            return null;
        }
        try {
            return JSON.readTree(value.toString());
        } catch (IOException e) {
            return null;
        }
    }

    protected abstract void apply(KeycloakSession session, RealmModel realm, UserModel user, JsonNode mapped);

    @Override
    public void importNewUser(KeycloakSession session, RealmModel realm, UserModel user,
            IdentityProviderMapperModel mapperModel, BrokeredIdentityContext context) {
        JsonNode m = mapped(context);
        if (m != null) {
            apply(session, realm, user, m);
        }
    }

    @Override
    public void updateBrokeredUser(KeycloakSession session, RealmModel realm, UserModel user,
            IdentityProviderMapperModel mapperModel, BrokeredIdentityContext context) {
        importNewUser(session, realm, user, mapperModel, context);
    }
}
