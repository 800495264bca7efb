package dev.offload.worker.email;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import dev.offload.worker.Workers;
import dev.offload.worker.email.SmtpConnectionTests.CountingRelay;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With {@code offload.worker.email.connections} above 1, a poll that finds more emails
 * due than one transaction takes sends them over several SMTP connections side by side,
 * and still mails each email once; a poll with a few due uses one. GreenMail sits behind
 * {@link CountingRelay}, which counts the connections.
 */
class EmailConnectionsTests {

	private static final ServerSetup SMTP = new ServerSetup(Workers.freePort(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP);

	private static TestDatabase database;

	private static TestBroker broker;

	private static GreenMail smtp;

	private static CountingRelay relay;

	private static ConfigurableApplicationContext worker;

	private static JdbcClient jdbc;

	private static DueEmails emails;

	@BeforeAll
	static void startWorker() throws IOException {
		database = TestDatabase.create();
		broker = TestBroker.create();
		smtp = new GreenMail(SMTP);
		smtp.start();
		relay = new CountingRelay(SMTP.getPort());
		// A poll every 5 s: the emails of a test are all due by the next one, and sent
		// within it.
		worker = Workers.start(database, broker, relay.port(),
				Map.of("offload.worker.email.poll-interval", "5s", "offload.worker.email.connections", 4));
		jdbc = worker.getBean(JdbcClient.class);
		emails = new DueEmails(jdbc, smtp);
	}

	@AfterAll
	static void stopAll() throws Exception {
		Workers.stop(worker, relay, (smtp != null) ? smtp::stop : null, broker, database);
	}

	@BeforeEach
	void quiet() throws Exception {
		// Nothing due from an earlier test.
		await().atMost(Duration.ofSeconds(30))
			.until(() -> jdbc.sql("SELECT count(*) FROM sent_emails WHERE status = 'PENDING'")
				.query(Long.class)
				.single() == 0);
		relay.reset(0, false);
		smtp.purgeEmailFromAllMailboxes();
	}

	@Test
	void manyDueEmailsGoOverSeveralConnectionsEachMailedOnce() throws Exception {
		List<UUID> reports = emails.due(400);

		emails.assertMailedOnceEach(reports);
		assertThat(relay.connections()).as("connections opened").isBetween(2, 8);
		assertThat(emails.attempts(reports)).as("one attempt each").isEqualTo(400);
	}

	@Test
	void aFewDueEmailsGoOverOneConnection() throws Exception {
		List<UUID> reports = emails.due(5);

		emails.assertMailedOnceEach(reports);
		assertThat(relay.connections()).isOne();
		assertThat(emails.attempts(reports)).as("one attempt each").isEqualTo(5);
	}

}
