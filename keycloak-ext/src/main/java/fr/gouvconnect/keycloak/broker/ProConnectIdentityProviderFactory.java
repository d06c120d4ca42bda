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
        return "ProConnect";
    }

    @Override
    protected List<String> environments() {
        return List.of("integration", "production", "rie-integration", "rie-production");
    }

}
