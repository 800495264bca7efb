package dev.offload.worker.email;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import dev.offload.model.Owner;
import dev.offload.model.ReportFormat;
import dev.offload.model.ReportTask;
import dev.offload.model.Topology;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import dev.offload.worker.Workers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An SMTP server that refuses connections: the report is built once, its email waits in
 * the outbox and is tried again with a growing back-off, and is sent exactly once when
 * the server is back.
 */
class EmailOutageTests {

	private static final int SMTP_PORT = Workers.freePort();

	private static final ServerSetup SMTP = new ServerSetup(SMTP_PORT, "127.0.0.1", ServerSetup.PROTOCOL_SMTP);

	private static TestDatabase database;

	private static TestBroker broker;

	private static ConfigurableApplicationContext worker;

	private static JdbcClient jdbc;

	private static GreenMail smtp;

	@BeforeAll
	static void startWorkerWithoutSmtpServer() {
		database = TestDatabase.create();
		broker = TestBroker.create();
		worker = Workers.start(database, broker, SMTP_PORT,
				Map.of("offload.worker.email.poll-interval", "100ms", "offload.worker.email.retry.initial-interval",
						"200ms", "offload.worker.email.retry.max-interval", "1s"));
		jdbc = worker.getBean(JdbcClient.class);
	}

	@AfterAll
	static void stopAll() throws Exception {
		Workers.stop((smtp != null) ? smtp::stop : null, worker, broker, database);
	}

	@Test
	void emailIsRetriedWithBackoffDuringAnSmtpOutageAndSentOnceItIsBack() throws Exception {
		ReportTask task = new ReportTask(UUID.randomUUID(), "NO_OP", Map.of(), new Owner("user-1", "ada@example.com"),
				Instant.now(), ReportFormat.CSV);
		Workers.insertQueuedReport(jdbc, task);
		Workers.publish(worker, task);

		await().atMost(Duration.ofSeconds(20))
			.untilAsserted(() -> assertThat(Workers.status(jdbc, task.reportId())).isEqualTo("SUCCEEDED"));
		await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(outboxRow(task)).satisfies((row) -> {
			assertThat(row.get("status")).isEqualTo("PENDING");
			assertThat((Integer) row.get("attempts")).isGreaterThanOrEqualTo(3);
			assertThat(row.get("last_error")).asString().contains("MailSendException");
		}));
		smtp = new GreenMail(SMTP);
		smtp.start();

		assertThat(smtp.waitForIncomingEmail(15_000, 1)).isTrue();
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(outboxRow(task).get("status")).isEqualTo("SENT"));
		await().during(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(smtp.getReceivedMessages()).hasSize(1));
		assertThat(GreenMailUtil.getBody(smtp.getReceivedMessages()[0])).contains(task.reportId().toString());
		// A copy sent again after a crash would carry the same Message-ID.
		assertThat(smtp.getReceivedMessages()[0].getMessageID())
			.isEqualTo("<" + task.reportId() + ".succeeded@offload>");
		assertThat(jdbc.sql("SELECT attempts FROM reports WHERE id = :id")
			.param("id", task.reportId())
			.query(Integer.class)
			.single()).as("the report was built once").isEqualTo(1);
		assertThat(broker.messageCount(broker.topology().emailDeadLetterQueue())).isZero();
	}

	private static Map<String, Object> outboxRow(ReportTask task) {
		return jdbc.sql("""
				SELECT status, attempts, last_error
				  FROM sent_emails WHERE report_id = :id AND outcome = 'SUCCEEDED'
				""").param("id", task.reportId()).query().singleRow();
	}

}
