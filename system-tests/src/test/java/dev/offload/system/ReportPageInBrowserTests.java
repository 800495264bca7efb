package dev.offload.system;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import dev.offload.testsupport.ServiceProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The report page in a real browser (Debian's chromium, headless, driven by Selenium)
 * against the whole system: a user signs in, requests reports from the page, watches
 * their status change without reloading it, cancels one and downloads another. Leaves a
 * screenshot of the page in {@code docs/screenshots/report-page.png}, which the README
 * shows.
 */
class ReportPageInBrowserTests {

	private static final List<Path> CHROMIUM = List.of(Path.of("/usr/bin/chromium"),
			Path.of("/usr/bin/chromium-browser"), Path.of("/usr/lib/chromium/chromium"));

	private static final List<Path> CHROMEDRIVER = List.of(Path.of("/usr/bin/chromedriver"),
			Path.of("/usr/lib/chromium/chromedriver"));

	private static final Duration TIMEOUT = Duration.ofSeconds(60);

	private static RunningSystem system;

	private static ChromeDriver browser;

	private static Path downloads;

	/** Why the test is skipped, when no chromium is installed. */
	private static String noBrowser;

	@BeforeAll
	static void startSystemAndBrowser() throws IOException {
		Optional<Path> chromium = firstExisting("OFFLOAD_CHROMIUM", CHROMIUM);
		if (chromium.isEmpty()) {
			// Skipped in @BeforeEach, so the report counts the test as skipped, with why.
			noBrowser = "No chromium found (looked at $OFFLOAD_CHROMIUM and " + CHROMIUM
					+ "): skipping the browser test. Install it with: apt-get install -y chromium chromium-driver";
			return;
		}
		Path driver = firstExisting("OFFLOAD_CHROMEDRIVER", CHROMEDRIVER)
			.orElseThrow(() -> new IllegalStateException("chromium is installed but no chromedriver (looked at "
					+ "$OFFLOAD_CHROMEDRIVER and " + CHROMEDRIVER + "); apt-get install -y chromium-driver"));
		downloads = Files.createTempDirectory("offload-downloads");
		system = RunningSystem.start(500, ServiceProcess.freePort());
		browser = chrome(chromium.get(), driver, downloads);
	}

	@AfterAll
	static void stopBrowserAndSystem() throws IOException {
		try {
			if (browser != null) {
				browser.quit();
			}
		}
		finally {
			if (system != null) {
				system.close();
			}
			if (downloads != null) {
				try (Stream<Path> files = Files.walk(downloads)) {
					files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
				}
			}
		}
	}

	@BeforeEach
	void requireBrowser() {
		assumeTrue(noBrowser == null, noBrowser);
	}

	@Test
	void signedInUserRequestsReportsWatchesThemLiveWithoutReloadingCancelsOneAndDownloadsAnother() throws Exception {
		browser.get(system.api.baseUri().resolve("/").toString());
		browser.findElement(By.id("username")).sendKeys(RunningSystem.ALICE);
		browser.findElement(By.id("password")).sendKeys(RunningSystem.ALICE_PASSWORD);
		browser.findElement(By.id("sign-in-button")).click();
		waitUntil(ExpectedConditions.attributeToBe(By.id("live-status"), "data-state", "live"));
		// Survives only as long as this page does: a reload would drop it.
		browser.executeScript("window.offloadTestPage = 'not reloaded';");

		// The form is built from the catalogue: a choice, a bounded integer with its
		// default, and the type's own formats.
		String performance = request("PRODUCT_PERFORMANCE", "PDF",
				Map.of("from", "2024-01-01", "to", "2024-03-31", "top", "5"));
		awaitStatus(performance, "SUCCEEDED");

		String sales;
		// Hold the sales data so the summary stays RUNNING for the screenshot.
		try (Connection lock = system.database.connect()) {
			lock.setAutoCommit(false);
			try (Statement statement = lock.createStatement()) {
				statement.execute("LOCK TABLE sales.order_lines IN ACCESS EXCLUSIVE MODE");
			}
			sales = request("SALES_SUMMARY", "XLSX", Map.of("from", "2024-01-01", "to", "2024-12-31"));
			awaitStatus(sales, "RUNNING");
			String cancelled = request("SALES_SUMMARY", "PDF", Map.of("from", "2023-01-01", "to", "2023-06-30"));
			clickIn(cancelled, "cancel");
			awaitStatus(cancelled, "CANCELLED");
			saveScreenshot("report-page.png");
			lock.rollback();
		}
		awaitStatus(sales, "SUCCEEDED");
		assertThat(browser.executeScript("return window.offloadTestPage;")).isEqualTo("not reloaded");

		clickIn(sales, "download");
		Path file = awaitDownload(".xlsx");
		// An Office Open XML workbook: a ZIP holding the workbook part.
		byte[] workbook = Files.readAllBytes(file);
		assertThat(new String(workbook, 0, 2, StandardCharsets.ISO_8859_1)).isEqualTo("PK");
		assertThat(new String(workbook, StandardCharsets.ISO_8859_1)).contains("xl/workbook.xml");

		clickIn(performance, "download");
		Path pdf = awaitDownload(".pdf");
		assertThat(new String(Files.readAllBytes(pdf), 0, 5, StandardCharsets.ISO_8859_1)).isEqualTo("%PDF-");
	}

	private static String request(String type, String format, Map<String, String> parameters) {
		new Select(browser.findElement(By.id("report-type"))).selectByValue(type);
		parameters.forEach((name, value) -> {
			// A date input's typed form depends on the browser's locale; its value does
			// not.
			WebElement input = browser.findElement(By.id("param-" + name));
			browser.executeScript("arguments[0].value = arguments[1];", input, value);
		});
		browser.findElement(By.cssSelector("label:has(#format-" + format + ")")).click();
		int before = browser.findElements(By.cssSelector("#reports tr")).size();
		browser.findElement(By.id("submit-report")).click();
		waitUntil((driver) -> driver.findElements(By.cssSelector("#reports tr")).size() == before + 1);
		// Live events re-render the list, so a row found a moment ago may be gone: read
		// the
		// newest row's id in one step, inside the wait.
		return waitUntil((driver) -> (String) ((JavascriptExecutor) driver)
			.executeScript("const row = document.querySelector('#reports tr:first-child');"
					+ " return row ? row.getAttribute('data-report-id') : null;"));
	}

	private static void awaitStatus(String reportId, String status) {
		waitUntil(ExpectedConditions.presenceOfElementLocated(
				By.cssSelector("#reports tr[data-report-id='" + reportId + "'][data-status='" + status + "']")));
	}

	/** Clicks a row's action, finding the row again if a live update re-rendered it. */
	private static void clickIn(String reportId, String action) {
		waitUntil((driver) -> {
			row(reportId).findElement(By.cssSelector("[data-action='" + action + "']")).click();
			return true;
		});
	}

	private static WebElement row(String reportId) {
		return browser.findElement(By.cssSelector("#reports tr[data-report-id='" + reportId + "']"));
	}

	private static Path awaitDownload(String extension) throws IOException {
		await().atMost(TIMEOUT).until(() -> completedDownload(extension).isPresent());
		return completedDownload(extension).orElseThrow();
	}

	private static Optional<Path> completedDownload(String extension) throws IOException {
		try (Stream<Path> files = Files.list(downloads)) {
			return files.filter((file) -> file.getFileName().toString().endsWith(extension)).findFirst();
		}
	}

	private static void saveScreenshot(String name) throws IOException {
		Path directory = Path.of(System.getProperty("offload.screenshots", "target/screenshots"));
		Files.createDirectories(directory);
		Path screenshot = browser.getScreenshotAs(OutputType.FILE).toPath();
		Files.copy(screenshot, directory.resolve(name), StandardCopyOption.REPLACE_EXISTING);
	}

	private static <T> T waitUntil(java.util.function.Function<? super org.openqa.selenium.WebDriver, T> condition) {
		return new WebDriverWait(browser, TIMEOUT).ignoring(StaleElementReferenceException.class).until(condition);
	}

	private static ChromeDriver chrome(Path chromium, Path driver, Path downloads) {
		ChromeOptions options = new ChromeOptions();
		options.setBinary(chromium.toFile());
		options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
				"--window-size=1280,900", "--lang=en-US");
		options.setExperimentalOption("prefs",
				Map.of("download.default_directory", downloads.toString(), "download.prompt_for_download", false));
		ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driver.toFile())
			.usingAnyFreePort()
			.build();
		ChromeDriver chrome = new ChromeDriver(service, options);
		chrome.executeCdpCommand("Browser.setDownloadBehavior",
				Map.of("behavior", "allow", "downloadPath", downloads.toString()));
		return chrome;
	}

	private static Optional<Path> firstExisting(String environmentVariable, List<Path> candidates) {
		String configured = System.getenv(environmentVariable);
		if (configured != null && !configured.isBlank()) {
			return Optional.of(Path.of(configured)).filter(Files::isExecutable);
		}
		return candidates.stream().filter(Files::isExecutable).findFirst();
	}

}
