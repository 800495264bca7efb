package dev.offload.worker.pipeline;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import dev.offload.model.Owner;
import dev.offload.model.ReportFormat;
import dev.offload.model.ReportTask;
import dev.offload.model.Topology;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import dev.offload.worker.SalesLock;
import dev.offload.worker.Workers;
import dev.offload.worker.sales.SalesSeeder;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.amqp.rabbit.listener.AbstractMessageListenerContainer;
import org.springframework.amqp.rabbit.listener.MessageListenerContainer;
import org.springframework.amqp.rabbit.listener.RabbitListenerEndpointRegistry;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Reports that take long: the per-report time limit, and a worker stopping (SIGTERM)
 * while it builds one. A report is held up by locking the sales data it reads, so how
 * long it runs is up to the test, not the machine's speed.
 */
class LongReportTests {

	private static final int SMTP_PORT = Workers.freePort();

	@RegisterExtension
	static final GreenMailExtension greenMail = new GreenMailExtension(
			new ServerSetup(SMTP_PORT, "127.0.0.1", ServerSetup.PROTOCOL_SMTP))
		.withPerMethodLifecycle(false);

	private static final Owner OWNER = new Owner("user-1", "ada@example.com");

	private static TestDatabase database;

	private static TestBroker broker;

	private static JdbcClient jdbc;

	private static Topology topology;

	private ConfigurableApplicationContext worker;

	@BeforeAll
	static void seed() {
		database = TestDatabase.create();
		broker = TestBroker.create();
		topology = broker.topology();
		ConfigurableApplicationContext seeder = startWorker(Map.of());
		try {
			seeder.getBean(SalesSeeder.class).seed(200);
		}
		finally {
			seeder.close();
		}
		DriverManagerDataSource dataSource = new DriverManagerDataSource(database.jdbcUrl(), database.username(),
				database.password());
		jdbc = JdbcClient.create(dataSource);
	}

	@AfterAll
	static void cleanUp() throws Exception {
		Workers.stop(broker, database);
	}

	@BeforeEach
	void emptyMailbox() throws Exception {
		greenMail.purgeEmailFromAllMailboxes();
	}

	@AfterEach
	void stopWorker() {
		if (this.worker != null) {
			this.worker.close();
		}
	}

	@Test
	void reportPastItsTimeLimitIsStoppedAndFailsForGoodWithOneEmail() throws Exception {
		this.worker = startWorker(Map.of("offload.worker.report-timeout", "2s"));
		ReportTask task = salesSummary();
		Workers.insertQueuedReport(jdbc, task);
		Instant published;
		try (SalesLock lock = SalesLock.hold(database)) {
			published = Instant.now();
			Workers.publish(this.worker, task);
			await().atMost(Duration.ofSeconds(30))
				.untilAsserted(() -> assertThat(Workers.status(jdbc, task.reportId())).isEqualTo("FAILED"));
		}
		Map<String, Object> report = jdbc.sql("SELECT error, attempts FROM reports WHERE id = :id")
			.param("id", task.reportId())
			.query()
			.singleRow();
		assertThat(report).containsEntry("attempts", 1);
		assertThat(report.get("error")).asString().contains("took longer than the limit of 2s");
		// The limit is PostgreSQL's too: the query waiting for the lock was cancelled.
		assertThat(Duration.between(published, Instant.now())).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
		assertThat(greenMail.waitForIncomingEmail(10_000, 1)).isTrue();
		assertThat(greenMail.getReceivedMessages()[0].getSubject()).isEqualTo("Your report failed: Sales summary");
		assertThat(GreenMailUtil.getBody(greenMail.getReceivedMessages()[0])).contains("took longer than the limit");
		// Not retried: it would take as long again.
		assertThat(broker.messageCount(topology.retryQueue(Duration.ofSeconds(5)))).isZero();
		assertThat(broker.messageCount(topology.generateDeadLetterQueue())).isZero();
	}

