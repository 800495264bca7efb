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
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import dev.offload.model.Messages;
import dev.offload.testsupport.RabbitCluster;
import dev.offload.testsupport.ServiceProcess;
import dev.offload.testsupport.TcpProxy;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fault-injection suite: two api-service and three report-worker processes on the
 * real RabbitMQ, PostgreSQL and a GreenMail SMTP server take at least 1,000 report
 * requests while workers are killed with SIGKILL, RabbitMQ is restarted, SMTP refuses
 * connections for 30 s and an api-service is restarted. It prints what happened to every
 * accepted request and asserts that none was lost and no outcome was mailed twice.
 * <p>
 * Not part of {@code ./mvnw verify}: run it with {@code ./mvnw verify -Pfault-injection}.
 * It restarts the local RabbitMQ (with {@code rabbitmqctl}), so run it on a machine where
 * nothing else uses that broker at the time.
 */
@Tag("fault-injection")
class NoAcceptedReportIsLostUnderFaultsTests {

	private static final Logger logger = LoggerFactory.getLogger(NoAcceptedReportIsLostUnderFaultsTests.class);

	/**
	 * Whether the suite runs on a three-node RabbitMQ cluster of its own
	 * ({@code -Pcluster}).
	 */
	private static final boolean CLUSTER = Boolean.getBoolean("offload.faults.cluster");

	private static final int REPORTS = Integer.getInteger("offload.faults.reports", CLUSTER ? 5000 : 1000);

	private static final Duration SUBMISSION_SPAN = Duration.ofSeconds(CLUSTER ? 120 : 50);

	private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

	private static final Duration FINISH_TIMEOUT = Duration.ofMinutes(CLUSTER ? 12 : 9);

	private static final Pattern REPORT_ID = Pattern
		.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

	private static final Pattern STORED = Pattern.compile("\\[(" + REPORT_ID.pattern() + ")\\] .*Stored ");

	private final List<String> timeline = new ArrayList<>();

	private final Instant started = Instant.now();

	/** When every service is up: the load and the fault timetable count from here. */
	private volatile Instant systemUp = Instant.now();

	/** Valid requests answered with a 4xx other than 429, by status. */
	private final Map<Integer, Integer> refusals = new ConcurrentHashMap<>();

	/** Each fault and when it was injected, for the time to recover after it. */
	private final Map<String, Instant> faults = new java.util.LinkedHashMap<>();

