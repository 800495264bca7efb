package dev.offload.worker.pipeline;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import dev.offload.model.Messages;
import dev.offload.model.Owner;
import dev.offload.model.ReportEvent;
import dev.offload.model.ReportFormat;
import dev.offload.model.ReportTask;
import dev.offload.model.TaskHeaders;
import dev.offload.model.Topology;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import dev.offload.worker.Workers;
import dev.offload.worker.sales.SalesSeeder;
import jakarta.mail.Message.RecipientType;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A whole worker against real PostgreSQL, RabbitMQ and SMTP: tasks in, files, events and
 * mails out. The worker builds one report at a time, so tasks are handled in the order
 * they were published.
 */
class ReportTaskListenerTests {

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
				// Every step of progress is passed on, so even a small report shows some.
				Map.of("offload.worker.concurrency", 1, "offload.worker.progress-interval", "0ms",
						"offload.worker.email.download-base-url", "https://offload.example/",
						"offload.worker.email.from", "reports@offload.example"));
		jdbc = worker.getBean(JdbcClient.class);
		topology = worker.getBean(Topology.class);
		worker.getBean(SalesSeeder.class).seed(500);
		events = Workers.eventTap(worker);
	}

	@AfterAll
	static void stopWorker() throws Exception {
		Workers.stop(worker, broker, database);
	}

	@BeforeEach
	void emptyMailboxAndEventTap() throws Exception {
		greenMail.purgeEmailFromAllMailboxes();
		worker.getBean(RabbitTemplate.class).execute((channel) -> channel.queuePurge(events));
	}

	@Test
	void queuedReportIsBuiltStoredAnnouncedAndMailed() throws Exception {
		ReportTask task = salesSummary("2022-01-01", "2022-12-31");
		Workers.insertQueuedReport(jdbc, task);

		Workers.publish(worker, task);

		await().atMost(Duration.ofSeconds(20))
			.untilAsserted(() -> assertThat(Workers.status(jdbc, task.reportId())).isEqualTo("SUCCEEDED"));
		Map<String, Object> report = jdbc
			.sql("SELECT progress, attempts, file_size, started_at, finished_at FROM reports WHERE id = :id")
			.param("id", task.reportId())
			.query()
			.singleRow();
		assertThat(report).containsEntry("progress", 100).containsEntry("attempts", 1);
		assertThat(report.get("started_at")).isNotNull();
		assertThat(report.get("finished_at")).isNotNull();
		Map<String, Object> file = jdbc.sql("SELECT file_name, content_type, file_sha256 FROM reports WHERE id = :id")
			.param("id", task.reportId())
			.query()
			.singleRow();
		assertThat(file).containsEntry("file_name", "sales-summary-2022-01-01-2022-12-31.csv")
			.containsEntry("content_type", "text/csv");
		byte[] content = Workers.fileContent(worker, task.reportId());
		assertThat((long) content.length).isEqualTo(((Number) report.get("file_size")).longValue());
		assertThat(file.get("file_sha256")).isEqualTo(Workers.sha256(content));
		assertThat(new String(content, StandardCharsets.UTF_8)).contains("Sales summary");

		List<ReportEvent> published = eventsUntil(task.reportId(), ReportEvent.Type.SUCCEEDED).stream()
			.filter((event) -> event.reportId().equals(task.reportId()))
			.toList();
		assertThat(published).extracting(ReportEvent::type)
			.startsWith(ReportEvent.Type.RUNNING)
			.endsWith(ReportEvent.Type.SUCCEEDED);
		List<Integer> progress = published.stream()
			.filter((event) -> event.type() == ReportEvent.Type.PROGRESS)
			.map(ReportEvent::progress)
			.toList();
		assertThat(progress).isNotEmpty().isSorted().allSatisfy((percent) -> assertThat(percent).isBetween(1, 99));
		ReportEvent succeeded = published.get(published.size() - 1);
		assertThat(succeeded.reportId()).isEqualTo(task.reportId());
		assertThat(succeeded.owner()).isEqualTo(OWNER);
		assertThat(succeeded.progress()).isEqualTo(100);
		assertThat(succeeded.fileSize()).isEqualTo(((Number) report.get("file_size")).longValue());

		await().atMost(Duration.ofSeconds(10)).until(() -> Workers.mailsAbout(greenMail, task.reportId()) == 1);
		MimeMessage mail = mailAbout(task.reportId());
		assertThat(mail.getSubject()).isEqualTo("Your report is ready: Sales summary");
		assertThat(mail.getRecipients(RecipientType.TO)).extracting(Object::toString)
			.containsExactly("ada@example.com");
		assertThat(mail.getFrom()).extracting(Object::toString).containsExactly("reports@offload.example");
		assertThat(GreenMailUtil.getBody(mail))
			.contains("https://offload.example/api/reports/" + task.reportId() + "/file");
	}

	@Test
	void redeliveredTaskForFinishedReportSendsNoSecondEmail() throws Exception {
		ReportTask task = noOp();
		Workers.insertQueuedReport(jdbc, task);
		Workers.publish(worker, task);
		await().atMost(Duration.ofSeconds(20))
			.untilAsserted(() -> assertThat(Workers.status(jdbc, task.reportId())).isEqualTo("SUCCEEDED"));
		await().atMost(Duration.ofSeconds(10)).until(() -> Workers.mailsAbout(greenMail, task.reportId()) == 1);

		Workers.publish(worker, task);
		// Tasks are handled in order: once the next report is done, so is the duplicate.
		ReportTask next = noOp();
		Workers.insertQueuedReport(jdbc, next);
		Workers.publish(worker, next);
		await().atMost(Duration.ofSeconds(20))
			.untilAsserted(() -> assertThat(Workers.status(jdbc, next.reportId())).isEqualTo("SUCCEEDED"));
		await().atMost(Duration.ofSeconds(10)).until(() -> Workers.mailsAbout(greenMail, next.reportId()) == 1);

		assertThat(Workers.mailsAbout(greenMail, task.reportId())).isEqualTo(1);
		assertThat(jdbc.sql("SELECT attempts FROM reports WHERE id = :id")
			.param("id", task.reportId())
			.query(Integer.class)
			.single()).isEqualTo(1);
		assertThat(Workers.storedFiles(worker, task.reportId())).isEqualTo(1);
		assertThat(jdbc.sql("SELECT count(*) FROM sent_emails WHERE report_id = :id")
			.param("id", task.reportId())
			.query(Long.class)
			.single()).isEqualTo(1);
	}

	@Test
	void badParametersFailTheReportAndTellTheOwnerWhy() throws Exception {
		ReportTask task = salesSummary("2022-12-31", "2022-01-01");
		Workers.insertQueuedReport(jdbc, task);

		Workers.publish(worker, task);

		await().atMost(Duration.ofSeconds(20))
			.untilAsserted(() -> assertThat(Workers.status(jdbc, task.reportId())).isEqualTo("FAILED"));
		String error = jdbc.sql("SELECT error FROM reports WHERE id = :id")
			.param("id", task.reportId())
			.query(String.class)
			.single();
		assertThat(error).contains("'from' (2022-12-31) is after 'to' (2022-01-01)");
		List<ReportEvent> received = eventsUntil(task.reportId(), ReportEvent.Type.FAILED);
		ReportEvent failed = received.get(received.size() - 1);
		assertThat(failed.type()).isEqualTo(ReportEvent.Type.FAILED);
		assertThat(failed.error()).isEqualTo(error);
		// Other tests' failures may still be mailed meanwhile: take this report's mail.
		await().atMost(Duration.ofSeconds(10)).until(() -> Workers.mailsAbout(greenMail, task.reportId()) == 1);
		// A permanent failure is not retried: no second attempt, no second email.
		await().during(Duration.ofSeconds(2))
			.atMost(Duration.ofSeconds(4))
			.until(() -> Workers.mailsAbout(greenMail, task.reportId()) == 1);
		assertThat(jdbc.sql("SELECT attempts FROM reports WHERE id = :id")
			.param("id", task.reportId())
			.query(Integer.class)
			.single()).isEqualTo(1);
		MimeMessage mail = mailAbout(task.reportId());
		assertThat(mail.getSubject()).isEqualTo("Your report failed: Sales summary");
		assertThat(GreenMailUtil.getBody(mail)).contains("is after 'to'");
		assertThat(Workers.storedFiles(worker, task.reportId())).isZero();
	}

	@Test
	void taskForUnknownReportIsDroppedWithoutEvents() {
		long deadLettersBefore = broker.messageCount(topology.generateDeadLetterQueue());
		ReportTask unknown = noOp();
		Workers.publish(worker, unknown);
		ReportTask next = noOp();
		Workers.insertQueuedReport(jdbc, next);
		Workers.publish(worker, next);

		await().atMost(Duration.ofSeconds(20))
			.untilAsserted(() -> assertThat(Workers.status(jdbc, next.reportId())).isEqualTo("SUCCEEDED"));

		// Another test's last events may still arrive meanwhile; none is about the
		// unknown
		// report.
		assertThat(eventsUntil(next.reportId(), ReportEvent.Type.SUCCEEDED)).extracting(ReportEvent::reportId)
			.contains(next.reportId())
			.doesNotContain(unknown.reportId());
		assertThat(broker.messageCount(topology.generateDeadLetterQueue())).isEqualTo(deadLettersBefore);
	}

	@Test
	void unreadableTasksAreDeadLetteredOnceAndTheWorkerKeepsWorking() {
		long deadLettersBefore = broker.messageCount(topology.generateDeadLetterQueue());
		ReportTask readable = noOp();
		MessageProperties noSchemaVersion = new MessageProperties();
		noSchemaVersion.setContentType(MessageProperties.CONTENT_TYPE_JSON);
		MessageProperties badJson = new MessageProperties();
		badJson.setContentType(MessageProperties.CONTENT_TYPE_JSON);
		badJson.setHeader(Messages.SCHEMA_VERSION_HEADER, Messages.SCHEMA_VERSION);
		RabbitTemplate rabbit = worker.getBean(RabbitTemplate.class);

		rabbit.send(topology.tasksExchange(), topology.generateRoutingKey(),
				new Message(Messages.json().writeValueAsBytes(readable), noSchemaVersion));
		rabbit.send(topology.tasksExchange(), topology.generateRoutingKey(),
				new Message("{\"reportId\": ".getBytes(StandardCharsets.UTF_8), badJson));

		await().atMost(Duration.ofSeconds(20))
			.untilAsserted(() -> assertThat(broker.messageCount(topology.generateDeadLetterQueue()))
				.isEqualTo(deadLettersBefore + 2));
		ReportTask next = noOp();
		Workers.insertQueuedReport(jdbc, next);
		Workers.publish(worker, next);
		await().atMost(Duration.ofSeconds(20))
			.untilAsserted(() -> assertThat(Workers.status(jdbc, next.reportId())).isEqualTo("SUCCEEDED"));
		assertThat(broker.messageCount(topology.generateDeadLetterQueue())).isEqualTo(deadLettersBefore + 2);
		assertThat(broker.messageCount(topology.generateQueue())).isZero();
	}

	@Test
	void malformedOversizedAndWronglyTypedTasksNeverCrashOrStallTheWorker() {
		long deadLettersBefore = broker.messageCount(topology.generateDeadLetterQueue());
		RabbitTemplate rabbit = worker.getBean(RabbitTemplate.class);
		ReportTask giantParameters = new ReportTask(UUID.randomUUID(), "SALES_SUMMARY",
				Map.of("from", "2024-01-01".repeat(100_000), "to", "2024-12-31"), OWNER, Instant.now(),
				ReportFormat.CSV);
		Workers.insertQueuedReport(jdbc, giantParameters);
		String validJson = Messages.json().writeValueAsString(noOp());
		List<Message> hostile = List.of(
				// unreadable: each must go to the DLQ once
				message(new byte[4 * 1024 * 1024], MessageProperties.CONTENT_TYPE_JSON, Messages.SCHEMA_VERSION),
				message(utf8("{\"reportId\": 42, \"type\": [\"SALES_SUMMARY\"], \"parameters\": \"x\", "
						+ "\"owner\": 1, \"requestedAt\": true, \"format\": {}}"), MessageProperties.CONTENT_TYPE_JSON,
						Messages.SCHEMA_VERSION),
				message(utf8(validJson.replace("NO_OP", "DROP_TABLE")), MessageProperties.CONTENT_TYPE_JSON,
						Messages.SCHEMA_VERSION),
				message(utf8("[".repeat(100_000)), MessageProperties.CONTENT_TYPE_JSON, Messages.SCHEMA_VERSION),
				message(new byte[0], MessageProperties.CONTENT_TYPE_JSON, Messages.SCHEMA_VERSION),
				message(utf8("null"), MessageProperties.CONTENT_TYPE_JSON, Messages.SCHEMA_VERSION),
				message(new byte[] { (byte) 0xff, (byte) 0xfe, 0, 1, 2 }, MessageProperties.CONTENT_TYPE_JSON,
						Messages.SCHEMA_VERSION),
				message(utf8(validJson), MessageProperties.CONTENT_TYPE_JSON, 999),
				message(utf8(validJson), MessageProperties.CONTENT_TYPE_BYTES, Messages.SCHEMA_VERSION),
				// readable but hostile: a report whose parameters are 1 MB of text fails
				message(Messages.json().writeValueAsBytes(giantParameters), MessageProperties.CONTENT_TYPE_JSON,
						Messages.SCHEMA_VERSION));
		Message wrongAttemptHeader = message(utf8(validJson), MessageProperties.CONTENT_TYPE_JSON,
				Messages.SCHEMA_VERSION);
		wrongAttemptHeader.getMessageProperties().setHeader(TaskHeaders.ATTEMPT, "not-a-number");
		Message wrongSchemaHeaderType = message(utf8(validJson), MessageProperties.CONTENT_TYPE_JSON, null);
		wrongSchemaHeaderType.getMessageProperties().setHeader(Messages.SCHEMA_VERSION_HEADER, List.of(1, 2));

		for (Message message : hostile) {
			rabbit.send(topology.tasksExchange(), topology.generateRoutingKey(), message);
		}
		rabbit.send(topology.tasksExchange(), topology.generateRoutingKey(), wrongAttemptHeader);
		rabbit.send(topology.tasksExchange(), topology.generateRoutingKey(), wrongSchemaHeaderType);
		ReportTask next = noOp();
		Workers.insertQueuedReport(jdbc, next);
		Workers.publish(worker, next);

		await().atMost(Duration.ofSeconds(60))
			.untilAsserted(() -> assertThat(Workers.status(jdbc, next.reportId())).isEqualTo("SUCCEEDED"));
		// The hostile tasks were sent on another channel than the last one: no order
		// between them.
		await().atMost(Duration.ofSeconds(20))
			.untilAsserted(() -> assertThat(Workers.status(jdbc, giantParameters.reportId())).isEqualTo("FAILED"));
		await().atMost(Duration.ofSeconds(20))
			.untilAsserted(() -> assertThat(broker.messageCount(topology.generateQueue())).isZero());
		// Nothing unreadable loops or vanishes: at least the nine unreadable tasks are
		// parked, and nothing more than all eleven hostile ones.
		assertThat(broker.messageCount(topology.generateDeadLetterQueue()) - deadLettersBefore).isBetween(9L, 11L);
		assertThat(broker.consumerCount(topology.generateQueue())).isPositive();
		// Both outcomes are mailed before the next test empties the mailbox.
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(
					jdbc.sql("SELECT count(*) FROM sent_emails WHERE status = 'SENT' AND report_id IN (:ids)")
						.param("ids", List.of(next.reportId(), giantParameters.reportId()))
						.query(Long.class)
						.single())
				.isEqualTo(2));
	}

	private static Message message(byte[] body, String contentType, Object schemaVersion) {
		MessageProperties properties = new MessageProperties();
		properties.setContentType(contentType);
		if (schemaVersion != null) {
			properties.setHeader(Messages.SCHEMA_VERSION_HEADER, schemaVersion);
		}
		return new Message(body, properties);
	}

	private static byte[] utf8(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

	private static MimeMessage mailAbout(UUID reportId) throws Exception {
		for (MimeMessage mail : greenMail.getReceivedMessages()) {
			if (GreenMailUtil.getBody(mail).contains(reportId.toString())) {
				return mail;
			}
		}
		throw new AssertionError("No mail about report " + reportId);
	}

	private static ReportTask salesSummary(String from, String to) {
		return new ReportTask(UUID.randomUUID(), "SALES_SUMMARY", Map.of("from", from, "to", to), OWNER, Instant.now(),
				ReportFormat.CSV);
	}

	private static ReportTask noOp() {
		return new ReportTask(UUID.randomUUID(), "NO_OP", Map.of(), OWNER, Instant.now(), ReportFormat.CSV);
	}

	/** The events in the tap, up to the first of the given type. */
	/**
	 * The events received until the given report's event of the given type, that one
	 * included; events of other reports (a previous test's, still arriving) among them.
	 */
	private static List<ReportEvent> eventsUntil(UUID reportId, ReportEvent.Type last) {
		List<ReportEvent> received = new ArrayList<>();
		ReportEvent event;
		do {
			event = Workers.nextEvent(worker, events);
			assertThat(event).as("an event after %s", received).isNotNull();
			received.add(event);
		}
		while (event.type() != last || !event.reportId().equals(reportId));
		return received;
	}

}