	@Test
	void stoppingWorkerFinishesTheReportInHandAndTakesNoOther() throws Exception {
		this.worker = startWorker(Map.of("offload.worker.shutdown-grace-period", "20s"));
		ReportTask inHand = salesSummary();
		ReportTask waiting = salesSummary();
		Workers.insertQueuedReport(jdbc, inHand);
		Workers.insertQueuedReport(jdbc, waiting);
		CompletableFuture<Void> stopping;
		try (SalesLock lock = SalesLock.hold(database)) {
			Workers.publish(this.worker, inHand);
			await().atMost(Duration.ofSeconds(15)).until(lock::anyWaiting);
			Workers.publish(this.worker, waiting);

			ConfigurableApplicationContext stoppingWorker = this.worker;
			this.worker = null;
			CountDownLatch closing = new CountDownLatch(1);
			stoppingWorker
				.addApplicationListener((ApplicationListener<ContextClosedEvent>) (event) -> closing.countDown());
			stopping = CompletableFuture.runAsync(stoppingWorker::close);
			assertThat(closing.await(15, TimeUnit.SECONDS)).isTrue();
			// The listener containers stop right after this event and cancel their
			// consumers first; give that a moment before the report in hand may finish.
			// (A quorum queue still counts a cancelled consumer while it holds a
			// delivery,
			// so the broker cannot tell.)
			Thread.sleep(2000);
			assertThat(stopping).isNotDone();
			assertThat(Workers.status(jdbc, inHand.reportId())).isEqualTo("RUNNING");
		}

		stopping.get();
		assertThat(Workers.status(jdbc, inHand.reportId())).isEqualTo("SUCCEEDED");
		assertThat(Workers.status(jdbc, waiting.reportId())).isEqualTo("QUEUED");
		assertThat(broker.messageCount(topology.generateQueue())).as("only the waiting task is left").isEqualTo(1);

		this.worker = startWorker(Map.of());
		await().atMost(Duration.ofSeconds(20))
			.untilAsserted(() -> assertThat(Workers.status(jdbc, waiting.reportId())).isEqualTo("SUCCEEDED"));
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			assertThat(Workers.mailsAbout(greenMail, inHand.reportId())).isEqualTo(1);
			assertThat(Workers.mailsAbout(greenMail, waiting.reportId())).isEqualTo(1);
		});
	}

	@Test
	void reportStillRunningAfterTheGracePeriodIsLeftForAnotherWorkerAndMailedOnce() throws Exception {
		this.worker = startWorker(Map.of("offload.worker.shutdown-grace-period", "1s"));
		ReportTask task = salesSummary();
		Workers.insertQueuedReport(jdbc, task);
		try (SalesLock lock = SalesLock.hold(database)) {
			Workers.publish(this.worker, task);
			await().atMost(Duration.ofSeconds(15)).until(lock::anyWaiting);

			this.worker.close();
			this.worker = null;
			// Unacknowledged, so back in the queue for the next worker.
			await().atMost(Duration.ofSeconds(15)).until(() -> broker.messageCount(topology.generateQueue()) == 1);
			assertThat(Workers.status(jdbc, task.reportId())).isEqualTo("RUNNING");

			this.worker = startWorker(Map.of());
			await().atMost(Duration.ofSeconds(15))
				.untilAsserted(() -> assertThat(jdbc.sql("SELECT attempts FROM reports WHERE id = :id")
					.param("id", task.reportId())
					.query(Integer.class)
					.single()).as("taken over at once, not after the lease").isEqualTo(2));
		}

		await().atMost(Duration.ofSeconds(20))
			.untilAsserted(() -> assertThat(Workers.status(jdbc, task.reportId())).isEqualTo("SUCCEEDED"));
		await().atMost(Duration.ofSeconds(10)).until(() -> Workers.mailsAbout(greenMail, task.reportId()) > 0);
		await().during(Duration.ofSeconds(2)).untilAsserted(() -> {
			assertThat(Workers.mailsAbout(greenMail, task.reportId())).isEqualTo(1);
			assertThat(broker.messageCount(topology.generateQueue())).isZero();
		});
		// One file is recorded; the stopped worker's unfinished upload, if it could not
		// delete it while its pools shut down, stays registered for retention to delete.
		assertThat(this.worker.getBean(JdbcClient.class)
			.sql("SELECT count(*) FROM reports WHERE id = :id AND file_key IS NOT NULL")
			.param("id", task.reportId())
			.query(Long.class)
			.single()).isEqualTo(1);
		assertThat(Workers.storedFiles(this.worker, task.reportId())).isBetween(1L, 2L);
	}

	private static ConfigurableApplicationContext startWorker(Map<String, Object> settings) {
		Map<String, Object> all = new java.util.HashMap<>(Map.of("offload.worker.concurrency", 1));
		all.putAll(settings);
		return Workers.start(database, broker, SMTP_PORT, all);
	}

	private static ReportTask salesSummary() {
		return new ReportTask(UUID.randomUUID(), "SALES_SUMMARY", Map.of("from", "2022-01-01", "to", "2022-12-31"),
				OWNER, Instant.now(), ReportFormat.CSV);
	}

}