	@Test
	void acceptedReportsAreNeverLostAndEachOutcomeIsMailedOnce() throws Exception {
		int smtpPort = ServiceProcess.freePort();
		GreenMail mail = new GreenMail(new ServerSetup(smtpPort, "127.0.0.1", "smtp"));
		mail.start();
		RabbitCluster cluster = CLUSTER ? RabbitCluster.start(Path.of("target", "rabbit-cluster"), 3) : null;
		try (RabbitCluster nodes = cluster;
				TestDatabase database = TestDatabase.create();
				TestBroker broker = CLUSTER ? cluster.broker() : TestBroker.create();
				TcpProxy smtp = TcpProxy.start("127.0.0.1", smtpPort)) {
			Path logs = Path.of(System.getProperty("offload.logs", "target/service-logs"))
				.resolve("faults-" + database.name());
			Map<String, Object> common = new HashMap<>();
			common.putAll(database.springProperties());
			common.putAll(broker.springProperties());
			// Reconciliation finds tasks the broker lost (the purge) within the run.
			common.put("offload.api.reconciliation.interval", "5s");
			common.put("offload.api.reconciliation.grace", "30s");
			// A retry overdue by a minute is lost (the retry delays here are 1 to 8 s); a
			// dead
			// worker's report is taken back 30 s after its last sign of life.
			common.put("offload.api.reconciliation.retry-age", "1m");
			common.put("offload.worker.lease-duration", "30s");
			if (CLUSTER) {
				note("RabbitMQ cluster up: " + cluster.addresses());
				common.put("spring.rabbitmq.address-shuffle-mode", "random");
			}

			Map<String, Object> seed = new HashMap<>(common);
			seed.put("spring.profiles.active", "seed");
			seed.put("offload.seed.orders", 2_000);
			ServiceProcess.runToCompletion("seeder", jar("report-worker"), seed, logs, Duration.ofMinutes(3));

			List<ServiceProcess> apis = new CopyOnWriteArrayList<>();
			for (int i = 1; i <= 2; i++) {
				int port = ServiceProcess.freePort();
				Map<String, Object> properties = new HashMap<>(common);
				properties.put("server.port", port);
				// One user sends every request here; the back-pressure limits are not
				// under test.
				properties.put("offload.api.limits.max-unfinished-per-user", 1_000_000);
				properties.put("offload.api.limits.max-backlog", 1_000_000);
				// One user submits the whole load: back-pressure is not what this suite
				// tests.
				properties.put("offload.api.security.rate-limit.enabled", false);
				apis.add(ServiceProcess.start("api-" + i, jar("api-service"), port, properties, logs, START_TIMEOUT));
			}
			List<ServiceProcess> workers = new CopyOnWriteArrayList<>();
			for (int i = 1; i <= 3; i++) {
				int port = ServiceProcess.freePort();
				Map<String, Object> properties = new HashMap<>(common);
				properties.put("server.port", port);
				properties.put("spring.mail.host", "127.0.0.1");
				properties.put("spring.mail.port", smtp.port());
				properties.put("offload.worker.email.download-base-url", apis.get(0).baseUri());
				properties.put("offload.worker.retry.delays", "1s,2s,4s,8s");
				properties.put("offload.worker.email.retry.initial-interval", "1s");
				properties.put("offload.worker.email.retry.max-interval", "5s");
				if (i == 3) {
					// One worker holds several tasks at a time, so the faults also hit
					// quick reports claimed ahead and recorded together; five prefetched
					// reports must fit in the broker's consumer timeout.
					properties.put("offload.worker.prefetch", 5);
					properties.put("offload.worker.report-timeout", "5m");
				}
				// With the system tests' report types: GENERATED_FILE makes the large
				// files.
				workers.add(ServiceProcess.startWith("worker-" + i, jar("report-worker"),
						Path.of("target", "test-classes"), port, properties, logs, START_TIMEOUT));
			}
			note("system up: 2 api-service, 3 report-worker (the third with prefetch 5)");
			this.systemUp = Instant.now();

			Set<String> accepted = ConcurrentHashMap.newKeySet();
			AtomicInteger rejected = new AtomicInteger();
			ExecutorService clients = Executors.newFixedThreadPool(8);
			ExecutorService chaos = Executors.newSingleThreadExecutor();
			chaos.submit(() -> {
				if (CLUSTER) {
					injectClusterFaults(cluster, broker, apis, workers);
				}
				else {
					injectFaults(apis, workers, smtp);
				}
			});
			long pauseNanos = SUBMISSION_SPAN.toNanos() / REPORTS;
			for (int i = 0; i < REPORTS; i++) {
				int n = i;
				clients.submit(() -> {
					try {
						submit(n, apis, accepted, rejected);
					}
					catch (RuntimeException ex) {
						if (this.refusals.merge(-1, 1, Integer::sum) <= 3) {
							note("request " + n + " failed in the client: " + ex);
						}
					}
				});
				TimeUnit.NANOSECONDS.sleep(pauseNanos); // pacing the load, not waiting
														// for a result
			}
			clients.shutdown();
			assertThat(clients.awaitTermination(5, TimeUnit.MINUTES)).isTrue();
			note(accepted.size() + " accepted, " + rejected.get() + " never accepted, refused " + this.refusals);
			chaos.shutdown();
			assertThat(chaos.awaitTermination(5, TimeUnit.MINUTES)).isTrue();

			Map<String, String> statuses = awaitFinished(database, accepted);
			long finished = statuses.values().stream().filter(NoAcceptedReportIsLostUnderFaultsTests::isFinal).count();
			awaitEmails(mail, finished);

			Map<String, Long> emailsPerReport = emailsPerReport(mail, false);
			Map<String, Long> copiesPerReport = emailsPerReport(mail, true);
			Map<String, Long> generationsPerReport = generationsPerReport(logs);
			long lost = accepted.stream().filter((id) -> !isFinal(statuses.get(id))).count();
			long duplicateEmails = emailsPerReport.values().stream().filter((count) -> count > 1).count();
			long resentCopies = copiesPerReport.values().stream().mapToLong((count) -> count - 1).sum()
					- emailsPerReport.values().stream().mapToLong((count) -> count - 1).sum();
			long missingEmails = accepted.stream()
				.filter((id) -> isFinal(statuses.get(id)) && !emailsPerReport.containsKey(id))
				.count();
			long duplicateGenerations = generationsPerReport.values().stream().filter((count) -> count > 1).count();
			long dlq = broker.messageCount(broker.topology().generateDeadLetterQueue());
			long emailDlq = broker.messageCount(broker.topology().emailDeadLetterQueue());
			long recovered = linesIn(logs, "api-", "Recovered report ");
			Duration wall = Duration.between(this.started, Instant.now());
			String recovery = recoveryTimes(database);

			String table = """
					| figure | value |
					| --- | --- |
					| reports submitted | %d |
					| accepted (202) | %d |
					| succeeded | %d |
					| failed | %d |
					| cancelled | %d |
					| lost (accepted, never finished) | %d |
					| duplicate emails (a report's outcome mailed as more than one email) | %d |
					| re-sent copies of one email (same Message-ID: SMTP took it, then the worker died or the connection broke before it knew) | %d |
					| finished reports without an email | %d |
					| duplicate generations (reports stored more than once) | %d |
					| DLQ depth (tasks) | %d |
					| DLQ depth (email events) | %d |
					| reports recovered by reconciliation | %d |
					| broker | %s |
					| wall time | %d s |
					"""
				.formatted(REPORTS, accepted.size(), count(statuses, "SUCCEEDED"), count(statuses, "FAILED"),
						count(statuses, "CANCELLED"), lost, duplicateEmails, resentCopies, missingEmails,
						duplicateGenerations, dlq, emailDlq, recovered,
						CLUSTER ? "three-node cluster, quorum queues" : "one node", wall.toSeconds());
			String report = "# Fault injection" + (CLUSTER ? " on a RabbitMQ cluster" : "") + "\n\n" + table
					+ "\n## Time to recover after each fault\n\n" + recovery + "\n## Timeline\n\n"
					+ this.timeline.stream().map((line) -> "- " + line).collect(Collectors.joining("\n")) + "\n";
			System.out.println(report);
			Path results = Path.of("target", CLUSTER ? "cluster-fault-results.md" : "fault-injection-results.md");
			Files.writeString(results, report);
			logger.info("Results written to {}", results.toAbsolutePath());

			workers.forEach(ServiceProcess::close);
			apis.forEach(ServiceProcess::close);
			broker.deleteRetryQueues(List.of(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4),
					Duration.ofSeconds(8)));

			assertThat(this.refusals).as("valid requests refused, by status").isEmpty();
			assertThat(accepted).hasSizeGreaterThanOrEqualTo(REPORTS * 99 / 100);
			assertThat(lost).as("accepted reports that never finished").isZero();
			assertThat(duplicateEmails).as("reports mailed more than once").isZero();
			assertThat(missingEmails).as("finished reports never mailed").isZero();
		}
		finally {
			mail.stop();
		}
	}

	private void injectFaults(List<ServiceProcess> apis, List<ServiceProcess> workers, TcpProxy smtp) {
		try {
			at(5, () -> killAndRestart(workers, 0));
			at(12, this::restartRabbitMq);
			at(25, () -> {
				smtp.cut();
				note("SMTP refuses connections");
			});
			at(30, () -> killAndRestart(workers, 1));
			at(38, () -> {
				ServiceProcess api = apis.get(0);
				note("SIGTERM " + api.name());
				api.stop(Duration.ofSeconds(30));
				apis.set(0, api.restart(START_TIMEOUT));
				note(api.name() + " back");
			});
			at(45, () -> killAndRestart(workers, 2));
			at(55, () -> {
				smtp.restore();
				note("SMTP accepts connections again");
			});
			at(60, () -> killAndRestart(workers, 0));
		}
		catch (RuntimeException ex) {
			note("fault injection failed: " + ex);
			throw ex;
		}
	}

	/**
	 * The cluster's timetable: the leader of the task queue killed with SIGKILL, another
	 * node frozen for 30 s, workers killed, PostgreSQL restarted, the task queue purged
	 * (the broker losing tasks it had confirmed) and an api-service restarted.
	 */
	private void injectClusterFaults(RabbitCluster cluster, TestBroker broker, List<ServiceProcess> apis,
			List<ServiceProcess> workers) {
		String queue = broker.topology().generateQueue();
		// A worker takes longer to start again than the timetable leaves between faults
		// on two busy cores: workers come back in the background, so every fault keeps
		// its time and the node faults their length.
		Map<Integer, java.util.concurrent.CompletableFuture<Void>> restarting = new HashMap<>();
		java.util.function.IntConsumer killWorker = (index) -> {
			restarting.getOrDefault(index, java.util.concurrent.CompletableFuture.completedFuture(null)).join();
			restarting.put(index,
					java.util.concurrent.CompletableFuture.runAsync(() -> killAndRestart(workers, index)));
		};
		try {
			at(10, () -> killWorker.accept(0));
			RabbitCluster.Node[] leader = new RabbitCluster.Node[1];
			at(20, () -> {
				leader[0] = cluster.leaderOf(queue, cluster.nodes().get(0));
				fault("SIGKILL RabbitMQ node " + leader[0].name() + ", leader of " + queue);
				cluster.kill(leader[0]);
			});
			at(45, () -> {
				cluster.restart(leader[0]);
				note("RabbitMQ node " + leader[0].name() + " back");
			});
			at(55, () -> killWorker.accept(1));
			RabbitCluster.Node[] frozen = new RabbitCluster.Node[1];
			at(65, () -> {
				frozen[0] = cluster.nodes()
					.stream()
					.filter((node) -> !node.equals(leader[0]))
					.findFirst()
					.orElseThrow();
				fault("SIGSTOP RabbitMQ node " + frozen[0].name() + " for 30 s");
				cluster.pause(frozen[0]);
				sleep(Duration.ofSeconds(30));
				cluster.resume(frozen[0]);
				note("SIGCONT RabbitMQ node " + frozen[0].name());
			});
			at(105, () -> {
				fault("PostgreSQL restart");
				run("bash", "-c", "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main restart");
				note("PostgreSQL back");
			});
			at(120, () -> killWorker.accept(2));
			at(130, () -> {
				fault("purge " + queue + " (tasks the broker had confirmed are lost)");
				long purged = broker.purge(queue);
				note(purged + " tasks purged");
			});
			at(140, () -> {
				ServiceProcess api = apis.get(0);
				fault("SIGTERM " + api.name());
				api.stop(Duration.ofSeconds(30));
				apis.set(0, api.restart(START_TIMEOUT));
				note(api.name() + " back");
			});
			at(150, () -> killWorker.accept(0));
			restarting.values().forEach(java.util.concurrent.CompletableFuture::join);
		}
		catch (RuntimeException ex) {
			note("fault injection failed: " + ex);
			throw ex;
		}
	}

	private static void sleep(Duration duration) {
		try {
			Thread.sleep(duration.toMillis()); // the length of a fault, not a wait for a
												// result
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private synchronized void fault(String event) {
		this.faults.put(event, Instant.now());
		note(event);
	}

	/**
	 * For each fault, how long until the next report finished after it: the time the
	 * system took to make progress again.
	 */
	private String recoveryTimes(TestDatabase database) throws Exception {
		StringBuilder table = new StringBuilder(
				"| fault | next report finished after | reports finished in the 30 s before | in the 30 s after |\n"
						+ "| --- | --- | --- | --- |\n");
		for (Map.Entry<String, Instant> fault : this.faults.entrySet()) {
			try (Connection connection = database.connect();
					java.sql.PreparedStatement query = connection
						.prepareStatement("SELECT min(finished_at) FROM reports WHERE finished_at > ?")) {
				query.setTimestamp(1, java.sql.Timestamp.from(fault.getValue()));
				try (ResultSet rows = query.executeQuery()) {
					rows.next();
					java.sql.Timestamp next = rows.getTimestamp(1);
					table.append("| ")
						.append(fault.getKey())
						.append(" | ")
						.append((next != null)
								? "%.1f s"
									.formatted(Duration.between(fault.getValue(), next.toInstant()).toMillis() / 1000.0)
								: "none")
						.append(" | ")
						.append(finishedBetween(connection, fault.getValue().minusSeconds(30), fault.getValue()))
						.append(" | ")
						.append(finishedBetween(connection, fault.getValue(), fault.getValue().plusSeconds(30)))
						.append(" |\n");
				}
			}
		}
		return table.toString();
	}

	private static long finishedBetween(Connection connection, Instant from, Instant to) throws java.sql.SQLException {
		try (java.sql.PreparedStatement query = connection
			.prepareStatement("SELECT count(*) FROM reports WHERE finished_at > ? AND finished_at <= ?")) {
			query.setTimestamp(1, java.sql.Timestamp.from(from));
			query.setTimestamp(2, java.sql.Timestamp.from(to));
			try (ResultSet rows = query.executeQuery()) {
				rows.next();
				return rows.getLong(1);
			}
		}
	}

	private static long linesIn(Path logs, String prefix, String text) throws IOException {
		long count = 0;
		try (Stream<Path> files = Files.list(logs)) {
			for (Path file : files.filter((f) -> f.getFileName().toString().startsWith(prefix)).toList()) {
				try (Stream<String> lines = Files.lines(file)) {
					count += lines.filter((line) -> line.contains(text)).count();
				}
			}
		}
		return count;
	}

	private void killAndRestart(List<ServiceProcess> workers, int index) {
		ServiceProcess worker = workers.get(index);
		fault("SIGKILL " + worker.name() + " at " + Duration.between(this.systemUp, Instant.now()).toSeconds() + " s");
		worker.kill();
		workers.set(index, worker.restart(START_TIMEOUT));
		note(worker.name() + " back");
	}

	private void restartRabbitMq() {
		fault("RabbitMQ stop_app");
		run("rabbitmqctl", "stop_app");
		run("rabbitmqctl", "start_app");
		run("rabbitmqctl", "await_startup");
		note("RabbitMQ start_app done");
	}

	private void run(String... command) {
		try {
			Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
			String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			if (!process.waitFor(2, TimeUnit.MINUTES) || process.exitValue() != 0) {
				throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not run " + String.join(" ", command)
					+ "; the fault-injection suite restarts the local RabbitMQ with rabbitmqctl", ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private void at(int second, Runnable action) {
		Instant when = this.systemUp.plusSeconds(second);
		long wait = Duration.between(Instant.now(), when).toMillis();
		if (wait > 0) {
			try {
				Thread.sleep(wait); // the fault schedule is a timetable, not a wait for a
									// result
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
		}
		action.run();
	}

	private void submit(int n, List<ServiceProcess> apis, Set<String> accepted, AtomicInteger rejected) {
		String body;
		if (n % 100 == 3) {
			// A large file: 10 MB, several parts and seconds to write.
			body = """
					{"type":"GENERATED_FILE","format":"CSV","parameters":{"megabytes":"10"}}""";
		}
		else if (n % 10 == 5) {
			body = """
					{"type":"ORDER_EXPORT","format":"%s","parameters":{"from":"2021-01-01","to":"2025-12-31"}}"""
				.formatted((n % 20 == 5) ? "CSV" : "XLSX");
		}
		else if (n % 2 == 0) {
			body = """
					{"type":"NO_OP","format":"CSV"}""";
		}
		else {
			body = """
					{"type":"SALES_SUMMARY","format":"%s","parameters":{"from":"%s","to":"%s"}}""".formatted(
					(n % 4 == 1) ? "CSV" : "PDF", LocalDate.of(2021, 1, 1).plusMonths(n % 48),
					LocalDate.of(2021, 1, 1).plusMonths(n % 48 + 3));
		}
		String key = "faults-" + n;
		// A client retries on another instance with the same Idempotency-Key, so a
		// request
		// whose answer was lost in a crash is accepted at most once.
		for (int attempt = 0; attempt < 20; attempt++) {
			ServiceProcess api = apis.get((n + attempt) % apis.size());
			try {
				HttpResponse<String> response = HTTP.send(post(api.baseUri().resolve("/api/reports"), key, body),
						HttpResponse.BodyHandlers.ofString());
				if (response.statusCode() == 202) {
					accepted.add(Messages.json().readTree(response.body()).get("id").asString());
					return;
				}
				if (response.statusCode() < 500 && response.statusCode() != 429) {
					// Nothing else may refuse a valid request: counted, and the first few
					// shown.
					if (this.refusals.merge(response.statusCode(), 1, Integer::sum) <= 3) {
						note("request " + n + " refused: " + response.statusCode() + " " + response.body());
					}
					return;
				}
			}
			catch (IOException ex) {
				// That instance is down: try the other one.
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
			try {
				Thread.sleep(500); // client back-off before retrying
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
		rejected.incrementAndGet();
	}

	private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

	private static HttpRequest post(URI uri, String key, String body) {
		String credentials = Base64.getEncoder().encodeToString("alice:alice-secret".getBytes(StandardCharsets.UTF_8));
		return HttpRequest.newBuilder(uri)
			.timeout(Duration.ofSeconds(10))
			.header("Authorization", "Basic " + credentials)
			.header("Content-Type", "application/json")
			.header("Idempotency-Key", key)
			.POST(HttpRequest.BodyPublishers.ofString(body))
			.build();
	}

	private Map<String, String> awaitFinished(TestDatabase database, Set<String> accepted) throws Exception {
		Instant deadline = Instant.now().plus(FINISH_TIMEOUT);
		Map<String, String> statuses;
		do {
			statuses = statuses(database);
			Map<String, String> current = statuses;
			long open = accepted.stream().filter((id) -> !isFinal(current.get(id))).count();
			if (open == 0) {
				note("every accepted report finished");
				return statuses;
			}
			Thread.sleep(1000); // polling the database for the end state
		}
		while (Instant.now().isBefore(deadline));
		note("gave up waiting for reports to finish");
		return statuses;
	}

	private void awaitEmails(GreenMail mail, long expected) throws InterruptedException {
		Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
		while (Instant.now().isBefore(deadline) && mail.getReceivedMessages().length < expected) {
			Thread.sleep(1000); // polling the SMTP server's inbox
		}
		// Time for a duplicate to arrive, if anything would send one.
		Thread.sleep(5000);
		note(mail.getReceivedMessages().length + " emails received for " + expected + " finished reports");
	}

	private static Map<String, String> statuses(TestDatabase database) throws Exception {
		Map<String, String> statuses = new HashMap<>();
		try (Connection connection = database.connect();
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery("SELECT id, status FROM reports")) {
			while (rows.next()) {
				statuses.put(rows.getString(1), rows.getString(2));
			}
		}
		return statuses;
	}

	/**
	 * Emails per report: distinct emails (by Message-ID, which the worker derives from
	 * the report and outcome), or every copy the SMTP server received.
	 */
	private static Map<String, Long> emailsPerReport(GreenMail mail, boolean everyCopy) throws Exception {
		Map<String, Set<String>> messageIds = new HashMap<>();
		Map<String, Long> copies = new HashMap<>();
		for (MimeMessage message : mail.getReceivedMessages()) {
			Matcher matcher = REPORT_ID.matcher(message.getSubject() + " " + GreenMailUtil.getBody(message));
			String id = matcher.find() ? matcher.group() : "unknown";
			messageIds.computeIfAbsent(id, (key) -> new HashSet<>()).add(message.getMessageID());
			copies.merge(id, 1L, Long::sum);
		}
		if (everyCopy) {
			return copies;
		}
		return messageIds.entrySet()
			.stream()
			.collect(Collectors.toMap(Map.Entry::getKey, (entry) -> (long) entry.getValue().size()));
	}

	private static Map<String, Long> generationsPerReport(Path logs) throws IOException {
		try (Stream<Path> files = Files.list(logs)) {
			List<Path> workerLogs = files.filter((file) -> file.getFileName().toString().startsWith("worker-"))
				.toList();
			List<String> stored = new ArrayList<>();
			for (Path file : workerLogs) {
				for (String line : Files.readAllLines(file)) {
					Matcher matcher = STORED.matcher(line);
					if (matcher.find()) {
						stored.add(matcher.group(1));
					}
				}
			}
			return stored.stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
		}
	}

	private static boolean isFinal(String status) {
		return "SUCCEEDED".equals(status) || "FAILED".equals(status) || "CANCELLED".equals(status);
	}

	private static long count(Map<String, String> statuses, String status) {
		return statuses.values().stream().filter(status::equals).count();
	}

	private synchronized void note(String event) {
		String line = String.format("%5.1f s  %s", Duration.between(this.started, Instant.now()).toMillis() / 1000.0,
				event);
		this.timeline.add(line);
		logger.info(line);
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
