package dev.offload.worker.pipeline;

import java.net.ConnectException;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import dev.offload.model.Owner;
import dev.offload.model.ReportEvent;
import dev.offload.model.ReportFormat;
import dev.offload.model.ReportParameter;
import dev.offload.model.ReportTask;
import dev.offload.model.ReportTypeDescriptor;
import dev.offload.model.TaskHeaders;
import dev.offload.model.Topology;
import dev.offload.model.files.FileStoreException;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import dev.offload.worker.Workers;
import dev.offload.worker.catalogue.ReportDefinition;
import dev.offload.worker.catalogue.ReportParameters;
import dev.offload.worker.catalogue.ReportParametersException;
import dev.offload.worker.catalogue.ReportProgress;
import dev.offload.worker.render.DocumentWriter;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.amqp.AmqpConnectException;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.UncategorizedSQLException;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What a report's owner is told when it fails: the report's {@code error}, its FAILED
 * event and the email hold a summary, never the text of an internal exception (host
 * names, SQL, the broker's or a file store's messages), which goes to the log with the
 * report id. Only a {@link ReportParametersException}'s own message reaches the owner.
 * The failures come from a report type of this test's own that fails as its parameter
 * says.
 */
@ExtendWith(OutputCaptureExtension.class)
class FailureSummaryTests {

	private static final Duration RETRY_DELAY = Duration.ofSeconds(3);

	private static final String DATABASE_HOST = "jdbc:postgresql://db.internal:5432";

	private static final String BROKER_HOST = "Connection refused: rabbit-0.rabbit.svc";

	private static final String FILE_STORE_HOST = "s3.internal.example:9000";

	/** Text of the internal exceptions, none of which its owner may see. */
	private static final List<String> INTERNAL_TEXT = List.of("db.internal", "jdbc:", "SELECT", "rabbit-0",
			"Connection refused", "s3.internal", "bucket", "Exception");

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

	private static String events;

	@BeforeAll
	static void startWorker() {
		database = TestDatabase.create();
		broker = TestBroker.create();
		worker = Workers.start(database, broker, SMTP_PORT,
				Map.of("offload.worker.concurrency", 1, "offload.worker.retry.delays", RETRY_DELAY.toSeconds() + "s"),
				FailingReport.class);
		jdbc = worker.getBean(JdbcClient.class);
		topology = worker.getBean(Topology.class);
		events = Workers.eventTap(worker);
	}

	@AfterAll
	static void stopWorker() throws Exception {
		Workers.stop(worker, (broker != null) ? () -> broker.deleteRetryQueues(java.util.List.of(RETRY_DELAY)) : null,
				broker, database);
	}

	@ParameterizedTest
	@ValueSource(strings = { "sql", "file-store", "illegal-argument" })
	void internalErrorReachesTheLogWithTheReportIdAndTheOwnerOnlyASummary(String failure, CapturedOutput output)
			throws Exception {
		ReportTask task = failing(failure);
		Workers.insertQueuedReport(jdbc, task);

		Workers.publish(worker, task);

		await().atMost(Duration.ofSeconds(20))
			.untilAsserted(() -> assertThat(Workers.status(jdbc, task.reportId())).isEqualTo("FAILED"));
		String error = error(task.reportId());
		assertThat(error).isEqualTo(
				"The report could not be built because of an internal error, which has been logged for the operators");
		assertThat(failedEvent(task.reportId()).error()).isEqualTo(error);
		assertThat(mailAbout(task.reportId())).contains(error);
		assertThat(attempts(task.reportId())).as("a bug is not retried").isEqualTo(1);
		assertLogged(output, task.reportId(), "Report failed on an unexpected error", FailingReport.detail(failure));
	}

	@Test
	void brokerFailureIsRetriedThenSummarisedWhileTheDetailGoesToTheLogAndTheDeadLetter(CapturedOutput output)
			throws Exception {
		ReportTask task = failing("broker");
		Workers.insertQueuedReport(jdbc, task);

		Workers.publish(worker, task);

		// Waiting for its retry, the report says so, and no more.
		await().atMost(Duration.ofSeconds(20))
			.pollInterval(Duration.ofMillis(50))
			.until(() -> jdbc.sql("SELECT count(*) FROM reports WHERE id = :id AND status = 'QUEUED' AND attempts = 1")
				.param("id", task.reportId())
				.query(Long.class)
				.single() == 1);
		assertThat(error(task.reportId())).isEqualTo(
				"Attempt 1 could not finish because a service the report needs was unavailable; it will be tried again");
		assertLogged(output, task.reportId(), "Attempt 1 failed for a transient reason", BROKER_HOST);

		await().atMost(Duration.ofSeconds(20))
			.untilAsserted(() -> assertThat(Workers.status(jdbc, task.reportId())).isEqualTo("FAILED"));
		String error = error(task.reportId());
		assertThat(error).isEqualTo("The report could not be built in 2 attempts because a service it needs was "
				+ "unavailable; please request it again later");
		assertThat(failedEvent(task.reportId()).error()).isEqualTo(error);
		assertThat(mailAbout(task.reportId())).contains(error);
		assertLogged(output, task.reportId(), "Attempt 2 failed for a transient reason and was the last", BROKER_HOST);
		// Operators see what failed on the parked task.
		Message parked = worker.getBean(RabbitTemplate.class).receive(topology.generateDeadLetterQueue(), 10_000);
		assertThat(parked).isNotNull();
		assertThat(parked.getMessageProperties().getHeaders().get(TaskHeaders.FAILURE_REASON)).asString()
			.contains(BROKER_HOST);
	}

