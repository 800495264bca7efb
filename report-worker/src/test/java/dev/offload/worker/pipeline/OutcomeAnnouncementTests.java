package dev.offload.worker.pipeline;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetup;
import dev.offload.model.Owner;
import dev.offload.model.ReportEvent;
import dev.offload.model.ReportFormat;
import dev.offload.model.ReportTask;
import dev.offload.model.Topology;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import dev.offload.worker.Workers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.amqp.AmqpException;
import org.springframework.amqp.core.AmqpAdmin;
import org.springframework.amqp.core.Binding;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * No outcome without its email: a report that finished but whose outcome event never
 * reached the email sender is announced again, and mailed once; a last attempt that
 * stored its report but could not publish an outcome a durable queue must hear does not
 * acknowledge the task until the outcome is announced; and one whose email was recorded
 * with the outcome, for an owner without a webhook endpoint, needs no queue to hear it.
 */
class OutcomeAnnouncementTests {

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

	@BeforeAll
	static void startWorker() {
		database = TestDatabase.create();
		broker = TestBroker.create();
		// No retries: every attempt is the last. The sweep is called by the tests.
		worker = Workers.start(database, broker, SMTP_PORT,
				Map.of("offload.worker.concurrency", 1, "offload.worker.retry.delays", "",
						"offload.worker.announcements.enabled", false, "offload.worker.announcements.grace", "1m"));
		jdbc = worker.getBean(JdbcClient.class);
	}

	@AfterAll
	static void stopWorker() throws Exception {
		Workers.stop(worker, broker, database);
	}

	@BeforeEach
	void emptyMailbox() throws Exception {
		greenMail.purgeEmailFromAllMailboxes();
	}

	@Test
	void aFinishedReportWhoseEventWasLostIsAnnouncedAndMailedOnce() throws Exception {
		UUID lost = finishedReport("SUCCEEDED", "10 minutes");
		UUID recent = finishedReport("SUCCEEDED", "0 seconds");
		UUID mailed = finishedReport("FAILED", "10 minutes");
		// No address to write to: never announced, so it cannot hold up the others.
		UUID noAddress = finishedReport("SUCCEEDED", "10 minutes");
		jdbc.sql("UPDATE reports SET owner_email = NULL WHERE id = :id").param("id", noAddress).update();
		jdbc.sql("""
				INSERT INTO sent_emails (report_id, outcome, recipient, subject, body, status, next_attempt_at)
				VALUES (:id, 'FAILED', 'ada@example.com', 's', 'b', 'SENT', now())""").param("id", mailed).update();
		OutcomeAnnouncements announcements = worker.getBean(OutcomeAnnouncements.class);

		assertThat(announcements.run()).isEqualTo(1);

		assertThat(greenMail.waitForIncomingEmail(10_000, 1)).isTrue();
		assertThat(Workers.mailsAbout(greenMail, lost)).isEqualTo(1);
		await().atMost(Duration.ofSeconds(10))
			.until(() -> jdbc.sql("SELECT count(*) FROM sent_emails WHERE report_id = :id")
				.param("id", lost)
				.query(Long.class)
				.single() == 1);
		// Recorded now: the next sweep leaves it alone, and the recent one is not yet
		// due.
		assertThat(announcements.run()).isZero();
		assertThat(Workers.mailsAbout(greenMail, recent)).isZero();
		assertThat(Workers.mailsAbout(greenMail, mailed)).isZero();
		assertThat(greenMail.getReceivedMessages()).hasSize(1);
	}

	@Test
	void aLastAttemptThatCannotPublishItsOutcomeIsNotAcknowledgedUntilItIsAnnounced() throws Exception {
		Topology topology = worker.getBean(Topology.class);
		// An owner with a webhook endpoint: the outcome must reach the webhooks queue,
		// and
		// its email is recorded from the email queue.
		Owner watched = new Owner("user-watched-" + UUID.randomUUID(), "watched@example.com");
		Workers.addWebhookEndpoint(jdbc, watched.userId());
		broker.purge(topology.webhooksQueue());
		ReportTask task = new ReportTask(UUID.randomUUID(), "NO_OP", Map.of(), watched, Instant.now(),
				ReportFormat.CSV);
		Workers.insertQueuedReport(jdbc, task);
		whileNothingIsBound(topology, () -> {
			Workers.publish(worker, task);
			await().atMost(Duration.ofSeconds(20))
				.until(() -> Workers.status(jdbc, task.reportId()).equals("SUCCEEDED"));
			await().during(Duration.ofSeconds(1))
				.atMost(Duration.ofSeconds(5))
				.until(() -> Workers.mailsAbout(greenMail, task.reportId()) == 0);
		});
		// The delivery was kept: once the outcome can be published, it is, mailed, and
		// the webhooks queue hears it.
		assertThat(greenMail.waitForIncomingEmail(15_000, 1)).isTrue();
		await().atMost(Duration.ofSeconds(15)).until(() -> broker.messageCount(topology.webhooksQueue()) >= 1);
		await().during(Duration.ofSeconds(2))
			.atMost(Duration.ofSeconds(10))
			.until(() -> broker.messageCount(topology.generateQueue()) == 0
					&& broker.messageCount(topology.generateDeadLetterQueue()) == 0);
		assertThat(Workers.mailsAbout(greenMail, task.reportId())).isEqualTo(1);
	}

