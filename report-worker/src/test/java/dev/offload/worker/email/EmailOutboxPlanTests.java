package dev.offload.worker.email;

import java.sql.Connection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetup;
import dev.offload.model.Owner;
import dev.offload.model.ReportEvent;
import dev.offload.model.ReportFormat;
import dev.offload.model.ReportTask;
import dev.offload.testsupport.PreparedPlans;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import dev.offload.worker.Workers;
import dev.offload.worker.email.EmailOutbox.OutcomeEmail;
import dev.offload.worker.email.EmailOutbox.PendingEmail;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The email outbox's two statements per batch of emails, recording them and marking them
 * sent, are each planned once per connection whatever the number of emails, and store
 * what they were given exactly: PostgreSQL's own count of its plans on one connection,
 * after twenty batches of one to ten emails, on a table of 2,000 more reports analyzed as
 * autovacuum would. With a row of parameters per email (VALUES, IN), each number of
 * emails was a statement of its own, parsed and planned again.
 */
class EmailOutboxPlanTests {

	private static final int SMTP_PORT = Workers.freePort();

	@RegisterExtension
	static final GreenMailExtension greenMail = new GreenMailExtension(
			new ServerSetup(SMTP_PORT, "127.0.0.1", ServerSetup.PROTOCOL_SMTP))
		.withPerMethodLifecycle(false);

	private static final Owner OWNER = new Owner("user-plans", "plans@example.com");

	private static TestDatabase database;

	private static TestBroker broker;

	private static ConfigurableApplicationContext worker;

	private static JdbcClient jdbc;

	@BeforeAll
	static void startWorker() {
		database = TestDatabase.create();
		broker = TestBroker.create();
		// The worker migrates the database; its consumers and sender stay idle: nothing
		// is published, and the test's emails are sent and marked by the test.
		worker = Workers.start(database, broker, SMTP_PORT,
				Map.of("offload.worker.announcements.enabled", false, "offload.worker.email.poll-interval", "1h"));
		jdbc = worker.getBean(JdbcClient.class);
	}

	@AfterAll
	static void stopWorker() throws Exception {
		Workers.stop(worker, broker, database);
	}

	@Test
	void recordingAndMarkingEmailsArePlannedOnceWhateverTheirNumberAndKeepWhatTheyWereGiven() throws Exception {
		jdbc.sql("""
				INSERT INTO reports (id, owner_id, owner_email, type, format, parameters, status)
				SELECT gen_random_uuid(), 'backlog-' || (n % 100), 'backlog@example.com', 'NO_OP', 'CSV', '{}', 'QUEUED'
				FROM generate_series(1, 2000) n""").update();
		jdbc.sql("ANALYZE reports").update();
		try (Connection connection = PreparedPlans.preparingFromTheFirstRun(database.connect())) {
			EmailOutbox outbox = new EmailOutbox(JdbcClient.create(new SingleConnectionDataSource(connection, true)));
			for (int i = 0; i < 20; i++) {
				List<OutcomeEmail> emails = new ArrayList<>();
				for (int j = 0; j <= i % 10; j++) {
					ReportTask task = new ReportTask(UUID.randomUUID(), "NO_OP", Map.of(), OWNER, Instant.now(),
							ReportFormat.CSV);
					Workers.insertQueuedReport(jdbc, task);
					// Quotes, a backslash, a line break and characters outside ASCII,
					// which
					// the JSON the rows travel in escapes.
					emails.add(new OutcomeEmail(task.reportId(), ReportEvent.Type.SUCCEEDED, OWNER.email(),
							"Report \"" + j + "\" is ready", "Line one\\ \u00e9\u20ac\nLine two \u2603 " + j));
				}
				assertThat(outbox.recordAll(emails)).containsExactlyInAnyOrderElementsOf(emails);
				List<PendingEmail> due = outbox.lockDue(10);
				assertThat(due).hasSize(emails.size());
				for (PendingEmail email : due) {
					OutcomeEmail given = emails.stream()
						.filter((candidate) -> candidate.reportId().equals(email.reportId()))
						.findFirst()
						.orElseThrow();
					assertThat(email.subject()).isEqualTo(given.subject());
					assertThat(email.body()).isEqualTo(given.body());
					assertThat(email.outcome()).isEqualTo("SUCCEEDED");
				}
				outbox.markSent(due);
				assertThat(jdbc.sql("SELECT count(*) FROM sent_emails WHERE status = 'SENT' AND report_id = ANY(:ids)")
					.param("ids", emails.stream().map(OutcomeEmail::reportId).toArray(UUID[]::new))
					.query(Long.class)
					.single()).isEqualTo(emails.size());
			}
			for (String statement : List.of("INSERT INTO sent_emails", "SET status = 'SENT'")) {
				PreparedPlans plans = PreparedPlans.of(connection, statement)
					.orElseThrow(() -> new AssertionError(statement + " was not prepared on the server"));
				// PostgreSQL tries custom plans for a prepared statement's first five
				// runs, then keeps the generic one unless custom plans look cheaper.
				assertThat(plans.custom()).as(statement).isLessThanOrEqualTo(5);
				assertThat(plans.generic()).as(statement).isGreaterThanOrEqualTo(15);
			}
		}
	}

}
