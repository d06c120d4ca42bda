package fr.gouvconnect.keycloak;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * Loads the JNI library shipped inside the jar ({@code /native/<os>-<arch>/}), once per class
 * loader. {@code -Dgouvconnect.native.path=/abs/libgouvconnect_jni.so} overrides it (development).
 */
final class NativeLibrary {
    private static final String LIBRARY = "libgouvconnect_jni.so";
    private static volatile boolean loaded;

    private NativeLibrary() {
    }

    static void load() {
        if (loaded) {
            return;
        }
        synchronized (NativeLibrary.class) {
            if (loaded) {
                return;
            }
            String override = System.getProperty("gouvconnect.native.path");
            if (override != null && !override.isEmpty()) {
                System.load(Path.of(override).toAbsolutePath().toString());
            } else {
                System.load(extract().toString());
            }
            loaded = true;
        }
    }

    private static Path extract() {
        String resource = "/native/" + platform() + "/" + LIBRARY;
        try (InputStream in = NativeLibrary.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new GouvConnectException("invalid_config",
                        "the gouvconnect native library is missing for " + platform() + " (" + resource + ")");
            }
            Path dir = Files.createTempDirectory("gouvconnect-jni");
            Path file = dir.resolve(LIBRARY);
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            file.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new GouvConnectException("invalid_config", "cannot extract the native library: " + e.getMessage());
        }
    }

    private static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux") ? "linux" : "unsupported";
        String arch = System.getProperty("os.arch", "");
        if (arch.equals("amd64") || arch.equals("x86_64")) {
            arch = "x86_64";
        }
        return os + "-" + arch;
    }
}
