package dev.offload.api.admin;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import dev.offload.model.Messages;
import dev.offload.model.Owner;
import dev.offload.model.ReportEvent;
import dev.offload.model.ReportFormat;
import dev.offload.model.ReportTask;
import dev.offload.model.TaskHeaders;
import dev.offload.model.Topology;
import dev.offload.testsupport.AfterTheContext;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.core.RabbitAdmin;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.client.RestTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Listing and replaying the tasks parked in the dead letter queue, against the real
 * broker and database: only an admin may; listing leaves the queue as it was; a replay
 * queues the report again (the relay publishes it), drops tasks of reports that finished
 * otherwise, and keeps what cannot be read.
 */
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureRestTestClient
class DeadLetterAdminTests {

	private static final TestDatabase database = TestDatabase.create();

	private static final TestBroker broker = TestBroker.create();

	@Autowired
	private RestTestClient client;

	@Autowired
	private JdbcClient jdbc;

	@Autowired
	private RabbitAdmin rabbitAdmin;

	@Autowired
	private RabbitTemplate rabbit;

	@Autowired
	private Topology topology;

	@DynamicPropertySource
	static void infrastructure(DynamicPropertyRegistry registry) {
		database.springProperties().forEach((name, value) -> registry.add(name, () -> value));
		broker.springProperties().forEach((name, value) -> registry.add(name, () -> value));
	}

	@RegisterExtension
	static final AfterTheContext cleanUp = AfterTheContext.close(broker, database);

	@BeforeEach
	void emptyQueuesAndReports() {
		this.rabbitAdmin.initialize();
		this.rabbitAdmin.purgeQueue(this.topology.generateDeadLetterQueue(), false);
		this.rabbitAdmin.purgeQueue(this.topology.generateQueue(), false);
		this.rabbitAdmin.purgeQueue(this.topology.emailDeadLetterQueue(), false);
		this.rabbitAdmin.purgeQueue(this.topology.emailQueue(), false);
		this.jdbc.sql("DELETE FROM reports").update();
	}

	@Test
	void onlyAnAdminMayListOrReplay() {
		this.client.get()
			.uri("/api/admin/dead-letters")
			.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
			.exchange()
			.expectStatus()
			.isForbidden();
		this.client.post()
			.uri("/api/admin/dead-letters/replay")
			.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
			.exchange()
			.expectStatus()
			.isForbidden();
		this.client.get().uri("/api/admin/dead-letters").exchange().expectStatus().isUnauthorized();
	}

	@Test
	void adminsApiKeyMayListWhileAnotherUsersKeyIsForbidden() {
		this.client.get()
			.uri("/api/admin/dead-letters")
			.header("X-API-Key", "admin-local-api-key-0123456789")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.depth")
			.isEqualTo(0);
		this.client.get()
			.uri("/api/admin/dead-letters")
			.header("X-API-Key", "alice-local-api-key-0123456789")
			.exchange()
			.expectStatus()
			.isForbidden()
			.expectHeader()
			.contentTypeCompatibleWith("application/problem+json");
		this.client.post()
			.uri("/api/admin/dead-letters/replay")
			.header("X-API-Key", "alice-local-api-key-0123456789")
			.exchange()
			.expectStatus()
			.isForbidden();
	}

	@Test
	void listingShowsWhyEachTaskWasParkedAndLeavesThemInTheQueue() {
		UUID failed = insertReport("FAILED");
		park(failed, 5, "CannotGetJdbcConnectionException: Connection refused");
		// The template may publish on another channel each time: wait, so the order
		// holds.
		awaitParked(1);
		parkUnreadable();
		awaitParked(2);

		asAdmin(this.client.get().uri("/api/admin/dead-letters")).exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.depth")
			.isEqualTo(2)
			.jsonPath("$.tasks.length()")
			.isEqualTo(2)
			.jsonPath("$.tasks[0].reportId")
			.isEqualTo(failed.toString())
			.jsonPath("$.tasks[0].attempts")
			.isEqualTo(5)
			.jsonPath("$.tasks[0].reason")
			.isEqualTo("CannotGetJdbcConnectionException: Connection refused")
			.jsonPath("$.tasks[0].readable")
			.isEqualTo(true)
			.jsonPath("$.tasks[1].readable")
			.isEqualTo(false);

		await().atMost(Duration.ofSeconds(5))
			.until(() -> broker.messageCount(this.topology.generateDeadLetterQueue()) == 2);
	}

