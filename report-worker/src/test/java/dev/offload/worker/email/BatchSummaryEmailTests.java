package dev.offload.worker.email;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;

import dev.offload.model.Owner;
import dev.offload.model.ReportEvent;
import dev.offload.model.ReportFormat;
import dev.offload.model.Topology;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import dev.offload.worker.Workers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A batch's owner gets one summary email when the batch completes, and none for each of
 * its reports; against real RabbitMQ, PostgreSQL and SMTP. api-service marks the batch
 * complete; here the test does.
 */
class BatchSummaryEmailTests {

	private static final int SMTP_PORT = Workers.freePort();

	@RegisterExtension
	static final GreenMailExtension greenMail = new GreenMailExtension(
			new ServerSetup(SMTP_PORT, "127.0.0.1", ServerSetup.PROTOCOL_SMTP))
		.withPerMethodLifecycle(false);

	private static final Owner OWNER = new Owner("batch-owner", "grace@example.com");

	private static TestDatabase database;

	private static TestBroker broker;

	private static ConfigurableApplicationContext worker;

	private static JdbcClient jdbc;

	@BeforeAll
	static void startWorker() {
		database = TestDatabase.create();
		broker = TestBroker.create();
		worker = Workers.start(database, broker, SMTP_PORT, Map.of("offload.worker.email.poll-interval", "200ms"));
		jdbc = worker.getBean(JdbcClient.class);
	}

	@AfterAll
	static void stopWorker() throws Exception {
		Workers.stop(worker, broker, database);
	}

	@Test
	void aCompletedBatchIsSummarisedInOneEmailAndItsReportsAreNotMailedOneByOne() throws Exception {
		UUID batch = UUID.randomUUID();
		jdbc.sql("""
				INSERT INTO report_batches (id, owner_id, owner_email, type, format, items, total, created, state)
				VALUES (:id, :owner, :email, 'CUSTOMER_STATEMENT', 'PDF', '[{}, {}, {}]', 3, 3, 'RUNNING')""")
			.param("id", batch)
			.param("owner", OWNER.userId())
			.param("email", OWNER.email())
			.update();
		UUID[] reports = new UUID[3];
		for (int i = 0; i < 3; i++) {
			reports[i] = UUID.randomUUID();
			jdbc.sql(
					"""
							INSERT INTO reports (id, owner_id, owner_email, type, format, status, priority, batch_id, batch_item,
							                     finished_at, error)
							VALUES (:id, :owner, :email, 'CUSTOMER_STATEMENT', 'PDF', :status, 'BULK', :batch, :item, now(),
							        :error)""")
				.param("id", reports[i])
				.param("owner", OWNER.userId())
				.param("email", OWNER.email())
				.param("status", (i == 2) ? "FAILED" : "SUCCEEDED")
				.param("batch", batch)
				.param("item", i + 1)
				.param("error", (i == 2) ? "Report data unavailable" : null)
				.update();
		}
		// The workers announce each outcome as usual; the email outbox records none of
		// them.
		for (int i = 0; i < 3; i++) {
			publish(new ReportEvent(reports[i], (i == 2) ? ReportEvent.Type.FAILED : ReportEvent.Type.SUCCEEDED, 100,
					Instant.now(), OWNER, "CUSTOMER_STATEMENT", ReportFormat.PDF, 1024L, null));
		}
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(broker.messageCount(worker.getBean(Topology.class).emailQueue())).isZero());

		jdbc.sql("UPDATE report_batches SET state = 'COMPLETED', completed_at = now() WHERE id = :id")
			.param("id", batch)
			.update();
		assertThat(greenMail.waitForIncomingEmail(10_000, 1)).isTrue();
		// Time for a second summary, or a report's own email, to arrive if anything sent
		// one.
		await().during(Duration.ofSeconds(2))
			.atMost(Duration.ofSeconds(5))
			.untilAsserted(() -> assertThat(greenMail.getReceivedMessages()).hasSize(1));
		MimeMessage summary = greenMail.getReceivedMessages()[0];
		assertThat(summary.getSubject()).isEqualTo("Your batch of 3 CUSTOMER_STATEMENT reports is done (1 failed)");
		assertThat(summary.getAllRecipients()[0]).hasToString(OWNER.email());
		assertThat(GreenMailUtil.getBody(summary)).contains("2 succeeded", "1 failed",
				"http://localhost:8080/api/batches/" + batch);
		assertThat(jdbc.sql("SELECT count(*) FROM sent_emails").query(Long.class).single()).isEqualTo(1);
		assertThat(jdbc.sql("SELECT summary_sent_at IS NOT NULL FROM report_batches WHERE id = :id")
			.param("id", batch)
			.query(Boolean.class)
			.single()).isTrue();
	}

	private static void publish(ReportEvent event) {
		worker.getBean(RabbitTemplate.class).convertAndSend(worker.getBean(Topology.class).eventsExchange(), "", event);
	}

}
