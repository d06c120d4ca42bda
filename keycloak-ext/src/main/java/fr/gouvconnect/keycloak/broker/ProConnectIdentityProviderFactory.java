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

    @Override
    protected String mfaHelp() {
        return "ProConnect is asked for, and must return, acr eidas0-mfa, eidas1-mfa, eidas2 or eidas3, and may ask the user for a second factor itself";
    }

    @Override
    protected List<String> environments() {
        return List.of("integration", "production", "rie-integration", "rie-production");
    }

}