	@Test
	void listingAgainAndAgainNeverUsesUpAParkedTask() {
		// Each listing returns the task to the queue; RabbitMQ 4.0 to 4.2 count that as a
		// delivery and drop a message past the delivery limit (20 by default).
		UUID failed = insertReport("FAILED");
		park(failed, 5, "boom");
		awaitParked(1);

		for (int i = 0; i < 25; i++) {
			asAdmin(this.client.get().uri("/api/admin/dead-letters")).exchange()
				.expectStatus()
				.isOk()
				.expectBody()
				.jsonPath("$.tasks[0].reportId")
				.isEqualTo(failed.toString());
		}
		await().atMost(Duration.ofSeconds(5))
			.until(() -> broker.messageCount(this.topology.generateDeadLetterQueue()) == 1);
	}

	@Test
	void replayQueuesFailedReportsAgainDropsFinishedOnesAndKeepsUnreadableOnes() {
		UUID failed = insertReport("FAILED");
		UUID succeeded = insertReport("SUCCEEDED");
		this.jdbc.sql(
				"INSERT INTO sent_emails (report_id, outcome, recipient, status) VALUES (:id, 'FAILED', 'a@b', 'SENT')")
			.param("id", failed)
			.update();
		park(failed, 5, "boom");
		park(succeeded, 5, "boom");
		parkUnreadable();
		awaitParked(3);

		asAdmin(this.client.post().uri("/api/admin/dead-letters/replay")).exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.replayed[0]")
			.isEqualTo(failed.toString())
			.jsonPath("$.replayed.length()")
			.isEqualTo(1)
			.jsonPath("$.discarded[0].reportId")
			.isEqualTo(succeeded.toString())
			.jsonPath("$.kept")
			.isEqualTo(1);

		// Queued again and published by the relay; the old FAILED email no longer counts.
		await().atMost(Duration.ofSeconds(10)).until(() -> broker.messageCount(this.topology.generateQueue()) == 1);
		assertThat(this.jdbc.sql("SELECT status FROM reports WHERE id = :id")
			.param("id", failed)
			.query(String.class)
			.single()).isEqualTo("QUEUED");
		assertThat(this.jdbc.sql("SELECT count(*) FROM sent_emails WHERE report_id = :id")
			.param("id", failed)
			.query(Long.class)
			.single()).isZero();
		await().atMost(Duration.ofSeconds(5))
			.until(() -> broker.messageCount(this.topology.generateDeadLetterQueue()) == 1);
	}

	@Test
	void replayOfNamedReportsLeavesTheOthersParked() {
		UUID first = insertReport("FAILED");
		UUID second = insertReport("FAILED");
		park(first, 5, "boom");
		park(second, 5, "boom");
		awaitParked(2);

		asAdmin(this.client.post().uri("/api/admin/dead-letters/replay"))
			.contentType(org.springframework.http.MediaType.APPLICATION_JSON)
			.body(Map.of("reportIds", new UUID[] { second }))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.replayed[0]")
			.isEqualTo(second.toString())
			.jsonPath("$.kept")
			.isEqualTo(1);
		assertThat(this.jdbc.sql("SELECT status FROM reports WHERE id = :id")
			.param("id", first)
			.query(String.class)
			.single()).isEqualTo("FAILED");
	}

	@Test
	void replayQueuesARunningReportWhoseWorkerIsGoneButNotOneBeingBuilt() {
		UUID abandoned = insertReport("RUNNING");
		UUID building = insertReport("RUNNING");
		this.jdbc.sql("UPDATE reports SET lease_until = now() - interval '1 minute' WHERE id = :id")
			.param("id", abandoned)
			.update();
		this.jdbc.sql("UPDATE reports SET lease_until = now() + interval '10 minutes' WHERE id = :id")
			.param("id", building)
			.update();
		park(abandoned, 5, "boom");
		park(building, 5, "boom");
		awaitParked(2);

		asAdmin(this.client.post().uri("/api/admin/dead-letters/replay")).exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.replayed[0]")
			.isEqualTo(abandoned.toString())
			.jsonPath("$.replayed.length()")
			.isEqualTo(1)
			.jsonPath("$.discarded[0].reportId")
			.isEqualTo(building.toString());
		assertThat(this.jdbc.sql("SELECT status FROM reports WHERE id = :id")
			.param("id", abandoned)
			.query(String.class)
			.single()).isEqualTo("QUEUED");
		await().atMost(Duration.ofSeconds(10)).until(() -> broker.messageCount(this.topology.generateQueue()) == 1);
	}

