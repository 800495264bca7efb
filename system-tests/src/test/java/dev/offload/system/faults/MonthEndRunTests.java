package dev.offload.system.faults;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;
import tools.jackson.databind.JsonNode;

import dev.offload.model.Messages;
import dev.offload.testsupport.ServiceProcess;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The month-end run: a batch of 5,000 {@code CUSTOMER_STATEMENT} reports on three workers
 * while 20 interactive reports are requested one by one, and one worker is killed with
 * SIGKILL halfway. It prints how long each interactive report waited to start, the
 * batch's drain time beside what its build times predict, and asserts that every report
 * succeeded, none was lost, no outcome was mailed twice, the batch's one summary email
 * went out, and every interactive report started within 5 s.
 * <p>
 * Part of the fault suite: {@code ./mvnw verify -Pfault-injection -pl system-tests -am}.
 */
@Tag("fault-injection")
class MonthEndRunTests {

	private static final int BATCH = Integer.getInteger("offload.month-end.reports", 5000);

	private static final int INTERACTIVE = 20;

	private static final int WORKERS = 3;

	/** The shipped {@code offload.worker.bulk-concurrency}. */
	private static final int BULK_THREADS_PER_WORKER = 2;

	private static final String FORMAT = System.getProperty("offload.month-end.format", "CSV");

	private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

	private static final Duration FINISH_TIMEOUT = Duration.ofMinutes(20);

	private static final Pattern REPORT_ID = Pattern
		.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

	private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

	private final Instant started = Instant.now();

	private final List<String> timeline = new ArrayList<>();

