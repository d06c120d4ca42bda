package fr.gouvconnect.keycloak.broker;

import fr.gouvconnect.keycloak.NativeClient;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One core client per distinct configuration, shared by every request (the core client is
 * thread-safe and caches the JWKS). Changing an instance in the admin console yields a new
 * configuration, hence a new client; the old one is closed.
 */
final class NativeClients {
    private static final ConcurrentHashMap<String, NativeClient> BY_ALIAS_CONFIG = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<String, String> CONFIG_BY_ALIAS = new ConcurrentHashMap<>();

    private NativeClients() {
    }

    static NativeClient get(String realmAndAlias, String configJson, java.util.function.Supplier<String> discovery) {
        String key = realmAndAlias + "\n" + configJson;
        NativeClient client = BY_ALIAS_CONFIG.computeIfAbsent(key, k -> new NativeClient(configJson, discovery.get()));
        String previous = CONFIG_BY_ALIAS.put(realmAndAlias, key);
        if (previous != null && !previous.equals(key)) {
            NativeClient stale = BY_ALIAS_CONFIG.remove(previous);
            if (stale != null) {
                stale.close();
            }
        }
        return client;
    }
}
