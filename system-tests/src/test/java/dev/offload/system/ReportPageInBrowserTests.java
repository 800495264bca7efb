package dev.offload.system;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import dev.offload.model.Messages;
import dev.offload.testsupport.ServiceProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
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
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The report page in a real browser (Debian's chromium, headless, driven by Selenium)
 * against the whole system: a user signs in, requests reports from the page, watches
 * their status change without reloading it, cancels one and downloads another; creates a
 * schedule with the page's form, and follows batches requested through the API to their
 * end or cancels one. Leaves screenshots of the page in {@code docs/screenshots}
 * ({@code report-page.png} and {@code schedules-and-batches.png}), which the README
 * shows.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
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
	@Order(1)
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
		try (Connection lock = system.database.holdingLock("sales.order_lines", "ACCESS EXCLUSIVE")) {
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

	@Test
	@Order(2)
	void signedInUserCreatesAScheduleWithTheFormAndFollowsBatchesToTheirEnd() throws Exception {
		openSignedIn();
		String browserZone = (String) browser.executeScript("return Intl.DateTimeFormat().resolvedOptions().timeZone;");

		browser.findElement(By.id("new-schedule")).click();
		waitUntil(ExpectedConditions.visibilityOfElementLocated(By.id("schedule-form")));
		WebElement zone = browser.findElement(By.id("schedule-time-zone"));
		assertThat(zone.getDomProperty("value")).isEqualTo(browserZone);
		browser.findElement(By.id("schedule-name")).sendKeys("Sales last month, North America");
		new Select(browser.findElement(By.id("schedule-type"))).selectByValue("SALES_SUMMARY");
		new Select(browser.findElement(By.id("schedule-period"))).selectByValue("PREVIOUS_MONTH");
		// The period fills in the dates: the form leaves them out.
		assertThat(browser.findElements(By.id("schedule-param-from"))).isEmpty();
		assertThat(browser.findElements(By.id("schedule-param-to"))).isEmpty();
		new Select(browser.findElement(By.id("schedule-param-region"))).selectByValue("North America");
		new Select(browser.findElement(By.id("schedule-every"))).selectByValue("MONTH");
		assertThat(browser.findElement(By.id("schedule-day")).isDisplayed()).isFalse();
		new Select(browser.findElement(By.id("schedule-day-of-month"))).selectByValue("1");
		// Like a date input, a time input's typed form depends on the locale; its value
		// does not.
		browser.executeScript("arguments[0].value = '06:00';", browser.findElement(By.id("schedule-at")));
		browser.findElement(By.cssSelector("label:has(#schedule-format-PDF)")).click();

		// A fixed offset knows no daylight-saving time: refused, and said beside the
		// field.
		zone.clear();
		zone.sendKeys("+02:00");
		browser.findElement(By.id("submit-schedule")).click();
		WebElement zoneError = waitUntil(
				ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#schedule-time-zone + .field-error")));
		assertThat(zoneError.getText()).contains("+02:00");
		assertThat(zone.getDomAttribute("aria-invalid")).isEqualTo("true");
		assertThat(browser.findElement(By.id("schedule-form-error")).getText())
			.isEqualTo("Please correct the highlighted field.");
		assertThat(scheduleCount()).isZero();
		saveScreenshot("schedule-form.png", browser.findElement(By.cssSelector(".card.schedules")));

		zone.clear();
		zone.sendKeys("Europe/Berlin");
		browser.findElement(By.id("submit-schedule")).click();
		waitUntil(ExpectedConditions.invisibilityOfElementLocated(By.id("schedule-form")));
		String scheduleId = waitUntil((driver) -> (String) ((JavascriptExecutor) driver)
			.executeScript("const row = document.querySelector('#schedules tr[data-schedule-id]');"
					+ " return row ? row.getAttribute('data-schedule-id') : null;"));

		// Next run: the 1st at 06:00 in Berlin, covering the month before.
		ZoneId berlin = ZoneId.of("Europe/Berlin");
		ZonedDateTime now = ZonedDateTime.now(berlin);
		ZonedDateTime nextRun = now.withDayOfMonth(1).toLocalDate().atTime(6, 0).atZone(berlin);
		if (!nextRun.isAfter(now)) {
			nextRun = nextRun.plusMonths(1);
		}
		LocalDate from = nextRun.toLocalDate().minusMonths(1);
		LocalDate to = nextRun.toLocalDate().minusDays(1);
		Instant nextRunAt = nextRun.toInstant();

		// Read in one look: the card may be drawn again at any moment.
		List<String> shown = waitUntil((driver) -> {
			WebElement row = driver.findElement(By.cssSelector("#schedules tr[data-schedule-id='" + scheduleId + "']"));
			return List.of(row.findElement(By.cssSelector(".report-title")).getText(), row.getText(),
					row.findElement(By.cssSelector("[data-role='next-run']")).getText());
		});
		assertThat(shown.get(0)).startsWith("Sales last month, North America").endsWith("PDF");
		assertThat(shown.get(1)).contains("Day 1 of each month at 06:00", "Europe/Berlin", "The month before",
				"None yet");
		String shownNextRun = (String) browser
			.executeScript("return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })"
					+ ".format(new Date(arguments[0]));", nextRunAt.toString());
		assertThat(shown.get(2)).contains(shownNextRun, from + " → " + to);
		assertThat(browser.findElement(By.id("schedules-status")).getDomProperty("textContent"))
			.contains("Sales last month, North America");

		// The API and the database hold what the form said.
		HttpResponse<String> fromApi = system.get("/api/schedules/" + scheduleId);
		assertThat(fromApi.statusCode()).isEqualTo(200);
		JsonNode schedule = Messages.json().readTree(fromApi.body());
		assertThat(schedule.path("type").asString()).isEqualTo("SALES_SUMMARY");
		assertThat(schedule.path("format").asString()).isEqualTo("PDF");
		assertThat(schedule.path("period").asString()).isEqualTo("PREVIOUS_MONTH");
		assertThat(schedule.path("timeZone").asString()).isEqualTo("Europe/Berlin");
		assertThat(schedule.path("rule").path("every").asString()).isEqualTo("MONTH");
		assertThat(schedule.path("rule").path("dayOfMonth").asString()).isEqualTo("1");
		assertThat(schedule.path("rule").path("at").asString()).isEqualTo("06:00");
		assertThat(schedule.has("cron")).isFalse();
		assertThat(Instant.parse(schedule.path("nextRunAt").asString())).isEqualTo(nextRunAt);
		assertThat(schedule.path("nextRunParameters").path("from").asString()).isEqualTo(from.toString());
		try (Connection connection = system.database.connect();
				PreparedStatement query = connection.prepareStatement("SELECT name, type, format, period, cron,"
						+ " rule ->> 'every', rule ->> 'dayOfMonth', rule ->> 'at', time_zone, parameters ->> 'region',"
						+ " parameters -> 'from' IS NOT NULL, paused, next_run_at FROM report_schedules WHERE id = ?::uuid")) {
			query.setString(1, scheduleId);
			try (ResultSet result = query.executeQuery()) {
				assertThat(result.next()).isTrue();
				assertThat(result.getString(1)).isEqualTo("Sales last month, North America");
				assertThat(result.getString(2)).isEqualTo("SALES_SUMMARY");
				assertThat(result.getString(3)).isEqualTo("PDF");
				assertThat(result.getString(4)).isEqualTo("PREVIOUS_MONTH");
				assertThat(result.getString(5)).isNull();
				assertThat(result.getString(6)).isEqualTo("MONTH");
				assertThat(result.getString(7)).isEqualTo("1");
				assertThat(result.getString(8)).isEqualTo("06:00");
				assertThat(result.getString(9)).isEqualTo("Europe/Berlin");
				assertThat(result.getString(10)).isEqualTo("North America");
				assertThat(result.getBoolean(11)).isFalse();
				assertThat(result.getBoolean(12)).isFalse();
				assertThat(result.getTimestamp(13).toInstant()).isEqualTo(nextRunAt);
				assertThat(result.next()).isFalse();
			}
		}

		// A batch requested through the API shows up without a reload and is followed to
		// its end.
		String noOps = requestBatch("{\"type\":\"NO_OP\",\"format\":\"CSV\",\"items\":[{},{},{}]}");
		// The card is drawn again every few seconds while a batch is open: each look
		// reads
		// the row afresh, all at once, so no reference outlives a redraw.
		List<String> completed = waitUntil((driver) -> {
			WebElement row = driver.findElement(batchRow(noOps, "COMPLETED"));
			return List.of(row.findElement(By.cssSelector("[role='progressbar']")).getDomAttribute("aria-valuenow"),
					row.findElement(By.cssSelector("[data-role='progress']")).getText(),
					row.findElement(By.cssSelector("[data-role='counts']")).getText(),
					Integer.toString(row.findElements(By.cssSelector("[data-action='cancel']")).size()));
		});
		assertThat(completed).containsExactly("100", "3 of 3 finished · 100%", "3 succeeded", "0");

		// One held open (the sales data locked), then cancelled from the page.
		String statements;
		try (Connection lock = system.database.holdingLock("sales.order_lines", "ACCESS EXCLUSIVE")) {
			statements = requestBatch("{\"type\":\"SALES_SUMMARY\",\"format\":\"CSV\","
					+ "\"parameters\":{\"from\":\"2024-01-01\",\"to\":\"2024-12-31\"},"
					+ "\"items\":[{\"region\":\"Africa\"},{\"region\":\"Asia Pacific\"},{\"region\":\"Central Europe\"}]}");
			waitUntil(ExpectedConditions.presenceOfElementLocated(batchRow(statements, "RUNNING")));
			waitUntil((driver) -> driver.findElement(batchRow(statements, "RUNNING"))
				.findElement(By.cssSelector("[data-role='counts']"))
				.getText()
				.contains("running"));
			String progress = waitUntil((driver) -> driver.findElement(batchRow(statements, "RUNNING"))
				.findElement(By.cssSelector("[data-role='progress']"))
				.getText());
			assertThat(progress).isEqualTo("0 of 3 finished · 0%");
			saveFullPageScreenshot("schedules-and-batches.png");
			waitUntil((driver) -> {
				driver.findElement(batchRow(statements, "RUNNING"))
					.findElement(By.cssSelector("[data-action='cancel']"))
					.click();
				return true;
			});
			int cancelButtons = waitUntil((driver) -> driver.findElement(batchRow(statements, "CANCELLED"))
				.findElements(By.cssSelector("[data-action='cancel']"))
				.size());
			assertThat(cancelButtons).isZero();
			lock.rollback();
		}
		assertThat(batchState(statements)).isEqualTo("CANCELLED");
		// Nothing of this test is left running for another.
		await().atMost(TIMEOUT).until(() -> unfinishedReportsOf(statements) == 0);
	}

	/** Opens the page, signing in unless this tab still holds the credentials. */
	private static void openSignedIn() {
		browser.get(system.api.baseUri().resolve("/").toString());
		waitUntil((driver) -> driver.findElement(By.id("app-view")).isDisplayed()
				|| driver.findElement(By.id("sign-in-view")).isDisplayed());
		if (browser.findElement(By.id("sign-in-view")).isDisplayed()) {
			browser.findElement(By.id("username")).sendKeys(RunningSystem.ALICE);
			browser.findElement(By.id("password")).sendKeys(RunningSystem.ALICE_PASSWORD);
			browser.findElement(By.id("sign-in-button")).click();
		}
		waitUntil(ExpectedConditions.attributeToBe(By.id("live-status"), "data-state", "live"));
	}

	private static String requestBatch(String json) {
		HttpResponse<String> accepted = system.post("/api/batches", json);
		assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
		return Messages.json().readTree(accepted.body()).path("id").asString();
	}

	private static By batchRow(String batchId, String state) {
		return By.cssSelector("#batches tr[data-batch-id='" + batchId + "'][data-state='" + state + "']");
	}

	private static int scheduleCount() throws Exception {
		try (Connection connection = system.database.connect();
				Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery("SELECT count(*) FROM report_schedules")) {
			result.next();
			return result.getInt(1);
		}
	}

	private static String batchState(String batchId) throws Exception {
		try (Connection connection = system.database.connect();
				PreparedStatement query = connection
					.prepareStatement("SELECT state FROM report_batches WHERE id = ?::uuid")) {
			query.setString(1, batchId);
			try (ResultSet result = query.executeQuery()) {
				result.next();
				return result.getString(1);
			}
		}
	}

	private static int unfinishedReportsOf(String batchId) throws Exception {
		try (Connection connection = system.database.connect();
				PreparedStatement query = connection.prepareStatement("SELECT count(*) FROM reports"
						+ " WHERE batch_id = ?::uuid AND status IN ('QUEUED', 'RUNNING')")) {
			query.setString(1, batchId);
			try (ResultSet result = query.executeQuery()) {
				result.next();
				return result.getInt(1);
			}
		}
	}

	/** The whole page, however long, rather than the window's 900 pixels. */
	private static void saveFullPageScreenshot(String name) throws IOException {
		Dimension window = browser.manage().window().getSize();
		long height = (Long) browser.executeScript("return document.documentElement.scrollHeight;");
		browser.manage().window().setSize(new Dimension(window.getWidth(), (int) height + 140));
		try {
			saveScreenshot(name);
		}
		finally {
			browser.manage().window().setSize(window);
		}
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
		// From the top, whatever a click scrolled into view.
		browser.executeScript("window.scrollTo(0, 0);");
		saveScreenshot(name, browser.getScreenshotAs(OutputType.FILE).toPath());
	}

	/** Only the element. */
	private static void saveScreenshot(String name, WebElement element) throws IOException {
		browser.executeScript("arguments[0].scrollIntoView({ block: 'start' });", element);
		saveScreenshot(name, element.getScreenshotAs(OutputType.FILE).toPath());
	}

	private static void saveScreenshot(String name, Path screenshot) throws IOException {
		Path directory = Path.of(System.getProperty("offload.screenshots", "target/screenshots"));
		Files.createDirectories(directory);
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