	@Test
	void aMonthEndBatchDrainsWhileInteractiveReportsStartWithinSecondsAndAWorkerDies() throws Exception {
		int smtpPort = ServiceProcess.freePort();
		GreenMail mail = new GreenMail(new ServerSetup(smtpPort, "127.0.0.1", "smtp"));
		mail.start();
		try (TestDatabase database = TestDatabase.create(); TestBroker broker = TestBroker.create()) {
			Path logs = Path.of(System.getProperty("offload.logs", "target/service-logs"))
				.resolve("month-end-" + database.name());
			Map<String, Object> common = new HashMap<>();
			common.putAll(database.springProperties());
			common.putAll(broker.springProperties());
			common.put("offload.worker.lease-duration", "30s");

			Map<String, Object> seed = new HashMap<>(common);
			seed.put("spring.profiles.active", "seed");
			// 20 orders a customer: 5,000 customers.
			seed.put("offload.seed.orders", BATCH * 20);
			ServiceProcess.runToCompletion("seeder", jar("report-worker"), seed, logs, Duration.ofMinutes(5));

			int apiPort = ServiceProcess.freePort();
			Map<String, Object> apiProperties = new HashMap<>(common);
			apiProperties.put("server.port", apiPort);
			apiProperties.put("offload.api.security.rate-limit.enabled", false);
			ServiceProcess api = ServiceProcess.start("api-1", jar("api-service"), apiPort, apiProperties, logs,
					START_TIMEOUT);
			List<ServiceProcess> workers = new ArrayList<>();
			for (int i = 1; i <= WORKERS; i++) {
				int port = ServiceProcess.freePort();
				Map<String, Object> properties = new HashMap<>(common);
				properties.put("server.port", port);
				properties.put("spring.mail.host", "127.0.0.1");
				properties.put("spring.mail.port", smtpPort);
				properties.put("offload.worker.email.download-base-url", api.baseUri());
				workers.add(ServiceProcess.start("worker-" + i, jar("report-worker"), port, properties, logs,
						START_TIMEOUT));
			}
			note("system up: 1 api-service, " + WORKERS + " report-worker");

			String items = IntStream.rangeClosed(1, BATCH)
				.mapToObj((customer) -> "{\"customerId\":\"" + customer + "\"}")
				.collect(Collectors.joining(","));
			HttpResponse<String> accepted = send(api, "/api/batches", """
					{"type":"CUSTOMER_STATEMENT","format":"%s","parameters":{"from":"2025-01-01","to":"2025-12-31"},
					 "items":[%s]}""".formatted(FORMAT, items), "month-end-" + database.name());
			assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
			UUID batch = UUID.fromString(Messages.json().readTree(accepted.body()).get("id").asString());
			Instant batchAccepted = Instant.now();
			note("batch " + batch + " of " + BATCH + " accepted");

			// Interactive reports one by one, every 3 s; a worker dies after the 7th.
			List<UUID> interactive = new ArrayList<>();
			for (int i = 0; i < INTERACTIVE; i++) {
				if (i == 7) {
					ServiceProcess victim = workers.get(1);
					note("SIGKILL " + victim.name() + " with " + counts(database, batch) + " of the batch");
					victim.kill();
					workers.set(1, victim.restart(START_TIMEOUT));
					note(victim.name() + " back");
				}
				HttpResponse<String> response = send(api, "/api/reports", """
						{"type":"CUSTOMER_STATEMENT","format":"PDF",
						 "parameters":{"customerId":"%d","from":"2025-01-01","to":"2025-12-31"}}""".formatted(i + 1),
						"interactive-" + database.name() + "-" + i);
				assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
				interactive.add(UUID.fromString(Messages.json().readTree(response.body()).get("id").asString()));
				Thread.sleep(3000); // pacing the interactive requests, not waiting for a
									// result
			}
			note("20 interactive reports requested; batch at " + counts(database, batch));

			Instant deadline = Instant.now().plus(FINISH_TIMEOUT);
			while (Instant.now().isBefore(deadline) && !"COMPLETED".equals(batchState(database, batch))) {
				Thread.sleep(2000); // polling the database for the end state
			}
			Instant batchDone = Instant.now();
			note("batch " + batchState(database, batch) + ": " + counts(database, batch));
			while (Instant.now().isBefore(deadline) && open(database, interactive) > 0) {
				Thread.sleep(1000); // polling the database for the end state
			}
			// The 20 interactive emails and the batch's one summary, then time for a
			// duplicate to arrive if anything would send one.
			Instant mailDeadline = Instant.now().plus(Duration.ofMinutes(2));
			while (Instant.now().isBefore(mailDeadline) && mail.getReceivedMessages().length < INTERACTIVE + 1) {
				Thread.sleep(1000); // polling the SMTP server's inbox
			}
			Thread.sleep(5000);

			Map<String, Long> batchCounts = counts(database, batch);
			List<Long> startMillis = startDelays(database, interactive);
			List<Long> sorted = startMillis.stream().sorted().toList();
			long p50 = percentile(sorted, 50);
			long p99 = percentile(sorted, 99);
			long maxStart = sorted.isEmpty() ? Long.MAX_VALUE : sorted.get(sorted.size() - 1);
			double medianBuildMillis = medianBuildMillis(database, batch);
			double predictedDrainSeconds = medianBuildMillis * BATCH / (WORKERS * BULK_THREADS_PER_WORKER) / 1000;
			long drainSeconds = Duration.between(batchAccepted, batchDone).toSeconds();
			int progress = Messages.json().readTree(get(api, "/api/batches/" + batch).body()).get("progress").asInt();
			Map<String, Set<String>> messageIdsPerReport = new HashMap<>();
			long summaries = 0;
			Set<String> summaryIds = new HashSet<>();
			for (MimeMessage message : mail.getReceivedMessages()) {
				String text = message.getSubject() + " " + GreenMailUtil.getBody(message);
				if (message.getSubject().startsWith("Your batch of")) {
					summaries++;
					summaryIds.add(message.getMessageID());
					continue;
				}
				Matcher matcher = REPORT_ID.matcher(text);
				String id = matcher.find() ? matcher.group() : "unknown";
				messageIdsPerReport.computeIfAbsent(id, (key) -> new HashSet<>()).add(message.getMessageID());
			}
			long duplicateEmails = messageIdsPerReport.values().stream().filter((ids) -> ids.size() > 1).count()
					+ Math.max(0, summaryIds.size() - 1);
			long batchReportEmails = messageIdsPerReport.keySet()
				.stream()
				.filter((id) -> !interactive.contains(safeUuid(id)))
				.count();
			long interactiveSucceeded = interactive.stream()
				.filter((id) -> "SUCCEEDED".equals(status(database, id)))
				.count();
			long lost = batchCounts.getOrDefault("QUEUED", 0L) + batchCounts.getOrDefault("RUNNING", 0L)
					+ open(database, interactive);

			String table = """
					| figure | value |
					| --- | --- |
					| batch reports (CUSTOMER_STATEMENT, %s) | %d |
					| succeeded | %d |
					| failed | %d |
					| lost (accepted, never finished) | %d |
					| batch progress | %d%% |
					| summary emails for the batch | %d |
					| emails for single batch reports (there should be none) | %d |
					| duplicate emails | %d |
					| interactive reports succeeded | %d of %d |
					| interactive request → RUNNING, p50 | %d ms |
					| interactive request → RUNNING, p99 | %d ms |
					| interactive request → RUNNING, max | %d ms |
					| batch drain time (accepted → completed) | %d s |
					| predicted drain (median build %.0f ms × %d / (%d workers × %d bulk threads)) | %.0f s |
					| workers killed | 1 (SIGKILL, restarted) |
					""".formatted(FORMAT, BATCH, batchCounts.getOrDefault("SUCCEEDED", 0L),
					batchCounts.getOrDefault("FAILED", 0L), lost, progress, summaries, batchReportEmails,
					duplicateEmails, interactiveSucceeded, INTERACTIVE, p50, p99, maxStart, drainSeconds,
					medianBuildMillis, BATCH, WORKERS, BULK_THREADS_PER_WORKER, predictedDrainSeconds);
			String report = "# Month-end run\n\n" + table + "\nInteractive request → RUNNING (ms), in order: "
					+ startMillis + "\n\n## Timeline\n\n"
					+ this.timeline.stream().map((line) -> "- " + line).collect(Collectors.joining("\n")) + "\n";
			System.out.println(report);
			Files.writeString(Path.of("target", "month-end-results.md"), report);

			workers.forEach(ServiceProcess::close);
			api.close();

			assertThat(batchCounts.getOrDefault("SUCCEEDED", 0L)).as("batch reports succeeded").isEqualTo(BATCH);
			assertThat(lost).as("accepted reports that never finished").isZero();
			assertThat(progress).isEqualTo(100);
			assertThat(summaries).as("summary emails").isEqualTo(1);
			assertThat(batchReportEmails).as("emails for single batch reports").isZero();
			assertThat(duplicateEmails).as("outcomes mailed more than once").isZero();
			assertThat(interactiveSucceeded).isEqualTo(INTERACTIVE);
			assertThat(maxStart).as("the longest an interactive report waited to start, ms").isLessThanOrEqualTo(5000);
		}
		finally {
			mail.stop();
		}
	}

