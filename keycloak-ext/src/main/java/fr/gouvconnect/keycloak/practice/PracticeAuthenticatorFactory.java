package fr.gouvconnect.keycloak.practice;

import java.util.List;
import org.keycloak.Config;
import org.keycloak.authentication.Authenticator;
import org.keycloak.authentication.AuthenticatorFactory;
import org.keycloak.models.AuthenticationExecutionModel.Requirement;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.provider.ProviderConfigProperty;

/** The practice chooser in the authentication-flow editor ("Add step"). */
public final class PracticeAuthenticatorFactory implements AuthenticatorFactory {
    public static final String ID = "gouvconnect-practice-chooser";
    private static final PracticeAuthenticator INSTANCE = new PracticeAuthenticator();

    @Override
    public String getId() {
        return ID;
    }

    @Override
    public String getDisplayType() {
        return "gouvconnect: Pro Santé Connect practice";
    }

    @Override
    public String getHelpText() {
        return "For an identity provider's post-login flow: a Pro Santé Connect user with several practices "
                + "(exercices, activities) chooses the one this session acts for; skipped with one practice. "
                + "The choice becomes user-session notes and user attributes gouvconnect.practice.*.";
    }

    @Override
    public String getReferenceCategory() {
        return null;
    }

    @Override
    public boolean isConfigurable() {
        return false;
    }

    @Override
    public Requirement[] getRequirementChoices() {
        return new Requirement[] {Requirement.REQUIRED, Requirement.DISABLED};
    }

    @Override
    public boolean isUserSetupAllowed() {
        return false;
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return List.of();
    }

    @Override
    public Authenticator create(KeycloakSession session) {
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
