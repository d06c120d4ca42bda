package fr.gouvconnect.keycloak.broker;

import fr.gouvconnect.keycloak.GouvConnectException;
import fr.gouvconnect.keycloak.NativeClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.http.HttpHost;
import org.apache.http.HttpRequest;
import org.apache.http.HttpVersion;
import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.conn.ClientConnectionManager;
import org.apache.http.entity.ContentType;
import org.apache.http.entity.StringEntity;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.message.BasicHttpResponse;
import org.apache.http.message.BasicStatusLine;
import org.apache.http.params.BasicHttpParams;
import org.apache.http.params.HttpParams;
import org.apache.http.protocol.HttpContext;
import org.keycloak.http.simple.SimpleHttp;
import org.keycloak.http.simple.SimpleHttpRequest;
import org.keycloak.http.simple.SimpleHttpResponse;

/**
 * The broker's token request, sent by the extension before Keycloak's own code sees it.
 *
 * <p>Keycloak's broker turns every failure of the token request into its generic "unexpected
 * error" page, with HTTP 500 for a timeout or a refused connection. Sending the request here
 * first lets the user see the core's code instead, as on the Django and Express hosts
 * (docs/architecture.md §5): {@code provider_unavailable} for a timeout, a connection failure, a 5xx or an
 * unreadable error, {@code provider_error} for an OAuth error. A 200 answer is then handed to
 * Keycloak's code unchanged (replayed, the provider is not asked twice). The answer is judged by
 * the core's rule (size, status, OAuth error, JSON carrying the tokens), as in Python and Node.
 */
final class TokenExchange {
    private TokenExchange() {
    }

    /** Sends {@code request} now; returns a request that yields the same 200 answer. */
    static SimpleHttpRequest sendNow(SimpleHttpRequest request) {
        int status;
        String body;
        try (SimpleHttpResponse response = request.asResponse()) {
            status = response.getStatus();
            body = response.asString();
        } catch (IOException e) {
            // The exception's class only: its message may carry the URL.
            throw GouvConnectIdentityProvider.refusal(new GouvConnectException("provider_unavailable",
                    "token request failed: " + e.getClass().getSimpleName()));
        }
        try {
            NativeClient.checkTokenResponse(status, body.getBytes(StandardCharsets.UTF_8));
        } catch (GouvConnectException e) {
            throw GouvConnectIdentityProvider.refusal(e);
        }
        // Keycloak's POST needs a body: the original parameters (they go nowhere).
        return SimpleHttp.create(new Replay(status, body)).doPost(request.getUrl()).params(request.getParams());
    }

    /** An HTTP client that answers every request with one recorded answer. */
    private static final class Replay extends CloseableHttpClient {
        private final int status;
        private final String body;

        Replay(int status, String body) {
            this.status = status;
            this.body = body;
        }

        @Override
        protected CloseableHttpResponse doExecute(HttpHost target, HttpRequest request, HttpContext context) {
            return new Recorded(status, body);
        }

        @Override
        public void close() {
        }

        @Override
        @Deprecated
        public HttpParams getParams() {
            return new BasicHttpParams();
        }

        @Override
        @Deprecated
        public ClientConnectionManager getConnectionManager() {
            return null;
        }
    }

    private static final class Recorded extends BasicHttpResponse implements CloseableHttpResponse {
        Recorded(int status, String body) {
            super(new BasicStatusLine(HttpVersion.HTTP_1_1, status, ""));
            setEntity(new StringEntity(body, ContentType.APPLICATION_JSON));
        }

        @Override
        public void close() {
        }
    }
}
