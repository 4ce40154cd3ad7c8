package dev.cnnviz.examples.tour;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnnviz.examples.cli.Cli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Runs {@code cnnviz tour --quick} once on the embedded model and opens every page in a real browser (Debian's
 * {@code chromium}, headless, through {@code chromedriver}): each page loads from {@code file://}, every image has
 * decoded ({@code naturalWidth > 0}), the console has no errors, and the nav bar links every page. A screenshot of
 * the index is saved as {@code target/tour-index.png}. Skipped, with a message, where chromium or chromedriver is not
 * installed ({@code .ci/run} installs both).
 */
class TourBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path OUT = Path.of("target", "tour-browser-test");
    private static final List<String> PAGES = List.of("index", "inspect", "attribute", "synthesize", "stylize", "attack");

    private static ChromeDriver driver;
    private static String tourOutput;

    @BeforeAll
    static void runTourAndStartBrowser() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "skipped: the browser test needs Debian's chromium and chromium-driver (" + CHROMIUM + ", " + CHROMEDRIVER
                        + "); apt-get install -y chromium chromium-driver");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Cli.execute(new PrintWriter(out), new PrintWriter(err), "tour", "--quick", "--out", OUT.toString());
        tourOutput = out + "\n" + err;
        assertEquals(0, code, "cnnviz tour failed:\n" + tourOutput);

        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,2000", "--allow-file-access-from-files");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability(ChromeOptions.LOGGING_PREFS, logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
    }

    @AfterAll
    static void quit() {
        if (driver != null) {
            driver.quit();
        }
    }

    @Test
    void everyPageLoadsWithItsImagesAndNoConsoleErrors() throws Exception {
        for (String page : PAGES) {
            Path file = OUT.resolve(page + ".html").toAbsolutePath();
            assertTrue(Files.isRegularFile(file), "the tour did not write " + file + ":\n" + tourOutput);
            driver.get(file.toUri().toString());
            // get() returns once the page has loaded (the default page load strategy), images included.
            assertEquals("complete", driver.executeScript("return document.readyState"), page);
            assertFalse(driver.getTitle().isBlank(), page + ": no title");

            List<WebElement> images = driver.findElements(By.tagName("img"));
            assertFalse(images.isEmpty(), page + ": no images");
            @SuppressWarnings("unchecked")
            List<Object> broken = (List<Object>) driver.executeScript(
                    "return Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0))"
                            + ".map(i => i.getAttribute('src'));");
            assertTrue(broken.isEmpty(), page + ": images that did not load: " + broken);

            Set<String> nav = new TreeSet<>();
            for (WebElement a : driver.findElements(By.cssSelector("nav a"))) {
                nav.add(a.getAttribute("href").replaceAll("^.*/", ""));
            }
            Set<String> expected = new TreeSet<>();
            PAGES.forEach(p -> expected.add(p + ".html"));
            assertEquals(expected, nav, page + ": the nav bar does not link every page");

            if (!page.equals("index")) {
                int figures = driver.findElements(By.cssSelector("figure")).size();
                int captions = driver.findElements(By.cssSelector("figcaption .time")).size();
                assertTrue(figures > 0 && figures == captions, page + ": " + figures + " figures, " + captions
                        + " with the seconds they took");
            }

            List<String> errors = new ArrayList<>();
            for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) {
                if (e.getLevel().intValue() >= Level.SEVERE.intValue()) {
                    errors.add(e.getMessage());
                }
            }
            assertTrue(errors.isEmpty(), page + ": console errors: " + errors);

            if (page.equals("index")) {
                byte[] png = driver.getScreenshotAs(OutputType.BYTES);
                Files.write(Path.of("target", "tour-index.png"), png);
                assertTrue(png.length > 1000, "the screenshot of the index is empty");
            }
        }
    }

    @Test
    void theStylePageSaysWhatRunsThere() {
        driver.get(OUT.resolve("stylize.html").toAbsolutePath().toUri().toString());
        String text = driver.findElement(By.tagName("main")).getText();
        assertTrue(text.contains("Gram matrices") && text.contains("dev.cnnviz.core.style"), text);
        assertTrue(text.contains("Texture synthesis") && text.contains("Style transfer"), text);
    }
}