	@Test
	void parametersExceptionIsShownToTheOwnerWithoutItsCause(CapturedOutput output) throws Exception {
		ReportTask task = failing("parameters");
		Workers.insertQueuedReport(jdbc, task);

		Workers.publish(worker, task);

		await().atMost(Duration.ofSeconds(20))
			.untilAsserted(() -> assertThat(Workers.status(jdbc, task.reportId())).isEqualTo("FAILED"));
		String error = error(task.reportId());
		assertThat(error).isEqualTo(FailingReport.NO_SUCH_CUSTOMER);
		assertThat(failedEvent(task.reportId()).error()).isEqualTo(error);
		assertThat(mailAbout(task.reportId())).contains(error);
		assertThat(attempts(task.reportId())).isEqualTo(1);
		assertLogged(output, task.reportId(), "Report failed on its parameters", FailingReport.NO_SUCH_CUSTOMER);
	}

	/**
	 * Asserts that a line about the report (its id in the MDC) has the message, followed
	 * by the exception's detail (its stack trace follows the line).
	 */
	private static void assertLogged(CapturedOutput output, UUID reportId, String message, String detail) {
		String log = output.getAll();
		Optional<String> line = log.lines()
			.filter((candidate) -> candidate.contains("[" + reportId + "]") && candidate.contains(message))
			.findFirst();
		assertThat(line).as("a log line about report %s saying '%s'", reportId, message).isPresent();
		assertThat(log.substring(log.indexOf(line.get()))).contains(detail);
	}

	/** Also asserts that the error holds none of the internal text. */
	private static String error(UUID reportId) {
		String error = jdbc.sql("SELECT error FROM reports WHERE id = :id")
			.param("id", reportId)
			.query(String.class)
			.single();
		assertThat(error).isNotNull().doesNotContain(INTERNAL_TEXT);
		return error;
	}

	private static int attempts(UUID reportId) {
		return jdbc.sql("SELECT attempts FROM reports WHERE id = :id")
			.param("id", reportId)
			.query(Integer.class)
			.single();
	}

	/** The report's FAILED event; other events (RUNNING, other reports') are skipped. */
	private static ReportEvent failedEvent(UUID reportId) {
		ReportEvent event;
		do {
			event = Workers.nextEvent(worker, events);
			assertThat(event).as("the FAILED event of %s", reportId).isNotNull();
		}
		while (event.type() != ReportEvent.Type.FAILED || !event.reportId().equals(reportId));
		assertThat(event.error()).doesNotContain(INTERNAL_TEXT);
		return event;
	}

	/** The body of the mail about the report, which holds none of the internal text. */
	private static String mailAbout(UUID reportId) throws Exception {
		await().atMost(Duration.ofSeconds(10)).until(() -> Workers.mailsAbout(greenMail, reportId) == 1);
		for (MimeMessage mail : greenMail.getReceivedMessages()) {
			String body = GreenMailUtil.getBody(mail);
			if (body.contains(reportId.toString())) {
				assertThat(body).doesNotContain(INTERNAL_TEXT);
				return body;
			}
		}
		throw new AssertionError("No mail about report " + reportId);
	}

	private static ReportTask failing(String failure) {
		return new ReportTask(UUID.randomUUID(), FailingReport.NAME, Map.of("failure", failure), OWNER, Instant.now(),
				ReportFormat.CSV);
	}

	/**
	 * A report type that fails as its {@code failure} parameter says, with exceptions
	 * whose messages hold what internal ones do. Registered by this test alone: it has no
	 * {@code @Component}, so other tests' workers do not offer it.
	 */
	static class FailingReport implements ReportDefinition {

		static final String NAME = "FAILING";

		static final String NO_SUCH_CUSTOMER = "There is no customer with id 42";

		private static final ReportTypeDescriptor DESCRIPTOR = new ReportTypeDescriptor(NAME, 1, "Failing",
				"Fails as its parameter says (a report type of the tests).",
				List.of(ReportParameter.choice("failure", "what goes wrong",
						List.of("sql", "file-store", "illegal-argument", "broker", "parameters"))),
				List.of(ReportFormat.CSV), true);

		/** The internal detail of each failure, which only the log may show. */
		static String detail(String failure) {
			return switch (failure) {
				case "sql" -> DATABASE_HOST;
				case "file-store", "illegal-argument" -> FILE_STORE_HOST;
				case "broker" -> BROKER_HOST;
				default -> throw new IllegalArgumentException(failure);
			};
		}

		@Override
		public ReportTypeDescriptor descriptor() {
			return DESCRIPTOR;
		}

		@Override
		public String fileName(ReportParameters parameters) {
			return "failing";
		}

		@Override
		public void build(ReportParameters parameters, ReportProgress progress, DocumentWriter document) {
			throw switch (parameters.text("failure")) {
				// Not a transient SQLSTATE: a bug, such as a query the schema does not
				// fit.
				case "sql" ->
					new UncategorizedSQLException("reading the sales data", "SELECT secret FROM sales.customers",
							new SQLException(
									"FATAL: no pg_hba.conf entry for host 10.0.0.7 at " + DATABASE_HOST + "/shop",
									"XX000"));
				case "file-store" -> new FileStoreException(
						"Access denied to bucket offload-reports at https://" + FILE_STORE_HOST, null);
				case "illegal-argument" -> new IllegalArgumentException(
						"Invalid upload part for bucket offload-reports at https://" + FILE_STORE_HOST);
				case "broker" -> new AmqpConnectException(new ConnectException(BROKER_HOST + ":5672"));
				case "parameters" -> new ReportParametersException(NO_SUCH_CUSTOMER,
						new SQLException("ERROR: relation at " + DATABASE_HOST + " is locked"));
				default -> new IllegalStateException();
			};
		}

	}

}
