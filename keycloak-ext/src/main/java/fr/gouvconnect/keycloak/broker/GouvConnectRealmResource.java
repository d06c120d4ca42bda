package fr.gouvconnect.keycloak.broker;

import com.fasterxml.jackson.databind.ObjectMapper;
import fr.gouvconnect.keycloak.GouvConnectException;
import fr.gouvconnect.keycloak.NativeClient;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;
import org.keycloak.common.util.KeycloakUriBuilder;
import org.keycloak.models.IdentityProviderModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;

/**
 * {@code GET /realms/{realm}/gouvconnect/{alias}/jwks}: the public encryption keys of a
 * FranceConnect+ instance — the URL registered with FranceConnect+, which fetches it to encrypt
 * the id_token and userinfo to the realm (docs/franceconnect.md). Public, unauthenticated, as
 * FranceConnect+ calls it; the document is the core's {@code Client::public_jwks} (public
 * members, {@code use: enc}, never a private member).
 */
public class GouvConnectRealmResource {
    private static final Logger LOG = Logger.getLogger(GouvConnectRealmResource.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Per realm and alias: the configuration the document was made from, and the document. */
    private static final ConcurrentHashMap<String, Map.Entry<String, String>> DOCUMENTS = new ConcurrentHashMap<>();

    private final KeycloakSession session;

    public GouvConnectRealmResource(KeycloakSession session) {
        this.session = session;
    }

    /** The URL of an instance's public keys, as the console shows it (read-only field). */
    static String jwksUrl(URI base, String realm, String alias) {
        return KeycloakUriBuilder.fromUri(base).path("realms/{realm}/" + GouvConnectRealmResourceProvider.ID
                + "/{alias}/jwks").build(realm, alias).toString();
    }

    @GET
    @Path("{alias}/jwks")
    @Produces(MediaType.APPLICATION_JSON)
    public Response jwks(@PathParam("alias") String alias) {
        RealmModel realm = session.getContext().getRealm();
        IdentityProviderModel model = session.identityProviders().getByAlias(alias);
        if (model == null || !GouvConnectConfig.FRANCECONNECT_PLUS.equals(model.getProviderId())) {
            return error(Response.Status.NOT_FOUND, "not_found", "no FranceConnect+ identity provider " + alias);
        }
        GouvConnectConfig config = new GouvConnectConfig(GouvConnectConfig.FRANCECONNECT_PLUS, model);
        String key = realm.getId() + "/" + alias;
        try {
            String configJson = config.coreConfigJson(session, realm);
            Map.Entry<String, String> known = DOCUMENTS.get(key);
            String document;
            if (known != null && known.getKey().equals(configJson)) {
                document = known.getValue();
            } else {
                // No discovery: the keys do not depend on the provider's endpoints.
                try (NativeClient client = new NativeClient(configJson, null)) {
                    document = client.publicJwks();
                }
                DOCUMENTS.put(key, Map.entry(configJson, document));
            }
            return Response.ok(document, MediaType.APPLICATION_JSON_TYPE)
                    // FranceConnect+ reads it at each token; a short cache keeps a rotation quick.
                    .header("Cache-Control", "max-age=60").build();
        } catch (GouvConnectException e) {
            // The core's message names what is wrong with the keys, never a key's content.
            LOG.warnf("gouvconnect: no public keys for %s: %s", alias, e.getMessage());
            return error(Response.Status.fromStatusCode(e.getErrorCode().status()), e.getCode(),
                    GouvConnectConfig.coreMessage(e));
        }
    }

    private static Response error(Response.Status status, String code, String description) {
        var body = JSON.createObjectNode().put("error", code).put("error_description", description);
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(body.toString()).build();
    }
}
