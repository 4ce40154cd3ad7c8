package dev.cnnviz.core;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Locates the shared data folder ({@code ../shared} beside the project) from the system property
 * {@code cnnviz.shared}. Unset or blank: the calling test is skipped. Set but the folder or file is missing: the
 * test fails (shipped in core's test jar for every module's tests). A relative value is resolved against the working directory or, failing that, its ancestors, so
 * that {@code -Dcnnviz.shared=../shared} works from the project root and from a module directory alike.
 */
public final class SharedData {
    private SharedData() {
    }

    /** @return the shared folder; skips the test when the property is not set */
    public static Path root() {
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
    public static Path require(String relative) {
        Path f = root().resolve(relative);
        if (!Files.isRegularFile(f)) {
            fail("missing shared file " + f);
        }
        return f;
    }
}
