package fr.gouvconnect.keycloak.broker;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.text.MessageFormat;
import java.util.Locale;
import java.util.Properties;
import org.keycloak.Token;
import org.keycloak.locale.LocaleSelectorProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.representations.JsonWebToken;
import org.keycloak.theme.Theme;
import org.keycloak.utils.KeycloakSessionUtil;

/**
 * Texts the server itself must put in the administrator's language.
 *
 * <p>The console translates the labels and help texts of config properties on its side (they
 * are message keys, resolved against the admin theme's bundles, which Keycloak extends with the
 * jar's {@code theme-resources/messages/messages_*.properties}). A few texts reach the console
 * already written — a mapper type's name and help, the message of a refused save — so they are
 * looked up here in the same bundles, for the locale the console itself uses: the one Keycloak's
 * "who am I" resolves for the signed-in administrator (their locale attribute, else the
 * browser's, within the admin realm's supported locales).
 */
final class ConsoleMessages {
    private ConsoleMessages() {
    }

    /** The text of {@code key} with its {@code {0}}… arguments, English when no request or no bundle. */
    static String text(String key, Object... args) {
        KeycloakSession session = KeycloakSessionUtil.getKeycloakSession();
        Locale locale = adminLocale(session);
        String pattern = null;
        if (session != null) {
            try {
                Properties messages = session.theme().getTheme(Theme.Type.ADMIN).getMessages("messages", locale);
                pattern = messages.getProperty(key);
            } catch (Exception | LinkageError e) {
                // A theme that cannot be read: the English text below keeps the console usable.
                pattern = null;
            }
        }
        if (pattern == null) {
            pattern = english(key);
        }
        return args.length == 0 ? pattern : new MessageFormat(pattern, locale).format(args);
    }

    /**
     * The locale of the administrator behind this admin REST request, as the console's "who am
     * I" answers it: the admin's realm (the token's issuer) and user. English outside a request.
     */
    static Locale adminLocale(KeycloakSession session) {
        if (session == null) {
            return Locale.ENGLISH;
        }
        try {
            Token token = session.getContext().getBearerToken();
            if (token instanceof JsonWebToken jwt && jwt.getIssuer() != null) {
                String issuer = jwt.getIssuer();
                RealmModel adminRealm = session.realms().getRealmByName(issuer.substring(issuer.lastIndexOf('/') + 1));
                UserModel admin = session.getContext().getUser();
                if (adminRealm != null) {
                    Locale locale = session.getProvider(LocaleSelectorProvider.class).resolveLocale(adminRealm, admin);
                    return locale != null ? locale : Locale.ENGLISH;
                }
            }
            Locale locale = session.getContext().resolveLocale(null);
            return locale != null ? locale : Locale.ENGLISH;
        } catch (RuntimeException | LinkageError e) {
            // Outside an HTTP request (start-up, realm import): no administrator to ask.
            return Locale.ENGLISH;
        }
    }

    /** The English bundle read from the jar: what a unit test or a start-up task gets. */
    private static String english(String key) {
        return English.BUNDLE.getProperty(key, key);
    }

    /** Read once, on first use. */
    private static final class English {
        static final Properties BUNDLE = load();

        private static Properties load() {
            Properties en = new Properties();
            String english = "/theme-resources/messages/messages_en.properties";
            try (InputStream in = ConsoleMessages.class.getResourceAsStream(english)) {
                if (in != null) {
                    en.load(new InputStreamReader(in, StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                // An unreadable jar entry: keys stand for themselves.
            }
            return en;
        }
    }
}