	@Test
	void parkedEmailEventsArePublishedAgainAndUnreadableOnesKept() {
		UUID report = insertReport("SUCCEEDED");
		ReportEvent event = new ReportEvent(report, ReportEvent.Type.SUCCEEDED, 100, Instant.now(),
				new Owner("alice", "alice@example.com"), "NO_OP", ReportFormat.CSV, 10L, null);
		this.rabbit.convertAndSend(this.topology.deadLetterExchange(), this.topology.emailDeadLetterRoutingKey(),
				event);
		MessageProperties properties = new MessageProperties();
		properties.setContentType(MessageProperties.CONTENT_TYPE_JSON);
		this.rabbit.send(this.topology.deadLetterExchange(), this.topology.emailDeadLetterRoutingKey(),
				new Message("not json".getBytes(StandardCharsets.UTF_8), properties));
		await().atMost(Duration.ofSeconds(5))
			.until(() -> broker.messageCount(this.topology.emailDeadLetterQueue()) == 2);

		this.client.post()
			.uri("/api/admin/dead-letters/emails/replay")
			.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
			.exchange()
			.expectStatus()
			.isForbidden();
		asAdmin(this.client.post().uri("/api/admin/dead-letters/emails/replay")).exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.replayed[0]")
			.isEqualTo(report.toString())
			.jsonPath("$.kept")
			.isEqualTo(1);

		// Back on the fanout, so in the email queue (no worker consumes it here).
		await().atMost(Duration.ofSeconds(10)).until(() -> broker.messageCount(this.topology.emailQueue()) == 1);
		Message replayed = this.rabbit.receive(this.topology.emailQueue(), 5000);
		assertThat(replayed).isNotNull();
		assertThat(Messages.json().readValue(replayed.getBody(), ReportEvent.class).reportId()).isEqualTo(report);
		await().atMost(Duration.ofSeconds(5))
			.until(() -> broker.messageCount(this.topology.emailDeadLetterQueue()) == 1);
	}

	@Test
	void limitOutOfRangeIsABadRequest() {
		asAdmin(this.client.get().uri("/api/admin/dead-letters?limit=0")).exchange().expectStatus().isBadRequest();
	}

	private <S extends RestTestClient.RequestHeadersSpec<?>> S asAdmin(S spec) {
		spec.headers((headers) -> headers.setBasicAuth("admin", "admin-secret"));
		return spec;
	}

	private UUID insertReport(String status) {
		UUID id = UUID.randomUUID();
		this.jdbc.sql("""
				INSERT INTO reports (id, owner_id, owner_email, type, format, status, task_published_at, error)
				VALUES (:id, 'alice', 'alice@example.com', 'NO_OP', 'CSV', :status, now(), 'it failed')""")
			.param("id", id)
			.param("status", status)
			.update();
		return id;
	}

	private void park(UUID reportId, int attempts, String reason) {
		ReportTask task = new ReportTask(reportId, "NO_OP", Map.of(), new Owner("alice", "alice@example.com"),
				Instant.now(), ReportFormat.CSV);
		this.rabbit.convertAndSend(this.topology.deadLetterExchange(), this.topology.generateDeadLetterRoutingKey(),
				task, (message) -> {
					message.getMessageProperties().setHeader(TaskHeaders.ATTEMPTS, attempts);
					message.getMessageProperties().setHeader(TaskHeaders.FAILURE_REASON, reason);
					message.getMessageProperties().setHeader(TaskHeaders.FAILED_AT, Instant.now().toString());
					return message;
				});
	}

	/** Publishing is asynchronous: wait until the broker has every parked message. */
	private void awaitParked(long count) {
		await().atMost(Duration.ofSeconds(5))
			.until(() -> broker.messageCount(this.topology.generateDeadLetterQueue()) == count);
	}

	private void parkUnreadable() {
		MessageProperties properties = new MessageProperties();
		properties.setContentType(MessageProperties.CONTENT_TYPE_JSON);
		properties.setHeader(Messages.SCHEMA_VERSION_HEADER, Messages.SCHEMA_VERSION);
		this.rabbit.send(this.topology.deadLetterExchange(), this.topology.generateDeadLetterRoutingKey(),
				new Message("{\"reportId\": ".getBytes(StandardCharsets.UTF_8), properties));
	}

}