	private static UUID safeUuid(String id) {
		try {
			return UUID.fromString(id);
		}
		catch (IllegalArgumentException ex) {
			return null;
		}
	}

	private static long percentile(List<Long> sorted, int percentile) {
		if (sorted.isEmpty()) {
			return -1;
		}
		int index = (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1;
		return sorted.get(Math.max(0, Math.min(index, sorted.size() - 1)));
	}

	private static Map<String, Long> counts(TestDatabase database, UUID batch) throws Exception {
		Map<String, Long> counts = new java.util.TreeMap<>();
		try (Connection connection = database.connect();
				PreparedStatement query = connection
					.prepareStatement("SELECT status, count(*) FROM reports WHERE batch_id = ? GROUP BY status")) {
			query.setObject(1, batch);
			try (ResultSet rows = query.executeQuery()) {
				while (rows.next()) {
					counts.put(rows.getString(1), rows.getLong(2));
				}
			}
		}
		return counts;
	}

	private static String batchState(TestDatabase database, UUID batch) throws Exception {
		try (Connection connection = database.connect();
				PreparedStatement query = connection
					.prepareStatement("SELECT state FROM report_batches WHERE id = ?")) {
			query.setObject(1, batch);
			try (ResultSet rows = query.executeQuery()) {
				return rows.next() ? rows.getString(1) : null;
			}
		}
	}

	private static String status(TestDatabase database, UUID report) {
		try (Connection connection = database.connect();
				PreparedStatement query = connection.prepareStatement("SELECT status FROM reports WHERE id = ?")) {
			query.setObject(1, report);
			try (ResultSet rows = query.executeQuery()) {
				return rows.next() ? rows.getString(1) : null;
			}
		}
		catch (java.sql.SQLException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static long open(TestDatabase database, List<UUID> reports) {
		return reports.stream()
			.map((id) -> status(database, id))
			.filter((status) -> !"SUCCEEDED".equals(status) && !"FAILED".equals(status) && !"CANCELLED".equals(status))
			.count();
	}

	/**
	 * How long each report waited from its request to the moment a worker claimed it
	 * ({@code started_at - created_at}).
	 */
	private static List<Long> startDelays(TestDatabase database, List<UUID> reports) throws Exception {
		List<Long> delays = new ArrayList<>();
		try (Connection connection = database.connect();
				PreparedStatement query = connection.prepareStatement(
						"SELECT (extract(epoch FROM started_at - created_at) * 1000)::bigint FROM reports WHERE id = ?")) {
			for (UUID id : reports) {
				query.setObject(1, id);
				try (ResultSet rows = query.executeQuery()) {
					if (rows.next() && rows.getObject(1) != null) {
						delays.add(rows.getLong(1));
					}
				}
			}
		}
		return delays;
	}

	private static double medianBuildMillis(TestDatabase database, UUID batch) throws Exception {
		try (Connection connection = database.connect(); PreparedStatement query = connection.prepareStatement("""
				SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at) * 1000)
				FROM reports WHERE batch_id = ? AND status = 'SUCCEEDED'""")) {
			query.setObject(1, batch);
			try (ResultSet rows = query.executeQuery()) {
				rows.next();
				return rows.getDouble(1);
			}
		}
	}

	private static HttpResponse<String> send(ServiceProcess api, String path, String body, String key)
			throws IOException, InterruptedException {
		HttpRequest request = HttpRequest.newBuilder(api.baseUri().resolve(path))
			.timeout(Duration.ofSeconds(30))
			.header("Authorization", credentials())
			.header("Content-Type", "application/json")
			.header("Idempotency-Key", key)
			.POST(HttpRequest.BodyPublishers.ofString(body))
			.build();
		return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
	}

	private static HttpResponse<String> get(ServiceProcess api, String path) throws IOException, InterruptedException {
		HttpRequest request = HttpRequest.newBuilder(api.baseUri().resolve(path))
			.timeout(Duration.ofSeconds(30))
			.header("Authorization", credentials())
			.GET()
			.build();
		return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
	}

	private static String credentials() {
		return "Basic " + Base64.getEncoder().encodeToString("alice:alice-secret".getBytes(StandardCharsets.UTF_8));
	}

	private synchronized void note(String event) {
		String line = String.format("%5.1f s  %s", Duration.between(this.started, Instant.now()).toMillis() / 1000.0,
				event);
		this.timeline.add(line);
		System.out.println(line);
	}

	private static Path jar(String service) {
		String path = System.getProperty("offload." + service + ".jar");
		if (path == null) {
			throw new IllegalStateException(
					"System property offload." + service + ".jar is not set; run with ./mvnw verify -Pfault-injection");
		}
		return Path.of(path);
	}

}
