package fr.gouvconnect.keycloak;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * Loads the JNI library once per class loader, from the first of:
 * <ol>
 *   <li>{@code -Dgouvconnect.native.path=/abs/libgouvconnect_jni.so} (an explicit file);</li>
 *   <li>the copy shipped inside the jar for this platform, {@code /native/<platform>/<library>}
 *       (platforms: {@code linux-x86_64}, {@code linux-aarch64}, {@code linux-musl-x86_64},
 *       {@code linux-musl-aarch64}, {@code darwin-x86_64}, {@code darwin-aarch64},
 *       {@code windows-x86_64}; the release jar carries every platform its workflow built);</li>
 *   <li>{@code gouvconnect_jni} on {@code java.library.path} (a library built or packaged
 *       separately, e.g. for a platform the jar does not carry).</li>
 * </ol>
 * Failing all three, the error names the platform and these three options.
 */
final class NativeLibrary {
    static final String NAME = "gouvconnect_jni";
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
                Path extracted = extract();
                if (extracted != null) {
                    System.load(extracted.toString());
                } else {
                    loadFromLibraryPath();
                }
            }
            loaded = true;
        }
    }

    /** The jar's copy for this platform, extracted to a temporary file; null when the jar has none. */
    private static Path extract() {
        String library = System.mapLibraryName(NAME);
        String resource = resource(platform(), library);
        try (InputStream in = NativeLibrary.class.getResourceAsStream(resource)) {
            if (in == null) {
                return null;
            }
            Path dir = Files.createTempDirectory("gouvconnect-jni");
            Path file = dir.resolve(library);
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            file.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new GouvConnectException("invalid_config",
                    "cannot extract the gouvconnect native library for " + platform() + ": " + e.getMessage());
        }
    }

    private static void loadFromLibraryPath() {
        try {
            System.loadLibrary(NAME);
        } catch (UnsatisfiedLinkError e) {
            throw new GouvConnectException("invalid_config", missingMessage());
        }
    }

    /** The jar's resource path of the library for a platform. */
    static String resource(String platform, String library) {
        return "/native/" + platform + "/" + library;
    }

    static String missingMessage() {
        String library = System.mapLibraryName(NAME);
        return "the gouvconnect native library is not available for platform " + platform()
                + " (os.name=" + System.getProperty("os.name") + ", os.arch=" + System.getProperty("os.arch")
                + "): this jar has no " + resource(platform(), library) + "; use the release jar built for "
                + platform() + ", or build " + library + " from source (keycloak-ext/native) and pass it with "
                + "-Dgouvconnect.native.path=/path/to/" + library + " or put its directory on java.library.path";
    }

    /** {@code <os>-<arch>}, or {@code linux-musl-<arch>} on a musl libc; names as in the jar. */
    static String platform() {
        String osName = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String os;
        if (osName.contains("linux")) {
            os = isMusl() ? "linux-musl" : "linux";
        } else if (osName.contains("mac") || osName.contains("darwin")) {
            os = "darwin";
        } else if (osName.contains("windows")) {
            os = "windows";
        } else {
            os = osName.replaceAll("[^a-z0-9]+", "");
        }
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        switch (arch) {
            case "amd64", "x86_64", "x64" -> arch = "x86_64";
            case "aarch64", "arm64" -> arch = "aarch64";
            default -> { }
        }
        return os + "-" + arch;
    }

    /** Alpine and other musl systems: the dynamic loader is ld-musl-*. */
    private static boolean isMusl() {
        try (var entries = Files.list(Path.of("/lib"))) {
            return entries.anyMatch(p -> p.getFileName().toString().startsWith("ld-musl-"));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
