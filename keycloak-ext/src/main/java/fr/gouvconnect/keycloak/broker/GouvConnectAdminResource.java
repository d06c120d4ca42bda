package fr.gouvconnect.keycloak.broker;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import org.keycloak.models.IdentityProviderModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.services.resources.admin.fgap.AdminPermissionEvaluator;

/**
 * {@code GET /admin/realms/{realm}/gouvconnect/doctor/{alias}}: runs the core's going-live checks
 * for a gouvconnect instance (ProConnect, Pro Santé Connect, FranceConnect, FranceConnect+) and
 * answers the report — JSON by default ({@code "ok"}, {@code "checks"}), text with
 * {@code ?format=text}. Keycloak's admin API authenticates the caller; the caller needs "manage
 * identity providers" (the check sends the client's credentials to the provider).
 */
public class GouvConnectAdminResource {
    private final KeycloakSession session;
    private final RealmModel realm;
    private final AdminPermissionEvaluator auth;

    public GouvConnectAdminResource(KeycloakSession session, RealmModel realm, AdminPermissionEvaluator auth) {
        this.session = session;
        this.realm = realm;
        this.auth = auth;
    }

    @GET
    @Path("doctor/{alias}")
    @Produces({MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN})
    public Response doctor(@PathParam("alias") String alias, @QueryParam("format") String format) {
        auth.realm().requireManageIdentityProviders();
        IdentityProviderModel model = session.identityProviders().getByAlias(alias);
        if (model == null || !List.of(GouvConnectMapper.COMPATIBLE).contains(model.getProviderId())) {
            throw new NotFoundException("no gouvconnect identity provider " + alias);
        }
        GouvConnectConfig config = new GouvConnectConfig(model.getProviderId(), model);
        JsonNode result = Doctors.run(session, realm, config, Discovery.LOGIN_TIMEOUT_MILLIS);
        if ("text".equals(format)) {
            return Response.ok(result.get("text").asText(), MediaType.TEXT_PLAIN_TYPE.withCharset("utf-8")).build();
        }
        return Response.ok(result.get("report").toString(), MediaType.APPLICATION_JSON_TYPE).build();
    }
}
