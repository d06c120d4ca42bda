package fr.gouvconnect.keycloak.practice;

import org.keycloak.Config;
import org.keycloak.authentication.RequiredActionFactory;
import org.keycloak.authentication.RequiredActionProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;

/** "Switch Pro Santé Connect practice": the action behind {@code kc_action=gouvconnect-practice}. */
public final class PracticeRequiredActionFactory implements RequiredActionFactory {
    public static final String ID = "gouvconnect-practice";
    private static final PracticeRequiredAction INSTANCE = new PracticeRequiredAction();

    @Override
    public String getId() {
        return ID;
    }

    @Override
    public String getDisplayText() {
        return "gouvconnect: switch Pro Santé Connect practice";
    }

    @Override
    public RequiredActionProvider create(KeycloakSession session) {
        return INSTANCE;
    }

    @Override
    public void init(Config.Scope config) {
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
    }

    @Override
    public void close() {
    }
}
