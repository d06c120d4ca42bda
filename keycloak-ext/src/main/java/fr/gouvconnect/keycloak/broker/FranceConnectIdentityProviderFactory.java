package fr.gouvconnect.keycloak.broker;

import java.util.List;

/** "FranceConnect" in the admin console: citizens, eIDAS low level (docs/franceconnect.md). */
public class FranceConnectIdentityProviderFactory extends GouvConnectIdentityProviderFactory {
    @Override
    protected String kind() {
        return "franceconnect";
    }

    @Override
    public String getName() {
        return federationName();
    }

    @Override
    protected String federationName() {
        return "FranceConnect";
    }

    /** A citizen has no SIRET, role or profession, and FranceConnect's email is a contact address. */
    @Override
    protected List<String> allowLists() {
        return List.of();
    }

    @Override
    protected List<String> environments() {
        return List.of("sandbox", "production");
    }

    /** eidas1 only: no second factor to ask for (the core refuses MFA required here). */
    @Override
    protected boolean hasMfaSettings() {
        return false;
    }
}