	@Test
	void anEventInProgressMayReachNoQueueButAnOutcomeNotMailedWithItsRecordingMust() throws Exception {
		// As when no browser watches any api-service replica (each binds its live status
		// queue only then): RUNNING and PROGRESS events reach no queue, and that is no
		// failure; an outcome whose email is not recorded yet must reach the email queue.
		Topology topology = worker.getBean(Topology.class);
		ReportEventPublisher events = worker.getBean(ReportEventPublisher.class);
		UUID reportId = UUID.randomUUID();
		whileNothingIsBound(topology, () -> {
			// Published without mandatory: the broker does not send them back.
			for (ConfirmedPublisher.Publication published : List.of(
					events.publishLater(event(reportId, ReportEvent.Type.RUNNING)),
					events.publishLater(event(reportId, ReportEvent.Type.PROGRESS)),
					events.publishLater(event(reportId, ReportEvent.Type.SUCCEEDED), true))) {
				published.await();
				assertThat(published.cameBack()).isFalse();
			}
			ConfirmedPublisher.Publication outcome = events.publishLater(event(reportId, ReportEvent.Type.SUCCEEDED));
			assertThatThrownBy(outcome::await).isInstanceOf(AmqpException.class).hasMessageContaining("was not routed");
			assertThat(outcome.cameBack()).isTrue();
			assertThatThrownBy(() -> events.publish(event(reportId, ReportEvent.Type.FAILED), false))
				.isInstanceOf(AmqpException.class)
				.hasMessageContaining("was not routed");
		});
	}

	private static ReportEvent event(UUID reportId, ReportEvent.Type type) {
		return new ReportEvent(reportId, type, (type == ReportEvent.Type.PROGRESS) ? 50 : 0, Instant.now(), OWNER,
				"NO_OP", ReportFormat.CSV, (type == ReportEvent.Type.SUCCEEDED) ? 10L : null,
				(type == ReportEvent.Type.FAILED) ? "It failed." : null);
	}

	@Test
	void anOutcomeMailedWithItsRecordingIsAcknowledgedThoughNoQueueHearsIt() throws Exception {
		Topology topology = worker.getBean(Topology.class);
		broker.purge(topology.webhooksQueue());
		// An owner without a webhook endpoint, whose email the worker records with the
		// outcome: neither durable queue needs the event.
		ReportTask task = new ReportTask(UUID.randomUUID(), "NO_OP", Map.of(), OWNER, Instant.now(), ReportFormat.CSV);
		Workers.insertQueuedReport(jdbc, task);
		whileNothingIsBound(topology, () -> {
			Workers.publish(worker, task);
			await().atMost(Duration.ofSeconds(20))
				.until(() -> Workers.status(jdbc, task.reportId()).equals("SUCCEEDED"));
			// Its email was recorded with the outcome: it goes out while nothing hears
			// the event.
			assertThat(greenMail.waitForIncomingEmail(15_000, 1)).isTrue();
		});
		// Acknowledged at once: a delivery kept for its outcome would announce it again
		// now that it can, with the key both durable queues bind.
		await().during(Duration.ofSeconds(3))
			.atMost(Duration.ofSeconds(10))
			.until(() -> broker.messageCount(topology.generateQueue()) == 0
					&& broker.messageCount(topology.generateDeadLetterQueue()) == 0
					&& broker.messageCount(topology.webhooksQueue()) == 0);
		assertThat(Workers.mailsAbout(greenMail, task.reportId())).isEqualTo(1);
	}

	/**
	 * Does the work with nothing bound to the events fanout (the outcome subscribers'
	 * queues hear it through the outcomes exchange, and no api-service runs here), so
	 * every event is unroutable.
	 */
	private static void whileNothingIsBound(Topology topology, ThrowingRunnable work) throws Exception {
		AmqpAdmin admin = worker.getBean(AmqpAdmin.class);
		Binding outcomes = new Binding(topology.outcomesExchange(), Binding.DestinationType.EXCHANGE,
				topology.eventsExchange(), "", null);
		admin.removeBinding(outcomes);
		try {
			work.run();
		}
		finally {
			admin.declareBinding(outcomes);
		}
	}

	private interface ThrowingRunnable {

		void run() throws Exception;

	}

	private static UUID finishedReport(String status, String ago) {
		ReportTask task = new ReportTask(UUID.randomUUID(), "NO_OP", Map.of(), OWNER, Instant.now(), ReportFormat.CSV);
		Workers.insertQueuedReport(jdbc, task);
		jdbc.sql("""
				UPDATE reports SET status = :status, attempts = 1, started_at = now() - CAST(:ago AS interval),
				       finished_at = now() - CAST(:ago AS interval), file_size = 10,
				       error = CASE WHEN :status = 'FAILED' THEN 'It failed.' END
				 WHERE id = :id""").param("status", status).param("ago", ago).param("id", task.reportId()).update();
		return task.reportId();
	}

}
