package dev.offload.worker.email;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import dev.offload.model.DownloadLinkSignature;
import dev.offload.model.Messages;
import dev.offload.model.Owner;
import dev.offload.model.ReportEvent;
import dev.offload.model.ReportFormat;
import dev.offload.model.ReportTask;
import dev.offload.model.Topology;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import dev.offload.worker.Workers;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
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
 * The email sender against real RabbitMQ, PostgreSQL and SMTP. It reads events in
 * batches, each in the order they were published, so they are handled in that order.
 */
class ReportEmailListenerTests {

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
		worker = Workers.start(database, broker, SMTP_PORT, Map.of());
		jdbc = worker.getBean(JdbcClient.class);
	}

	@AfterAll
	static void stopWorker() throws Exception {
		Workers.stop(worker, broker, database);
	}

	@Test
	void eachOutcomeIsMailedOnceAndOtherEventsNotAtAll() throws Exception {
		UUID succeeded = report();
		UUID cancelled = report();

		publish(event(succeeded, ReportEvent.Type.RUNNING, 0, null));
		publish(event(succeeded, ReportEvent.Type.PROGRESS, 50, null));
		publish(event(succeeded, ReportEvent.Type.SUCCEEDED, 100, 2048L));
		publish(event(succeeded, ReportEvent.Type.SUCCEEDED, 100, 2048L));
		publish(event(cancelled, ReportEvent.Type.CANCELLED, 0, null));

		// The cancellation comes last, so once it is mailed every event before it was
		// read.
		assertThat(greenMail.waitForIncomingEmail(10_000, 2)).isTrue();
		// The outbox sends both as soon as they are due, in either order.
		MimeMessage[] mails = greenMail.getReceivedMessages();
		assertThat(mails).extracting(MimeMessage::getSubject)
			.containsExactlyInAnyOrder("Your report is ready: Sales summary",
					"Your report was cancelled: Sales summary");
		MimeMessage ready = mails[0].getSubject().contains("ready") ? mails[0] : mails[1];
		assertThat(GreenMailUtil.getBody(ready)).contains("http://localhost:8080/api/reports/" + succeeded + "/file",
				"2.0 KB (2048 bytes)");
		assertSignedLinkValidForSevenDays(GreenMailUtil.getBody(ready), succeeded);
		// The record commits just after the SMTP server has the mail.
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(
					() -> assertThat(jdbc.sql("SELECT outcome FROM sent_emails WHERE status = 'SENT' ORDER BY sent_at")
						.query(String.class)
						.list()).containsExactlyInAnyOrder("SUCCEEDED", "CANCELLED"));
		assertThat(broker.messageCount(worker.getBean(Topology.class).emailDeadLetterQueue())).isZero();
	}

	/**
	 * The link carries an expiry seven days ahead and the signature api-service checks
	 * (with the secret both services share; here the local default).
	 */
	private static void assertSignedLinkValidForSevenDays(String body, UUID reportId) {
		Matcher link = Pattern.compile("/api/reports/" + reportId + "/file\\?expires=(\\d+)&signature=([A-Za-z0-9_-]+)")
			.matcher(body.replace("=\r\n", "").replace("=3D", "="));
		assertThat(link.find()).as(body).isTrue();
		long expires = Long.parseLong(link.group(1));
		assertThat(Instant.ofEpochSecond(expires)).isBetween(Instant.now().plus(Duration.ofDays(7)).minusSeconds(60),
				Instant.now().plus(Duration.ofDays(7)));
		DownloadLinkSignature signature = new DownloadLinkSignature("local-development-only-download-link-secret");
		assertThat(signature.matches(reportId, OWNER.userId(), expires, link.group(2))).isTrue();
		assertThat(signature.matches(reportId, "someone-else", expires, link.group(2))).isFalse();
	}

	@Test
	void anUnreadableEventIsDeadLetteredAloneAndTheEventsAroundItAreMailed() throws Exception {
		UUID before = report();
		UUID after = report();
		greenMail.purgeEmailFromAllMailboxes();
		Topology topology = worker.getBean(Topology.class);
		RabbitTemplate rabbit = worker.getBean(RabbitTemplate.class);

		publish(event(before, ReportEvent.Type.SUCCEEDED, 100, 10L));
		MessageProperties properties = new MessageProperties();
		properties.setContentType(MessageProperties.CONTENT_TYPE_TEXT_PLAIN);
		rabbit.send(topology.eventsExchange(), "",
				new Message("not an event".getBytes(StandardCharsets.UTF_8), properties));
		// A content type that is no MIME type fails before the body is read.
		MessageProperties noMimeType = new MessageProperties();
		noMimeType.setContentType("json");
		noMimeType.setHeader(Messages.SCHEMA_VERSION_HEADER, Messages.SCHEMA_VERSION);
		rabbit.send(topology.eventsExchange(), "",
				new Message("{\"no mime type\": true}".getBytes(StandardCharsets.UTF_8), noMimeType));
		publish(event(after, ReportEvent.Type.SUCCEEDED, 100, 10L));

		assertThat(greenMail.waitForIncomingEmail(10_000, 2)).isTrue();
		assertThat(greenMail.getReceivedMessages()).extracting(GreenMailUtil::getBody)
			.anySatisfy((body) -> assertThat(body).contains(before.toString()))
			.anySatisfy((body) -> assertThat(body).contains(after.toString()));
		List<String> deadLetters = new ArrayList<>();
		for (int i = 0; i < 2; i++) {
			Message deadLetter = rabbit.receive(topology.emailDeadLetterQueue(), 10_000);
			assertThat(deadLetter).isNotNull();
			deadLetters.add(new String(deadLetter.getBody(), StandardCharsets.UTF_8));
		}
		assertThat(deadLetters).containsExactlyInAnyOrder("not an event", "{\"no mime type\": true}");
		assertThat(broker.messageCount(topology.emailDeadLetterQueue())).isZero();
	}

	@Test
	void lineBreaksNeverReachAMailHeader() {
		assertThat(ReportMailer.headerSafe("Report\r\nBcc: someone@example.com"))
			.isEqualTo("Report Bcc: someone@example.com");
		assertThat(ReportMailer.headerSafe("ada@example.com\n")).isEqualTo("ada@example.com");
	}

	@Test
	void sizesAreHumanReadable() {
		assertThat(Arrays.asList(ReportMailer.size(512L), ReportMailer.size(1536L), ReportMailer.size(3_145_728L),
				ReportMailer.size(null)))
			.containsExactly("512 bytes", "1.5 KB (1536 bytes)", "3.0 MB (3145728 bytes)", "unknown");
	}

	@Test
	void anOwnerWithoutAVerifiedAddressGetsNoEmailAndTheNextOwnerStillDoes() throws Exception {
		Owner withoutEmail = new Owner("jwt:user-2", null);
		UUID unmailed = report(withoutEmail);
		UUID mailed = report();
		greenMail.purgeEmailFromAllMailboxes();

		publish(new ReportEvent(unmailed, ReportEvent.Type.SUCCEEDED, 100, Instant.now(), withoutEmail, "SALES_SUMMARY",
				ReportFormat.CSV, 10L, null));
		publish(event(mailed, ReportEvent.Type.SUCCEEDED, 100, 10L));

		assertThat(greenMail.waitForIncomingEmail(10_000, 1)).isTrue();
		assertThat(greenMail.getReceivedMessages()).singleElement()
			.satisfies((mail) -> assertThat(GreenMailUtil.getBody(mail)).contains(mailed.toString()));
		assertThat(jdbc.sql("SELECT count(*) FROM sent_emails WHERE report_id = :id")
			.param("id", unmailed)
			.query(Long.class)
			.single()).isZero();
		assertThat(broker.messageCount(worker.getBean(Topology.class).emailDeadLetterQueue())).isZero();
	}

	private static UUID report() {
		return report(OWNER);
	}

	private static UUID report(Owner owner) {
		ReportTask task = new ReportTask(UUID.randomUUID(), "SALES_SUMMARY",
				Map.of("from", "2024-01-01", "to", "2024-12-31"), owner, Instant.now(), ReportFormat.CSV);
		Workers.insertQueuedReport(jdbc, task);
		return task.reportId();
	}

	private static ReportEvent event(UUID reportId, ReportEvent.Type type, int progress, Long fileSize) {
		return new ReportEvent(reportId, type, progress, Instant.now(), OWNER, "SALES_SUMMARY", ReportFormat.CSV,
				fileSize, null);
	}

	private static void publish(ReportEvent event) {
		worker.getBean(RabbitTemplate.class).convertAndSend(worker.getBean(Topology.class).eventsExchange(), "", event);
	}

}
