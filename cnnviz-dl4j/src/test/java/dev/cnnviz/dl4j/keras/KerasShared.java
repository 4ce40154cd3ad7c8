package dev.cnnviz.dl4j.keras;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * The shared data folder for the Keras tests, from the system property {@code cnnviz.shared}: unset or blank
 * skips the calling test, set but missing (folder or file) fails it. A relative value is resolved against the
 * working directory or its ancestors ({@code -Dcnnviz.shared=../shared} works from the root and from a module).
 */
final class KerasShared {
    private KerasShared() {
    }

    static Path root() {
        String p = System.getProperty("cnnviz.shared");
        Assumptions.assumeTrue(p != null && !p.isBlank(), "set -Dcnnviz.shared=... to run");
        Path given = Path.of(p.trim());
        if (given.isAbsolute()) {
            if (!Files.isDirectory(given)) {
                fail("-Dcnnviz.shared=" + p + " is not a directory");
            }
            return given;
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(given).normalize();
            if (Files.isDirectory(candidate.resolve("models"))) {
                return candidate;
            }
        }
        return fail("-Dcnnviz.shared=" + p + " does not name the shared folder (searched from "
                + Path.of("").toAbsolutePath() + " upwards)");
    }

    /** @return the shared file at {@code relative}; fails the test if it is missing */
    static Path require(String relative) {
        Path f = root().resolve(relative);
        if (!Files.isRegularFile(f)) {
            fail("missing shared file " + f);
        }
        return f;
    }
}
