package fr.gouvconnect.keycloak.broker;

import java.util.List;

/** "ProConnect" in the admin console. */
public class ProConnectIdentityProviderFactory extends GouvConnectIdentityProviderFactory {
    @Override
    protected String kind() {
        return "proconnect";
    }

    @Override
    public String getName() {
        return federationName();
    }

    @Override
    protected String federationName() {
        return "ProConnect";
    }

    /** What ProConnect's identity carries: the establishment's SIRET, the email, the roles claim. */
    @Override
    protected List<String> allowLists() {
        return List.of(GouvConnectConfig.ALLOWED_SIRETS, GouvConnectConfig.ALLOWED_EMAIL_DOMAINS,
                GouvConnectConfig.ALLOWED_ROLES);
    }

    @Override
    protected List<String> environments() {
        return List.of("integration", "production", "rie-integration", "rie-production");
    }
}
