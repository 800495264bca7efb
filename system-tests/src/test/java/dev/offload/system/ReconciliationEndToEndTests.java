package dev.offload.system;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import dev.offload.model.Messages;
import dev.offload.testsupport.ServiceProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The broker loses tasks it had confirmed (here: the task queue is purged while the only
 * worker is down), and reconciliation in api-service brings every report back: a QUEUED
 * report whose task is gone, and a RUNNING report whose worker died and whose redelivered
 * task went with the purge. Each then succeeds once and is mailed once.
 */
class ReconciliationEndToEndTests {

	private static final int SMTP_PORT = ServiceProcess.freePort();

	@RegisterExtension
	static final GreenMailExtension mail = new GreenMailExtension(new ServerSetup(SMTP_PORT, "127.0.0.1", "smtp"))
		.withPerMethodLifecycle(false);

	private static RunningSystem system;

	private static JdbcClient jdbc;

	@BeforeAll
	static void startSystem() {
		system = RunningSystem.start(200, SMTP_PORT, 1,
				Map.of("offload.api.reconciliation.interval", "1s", "offload.api.reconciliation.grace", "2s"),
				Map.of("offload.worker.lease-duration", "5s"), null);
		jdbc = JdbcClient.create(new DriverManagerDataSource(system.database.jdbcUrl(), system.database.username(),
				system.database.password()));
	}

	@AfterAll
	static void stopSystem() {
		if (system != null) {
			system.close();
		}
	}

	@Test
	void aQueuedReportWhoseTaskWasPurgedIsPublishedAgainAndFinishesOnce() throws Exception {
		system.killWorker();
		UUID id;
		try {
			id = request();
			await().atMost(Duration.ofSeconds(30)).until(() -> published(id));
			purgeTasks();
		}
		finally {
			system.restartWorker();
		}
		await().atMost(Duration.ofSeconds(60)).until(() -> status(id).equals("SUCCEEDED"));
		awaitOneEmail(id);
		assertThat(recoveredMetric()).contains("reason=\"task-lost\"");
	}

	@Test
	void aRunningReportWhoseWorkerDiedAndWhoseTaskIsGoneIsRecoveredAndFinishesOnce() throws Exception {
		UUID id;
		// The sales data stay locked, so the report is RUNNING when its worker dies.
		try (Connection lock = system.database.holdingLock("sales.order_lines", "ACCESS EXCLUSIVE")) {
			id = request();
			await().atMost(Duration.ofSeconds(30)).until(() -> status(id).equals("RUNNING"));
			system.killWorker();
			// The broker puts the dead worker's delivery back; the purge loses it.
			await().atMost(Duration.ofSeconds(10)).until(() -> taskCount() == 1);
			purgeTasks();
			lock.rollback();
		}
		try {
			await().atMost(Duration.ofSeconds(30)).until(() -> status(id).equals("QUEUED") && published(id));
		}
		finally {
			system.restartWorker();
		}
		await().atMost(Duration.ofSeconds(60)).until(() -> status(id).equals("SUCCEEDED"));
		assertThat(jdbc.sql("SELECT attempts FROM reports WHERE id = ?").param(id).query(Integer.class).single())
			.isEqualTo(2);
		awaitOneEmail(id);
		assertThat(recoveredMetric()).contains("reason=\"lease-expired\"");
	}

	private static UUID request() {
		HttpResponse<String> accepted = system.post("/api/reports", """
				{"type":"SALES_SUMMARY","format":"CSV","parameters":{"from":"2024-01-01","to":"2024-12-31"}}""");
		assertThat(accepted.statusCode()).isEqualTo(202);
		return UUID.fromString(Messages.json().readTree(accepted.body()).get("id").asString());
	}

	private static String status(UUID id) {
		return jdbc.sql("SELECT status FROM reports WHERE id = ?").param(id).query(String.class).single();
	}

	private static boolean published(UUID id) {
		return jdbc.sql("SELECT task_published_at IS NOT NULL FROM reports WHERE id = ?")
			.param(id)
			.query(Boolean.class)
			.single();
	}

	private static long taskCount() {
		return system.broker.messageCount(system.broker.topology().generateQueue());
	}

	private static void purgeTasks() {
		system.broker.purge(system.broker.topology().generateQueue());
	}

	private static void awaitOneEmail(UUID id) {
		await().atMost(Duration.ofSeconds(30)).until(() -> readyEmails(id) >= 1);
		await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> readyEmails(id) == 1);
	}

	private static long readyEmails(UUID id) {
		return Arrays.stream(mail.getReceivedMessages())
			.filter((message) -> GreenMailUtil.getBody(message).contains(id.toString()))
			.count();
	}

	private static String recoveredMetric() throws Exception {
		java.net.http.HttpRequest request = java.net.http.HttpRequest
			.newBuilder(system.api.baseUri().resolve("/actuator/prometheus"))
			.header("Authorization",
					"Basic " + java.util.Base64.getEncoder()
						.encodeToString("admin:admin-secret".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
			.build();
		String body = java.net.http.HttpClient.newHttpClient()
			.send(request, HttpResponse.BodyHandlers.ofString())
			.body();
		return body.lines()
			.filter((line) -> line.startsWith("offload_reports_recovered_total"))
			.reduce("", (a, b) -> a + "\n" + b);
	}

}
