package dev.offload.api.report;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import dev.offload.model.Messages;
import dev.offload.model.ReportEvent;
import dev.offload.model.Topology;
import dev.offload.testsupport.AfterTheContext;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.amqp.core.Message;
import org.springframework.amqp.rabbit.core.RabbitAdmin;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.client.RestTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Back-pressure and cancellation against a real PostgreSQL: a user with too many
 * unfinished reports gets 429, a full backlog gets 503, both with Retry-After and nothing
 * written; an owner cancels a report that has not finished, and only that.
 */
// Its database and topology are gone after this class: stop the relay with them.
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "offload.api.limits.max-unfinished-per-user=2", "offload.api.limits.max-backlog=4",
				"offload.api.limits.retry-after=45s", "offload.api.limits.backlog-cache-ttl=0s" })
@AutoConfigureRestTestClient
class ReportLimitsAndCancellationTests {

	private static final TestDatabase database = TestDatabase.create();

	private static final TestBroker broker = TestBroker.create();

	private static final String NO_OP = "{\"type\":\"NO_OP\",\"format\":\"CSV\"}";

	@Autowired
	private RestTestClient client;

	@Autowired
	private JdbcClient jdbc;

	@Autowired
	private RabbitAdmin rabbitAdmin;

	@Autowired
	private Topology topology;

	@Autowired
	private RabbitTemplate rabbit;

	@DynamicPropertySource
	static void infrastructure(DynamicPropertyRegistry registry) {
		database.springProperties().forEach((name, value) -> registry.add(name, () -> value));
		broker.springProperties().forEach((name, value) -> registry.add(name, () -> value));
	}

	@RegisterExtension
	static final AfterTheContext cleanUp = AfterTheContext.close(broker, database);

	@BeforeEach
	void noReports() {
		this.rabbitAdmin.initialize();
		this.rabbitAdmin.purgeQueue(this.topology.emailQueue(), false);
		this.jdbc.sql("DELETE FROM reports").update();
	}

	@Test
	void userWithTooManyUnfinishedReportsGets429WithRetryAfterAndNothingIsWritten() {
		post("alice", NO_OP, null).expectStatus().isAccepted();
		post("alice", NO_OP, "alice-2").expectStatus().isAccepted();

		post("alice", NO_OP, null).expectStatus()
			.isEqualTo(429)
			.expectHeader()
			.valueEquals(HttpHeaders.RETRY_AFTER, "45")
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.title")
			.isEqualTo("Too many unfinished reports");
		assertThat(reports("alice")).isEqualTo(2);

		// A replay of an accepted request is not new work: it is answered as before.
		post("alice", NO_OP, "alice-2").expectStatus().isAccepted();
		// Another user is not held back by alice's reports.
		post("bob", NO_OP, null).expectStatus().isAccepted();
	}

	@Test
	void fullBacklogGets503WithRetryAfterForEveryone() {
		for (int i = 0; i < 4; i++) {
			insertQueued("someone-" + i);
		}

		post("bob", NO_OP, null).expectStatus()
			.isEqualTo(503)
			.expectHeader()
			.valueEquals(HttpHeaders.RETRY_AFTER, "45")
			.expectBody()
			.jsonPath("$.title")
			.isEqualTo("Report backlog full");
		assertThat(reports("bob")).isZero();
	}

	@Test
	void ownerCancelsAReportThatHasNotFinished() {
		UUID queued = insertQueued("alice");

		this.client.delete()
			.uri("/api/reports/{id}", queued)
			.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo("CANCELLED")
			.jsonPath("$.finishedAt")
			.isNotEmpty();
		assertThat(status(queued)).isEqualTo("CANCELLED");
		// Announced like any outcome: live pages and the email sender hear of it.
		await().atMost(Duration.ofSeconds(10)).until(() -> broker.messageCount(this.topology.emailQueue()) == 1);
		Message announced = this.rabbit.receive(this.topology.emailQueue(), 5000);
		ReportEvent event = Messages.json().readValue(announced.getBody(), ReportEvent.class);
		assertThat(event.type()).isEqualTo(ReportEvent.Type.CANCELLED);
		assertThat(event.reportId()).isEqualTo(queued);
		assertThat(event.owner().email()).isEqualTo("alice@example.com");
	}

	@Test
	void finishedReportCannotBeCancelledAndOthersReportsAreNotFound() {
		UUID succeeded = insertQueued("alice");
		this.jdbc.sql("UPDATE reports SET status = 'SUCCEEDED', finished_at = now() WHERE id = :id")
			.param("id", succeeded)
			.update();

		this.client.delete()
			.uri("/api/reports/{id}", succeeded)
			.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
			.exchange()
			.expectStatus()
			.isEqualTo(409)
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo("SUCCEEDED");

		UUID alices = insertQueued("alice");
		this.client.delete()
			.uri("/api/reports/{id}", alices)
			.headers((headers) -> headers.setBasicAuth("bob", "bob-secret"))
			.exchange()
			.expectStatus()
			.isNotFound();
		assertThat(status(succeeded)).isEqualTo("SUCCEEDED");
		assertThat(status(alices)).isEqualTo("QUEUED");
	}

	private RestTestClient.ResponseSpec post(String user, String body, String idempotencyKey) {
		return this.client.post().uri("/api/reports").headers((headers) -> {
			headers.setBasicAuth(user, user + "-secret");
			if (idempotencyKey != null) {
				headers.set("Idempotency-Key", idempotencyKey);
			}
		}).contentType(MediaType.APPLICATION_JSON).body(body).exchange();
	}

	private UUID insertQueued(String owner) {
		UUID id = UUID.randomUUID();
		// Published already, so the relay leaves these rows alone.
		this.jdbc.sql("""
				INSERT INTO reports (id, owner_id, owner_email, type, format, status, task_published_at, created_at)
				VALUES (:id, :owner, :email, 'NO_OP', 'CSV', 'QUEUED', now(), :createdAt)""")
			.param("id", id)
			.param("owner", owner)
			.param("email", owner + "@example.com")
			.param("createdAt", java.sql.Timestamp.from(Instant.now()))
			.update();
		return id;
	}

	private long reports(String owner) {
		return this.jdbc.sql("SELECT count(*) FROM reports WHERE owner_id = :owner")
			.param("owner", owner)
			.query(Long.class)
			.single();
	}

	private String status(UUID id) {
		return this.jdbc.sql("SELECT status FROM reports WHERE id = :id").param("id", id).query(String.class).single();
	}

}
