package dev.offload.worker.pipeline;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import dev.offload.model.Messages;
import dev.offload.model.Owner;
import dev.offload.model.ReportFormat;
import dev.offload.model.ReportTask;
import dev.offload.model.TaskHeaders;
import dev.offload.model.Topology;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import dev.offload.worker.SalesLock;
import dev.offload.worker.Workers;
import dev.offload.worker.sales.SalesSeeder;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.amqp.core.Message;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Reports that fail for a transient reason: the database ends the session reading the
 * sales data (as a failover would). The task waits out each delay in a retry queue on the
 * broker and comes back; after the last attempt the report fails, its owner is told once,
 * and the task is parked in the dead letter queue with the reason.
 */
class TaskRetryTests {

	private static final List<Duration> DELAYS = List.of(Duration.ofSeconds(1), Duration.ofSeconds(2));

	private static final int SMTP_PORT = Workers.freePort();

	@RegisterExtension
	static final GreenMailExtension greenMail = new GreenMailExtension(
			new ServerSetup(SMTP_PORT, "127.0.0.1", ServerSetup.PROTOCOL_SMTP))
		.withPerMethodLifecycle(false);

	private static final Owner OWNER = new Owner("user-1", "ada@example.com");

	private static TestDatabase database;

	private static TestBroker broker;

	private static ConfigurableApplicationContext worker;

	private static JdbcClient jdbc;

	private static Topology topology;

	@BeforeAll
	static void startWorker() {
		database = TestDatabase.create();
		broker = TestBroker.create();
		worker = Workers.start(database, broker, SMTP_PORT,
				Map.of("offload.worker.concurrency", 1, "offload.worker.retry.delays", "1s,2s"));
		jdbc = worker.getBean(JdbcClient.class);
		topology = worker.getBean(Topology.class);
		worker.getBean(SalesSeeder.class).seed(200);
	}

	@AfterAll
	static void stopWorker() throws Exception {
		Workers.stop(worker, (broker != null) ? () -> broker.deleteRetryQueues(DELAYS) : null, broker, database);
	}

	@BeforeEach
	void emptyMailbox() throws Exception {
		greenMail.purgeEmailFromAllMailboxes();
	}

	@Test
	void transientFailureIsRetriedWithGrowingDelaysThenSucceeds() throws Exception {
		ReportTask task = salesSummary();
		Workers.insertQueuedReport(jdbc, task);
		Instant firstFailure;
		Instant secondFailure;
		try (SalesLock lock = SalesLock.hold(database)) {
			Workers.publish(worker, task);

			firstFailure = endTheReportsSession(lock);
			await().atMost(Duration.ofSeconds(10)).until(() -> broker.messageCount(retryQueue(0)) == 1);
			assertThat(Workers.status(jdbc, task.reportId())).as("handed back while it waits").isEqualTo("QUEUED");

			secondFailure = endTheReportsSession(lock);
			await().atMost(Duration.ofSeconds(10)).until(() -> broker.messageCount(retryQueue(1)) == 1);
		}

		await().atMost(Duration.ofSeconds(20))
			.untilAsserted(() -> assertThat(Workers.status(jdbc, task.reportId())).isEqualTo("SUCCEEDED"));
		Map<String, Object> report = jdbc.sql("SELECT attempts, finished_at FROM reports WHERE id = :id")
			.param("id", task.reportId())
			.query()
			.singleRow();
		assertThat(report).containsEntry("attempts", 3);
		// Each retry waited out its own, longer delay on the broker.
		assertThat(Duration.between(firstFailure, secondFailure)).isGreaterThanOrEqualTo(DELAYS.get(0));
		Instant finished = ((Timestamp) report.get("finished_at")).toInstant();
		assertThat(Duration.between(secondFailure, finished)).isGreaterThanOrEqualTo(DELAYS.get(1));

		assertThat(greenMail.waitForIncomingEmail(10_000, 1)).isTrue();
		assertThat(greenMail.getReceivedMessages()).hasSize(1);
		assertThat(greenMail.getReceivedMessages()[0].getSubject()).isEqualTo("Your report is ready: Sales summary");
		assertThat(broker.messageCount(topology.generateDeadLetterQueue())).isZero();
	}

	@Test
	void afterTheLastAttemptTheReportFailsOnceAndItsTaskIsParkedWithTheReason() throws Exception {
		ReportTask task = salesSummary();
		Workers.insertQueuedReport(jdbc, task);
		try (SalesLock lock = SalesLock.hold(database)) {
			Workers.publish(worker, task);
			for (int attempt = 1; attempt <= DELAYS.size() + 1; attempt++) {
				endTheReportsSession(lock);
			}
			await().atMost(Duration.ofSeconds(20))
				.untilAsserted(() -> assertThat(Workers.status(jdbc, task.reportId())).isEqualTo("FAILED"));
		}

		Message parked = worker.getBean(RabbitTemplate.class).receive(topology.generateDeadLetterQueue(), 10_000);
		assertThat(parked).isNotNull();
		assertThat(Messages.json().readValue(parked.getBody(), ReportTask.class).reportId()).isEqualTo(task.reportId());
		Map<String, Object> headers = parked.getMessageProperties().getHeaders();
		assertThat(headers).containsEntry(TaskHeaders.ATTEMPTS, 3);
		assertThat(headers.get(TaskHeaders.FAILURE_REASON)).asString()
			.contains("terminating connection due to administrator command");
		assertThat(Instant.parse(headers.get(TaskHeaders.FAILED_AT).toString())).isBefore(Instant.now().plusSeconds(1));

		String error = jdbc.sql("SELECT error FROM reports WHERE id = :id")
			.param("id", task.reportId())
			.query(String.class)
			.single();
		assertThat(error).contains("could not be built in 3 attempts").doesNotContain("administrator");
		assertThat(greenMail.waitForIncomingEmail(10_000, 1)).isTrue();
		MimeMessage mail = greenMail.getReceivedMessages()[0];
		assertThat(mail.getSubject()).isEqualTo("Your report failed: Sales summary");
		assertThat(GreenMailUtil.getBody(mail)).contains("3 attempts").contains(task.reportId().toString());

		// Nothing loops: no retry, task or second dead letter is left, and no second
		// mail.
		await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
			assertThat(broker.messageCount(topology.generateQueue())).isZero();
			assertThat(broker.messageCount(retryQueue(0)) + broker.messageCount(retryQueue(1))).isZero();
			assertThat(broker.messageCount(topology.generateDeadLetterQueue())).isZero();
			assertThat(greenMail.getReceivedMessages()).hasSize(1);
		});
		assertThat(Workers.storedFiles(worker, task.reportId())).isZero();
	}

	/** Waits for the report to wait for the sales data, then ends its session. */
	private static Instant endTheReportsSession(SalesLock lock) {
		await().atMost(Duration.ofSeconds(15))
			.pollInterval(Duration.ofMillis(50))
			.until(() -> lock.terminateWaiting() == 1);
		return Instant.now();
	}

	private static String retryQueue(int index) {
		return topology.retryQueue(DELAYS.get(index));
	}

	private static ReportTask salesSummary() {
		return new ReportTask(UUID.randomUUID(), "SALES_SUMMARY", Map.of("from", "2022-01-01", "to", "2022-12-31"),
				OWNER, Instant.now(), ReportFormat.CSV);
	}

}
