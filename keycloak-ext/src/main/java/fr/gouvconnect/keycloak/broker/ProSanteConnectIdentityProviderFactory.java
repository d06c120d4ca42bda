package fr.gouvconnect.keycloak.broker;

import java.util.List;

/** "Pro Santé Connect" in the admin console. */
public class ProSanteConnectIdentityProviderFactory extends GouvConnectIdentityProviderFactory {
    @Override
    protected String kind() {
        return "prosanteconnect";
    }

    @Override
    public String getName() {
        return "Pro Santé Connect";
    }

    @Override
    protected List<String> environments() {
        return List.of("sandbox", "production");
    }

    @Override
    protected List<String> acrLevels() {
        return List.of("", "eidas1");
    }
}
