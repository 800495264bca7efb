package dev.offload.api.report;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import dev.offload.model.Messages;
import dev.offload.model.Owner;
import dev.offload.model.ReportFormat;
import dev.offload.model.ReportTask;
import dev.offload.model.Topology;
import dev.offload.testsupport.AfterTheContext;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageDeliveryMode;
import org.springframework.amqp.core.MessageProperties;
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
import org.springframework.test.web.servlet.client.EntityExchangeResult;
import org.springframework.test.web.servlet.client.RestTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The report API against a real PostgreSQL and RabbitMQ: what an accepted request leaves
 * in the database and on the queue, and that a rejected one leaves nothing anywhere.
 */
// Its database and topology are gone after this class: stop the relay with them.
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureRestTestClient
class ReportApiTests {

	private static final TestDatabase database = TestDatabase.create();

	private static final TestBroker broker = TestBroker.create();

	private static final Duration PUBLISH_TIMEOUT = Duration.ofSeconds(15);

	/** The local API keys of {@code application.yaml}. */
	private static final String ALICE_API_KEY = "alice-local-api-key-0123456789";

	private static final String BOB_API_KEY = "bob-local-api-key-0123456789";

	@Autowired
	private RestTestClient client;

	@Autowired
	private JdbcClient jdbc;

	@Autowired
	private RabbitTemplate rabbitTemplate;

	@Autowired
	private RabbitAdmin rabbitAdmin;

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
	void emptyTaskQueue() {
		// Declares the topology now rather than on the first publish, so the queue can be
		// measured before anything was accepted.
		this.rabbitAdmin.initialize();
		this.rabbitAdmin.purgeQueue(this.topology.generateQueue(), false);
	}

	@Test
	void acceptedReportIsStoredQueuedAndItsTaskPublishedWithTheOwnerFromTheCredentials() {
		EntityExchangeResult<byte[]> result = this.client.post()
			.uri("/api/reports")
			.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
			.contentType(MediaType.APPLICATION_JSON)
			.body("""
					{"type": "SALES_SUMMARY", "format": "PDF",
					 "parameters": {"from": "2024-01-01", "to": "2024-06-30"},
					 "owner": {"userId": "bob", "email": "bob@example.com"}}""")
			.exchange()
			.expectStatus()
			.isAccepted()
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo("QUEUED")
			.jsonPath("$.createdAt")
			.value((createdAt) -> assertThat(Instant.parse(createdAt.toString())).isBefore(Instant.now()))
			.returnResult();
		UUID id = UUID.fromString(Messages.json().readTree(result.getResponseBodyContent()).get("id").asString());
		assertThat(result.getResponseHeaders().getLocation()).hasToString("/api/reports/" + id);
		// Sent whole with its length, not chunked.
		assertThat(result.getResponseHeaders().getContentLength()).isEqualTo(result.getResponseBodyContent().length);
		assertThat(this.jdbc.sql("SELECT status, owner_id, owner_email FROM reports WHERE id = :id")
			.param("id", id)
			.query()
			.singleRow()).containsEntry("status", "QUEUED")
			.containsEntry("owner_id", "alice")
			.containsEntry("owner_email", "alice@example.com");

		Message message = this.rabbitTemplate.receive(this.topology.generateQueue(), PUBLISH_TIMEOUT.toMillis());

		assertThat(message).isNotNull();
		MessageProperties properties = message.getMessageProperties();
		assertThat(properties.getMessageId()).isEqualTo(id.toString());
		assertThat(Messages.schemaVersion(properties)).isEqualTo(Messages.SCHEMA_VERSION);
		assertThat(properties.getReceivedDeliveryMode()).isEqualTo(MessageDeliveryMode.PERSISTENT);
		ReportTask task = Messages.json().readValue(message.getBody(), ReportTask.class);
		assertThat(task.reportId()).isEqualTo(id);
		assertThat(task.type()).isEqualTo("SALES_SUMMARY");
		assertThat(task.format()).isEqualTo(ReportFormat.PDF);
		assertThat(task.owner()).isEqualTo(new Owner("alice", "alice@example.com"));
		assertThat(task.parameters()).isEqualTo(Map.of("from", "2024-01-01", "to", "2024-06-30"));
		awaitPublished(id);

		this.client.get()
			.uri("/api/reports/{id}", id)
			.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.id")
			.isEqualTo(id.toString())
			.jsonPath("$.links.self")
			.isEqualTo("/api/reports/" + id)
			.jsonPath("$.links.file")
			.doesNotExist();
	}

	static Stream<Arguments> invalidRequests() {
		return Stream.of(Arguments.of(json("{'type': 'QUARTERLY_FORECAST', 'format': 'CSV'}"), "type"),
				Arguments.of(salesSummary("2024-12-31", "2024-01-01"), "parameters.from"),
				Arguments.of(salesSummary("2010-01-01", "2024-01-01"), "parameters.to"),
				Arguments.of(json("{'type': 'NO_OP', 'format': 'DOCX'}"), "format"),
				Arguments.of(json("{'type': 'NO_OP', 'format': 'CSV'"), "body"), Arguments.of("{}", "type"),
				Arguments.of(json("{'type': 'SALES_SUMMARY', 'format': 'CSV'}"), "parameters.from"));
	}

	/** JSON written with single quotes, to keep the cases readable. */
	private static String json(String singleQuoted) {
		return singleQuoted.replace('\'', '"');
	}

	private static String salesSummary(String from, String to) {
		return json("{'type': 'SALES_SUMMARY', 'format': 'CSV', 'parameters': {'from': '%s', 'to': '%s'}}"
			.formatted(from, to));
	}

	@ParameterizedTest
	@MethodSource("invalidRequests")
	void invalidRequestIsRejectedNamingTheFieldAndNeitherStoredNorQueued(String body, String field) {
		long rowsBefore = reportCount();
		long queuedBefore = broker.messageCount(this.topology.generateQueue());

		this.client.post()
			.uri("/api/reports")
			.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
			.contentType(MediaType.APPLICATION_JSON)
			.body(body)
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.errors[*].field")
			.value((fields) -> assertThat(fields.toString()).contains(field))
			.jsonPath("$.detail")
			.value((detail) -> assertThat(detail.toString()).contains(field));

		assertThat(reportCount()).isEqualTo(rowsBefore);
		assertThat(broker.messageCount(this.topology.generateQueue())).isEqualTo(queuedBefore);
	}

	@Test
	void replayWithTheSameIdempotencyKeyReturnsTheSameReportAndPublishesOnce() {
		String key = UUID.randomUUID().toString();
		String body = """
				{"type": "NO_OP", "format": "CSV"}""";

		UUID first = createReport("alice", "alice-secret", body, key);
		UUID second = createReport("alice", "alice-secret", body, key);

		assertThat(second).isEqualTo(first);
		assertThat(this.jdbc.sql("SELECT count(*) FROM reports WHERE idempotency_key = :key")
			.param("key", key)
			.query(Long.class)
			.single()).isEqualTo(1);
		awaitPublished(first);
		await().atMost(PUBLISH_TIMEOUT)
			.untilAsserted(() -> assertThat(broker.messageCount(this.topology.generateQueue())).isEqualTo(1));
	}

	@Test
	void idempotencyKeyReusedForAnotherRequestIsRefused() {
		String key = UUID.randomUUID().toString();
		createReport("alice", "alice-secret", """
				{"type": "NO_OP", "format": "CSV"}""", key);

		this.client.post()
			.uri("/api/reports")
			.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
			.header("Idempotency-Key", key)
			.contentType(MediaType.APPLICATION_JSON)
			.body("""
					{"type": "NO_OP", "format": "PDF"}""")
			.exchange()
			.expectStatus()
			.isEqualTo(422)
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
	}

	@Test
	void reportOfAnotherUserIsNotFoundAndNotListed() {
		UUID id = createReport("alice", "alice-secret", """
				{"type": "NO_OP", "format": "CSV"}""", null);

		this.client.get()
			.uri("/api/reports/{id}", id)
			.headers((headers) -> headers.setBasicAuth("bob", "bob-secret"))
			.exchange()
			.expectStatus()
			.isNotFound()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
		this.client.get()
			.uri("/api/reports/{id}/file", id)
			.headers((headers) -> headers.setBasicAuth("bob", "bob-secret"))
			.exchange()
			.expectStatus()
			.isNotFound();
		this.client.get()
			.uri("/api/reports?limit=100")
			.headers((headers) -> headers.setBasicAuth("bob", "bob-secret"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.items[?(@.id == '" + id + "')]")
			.isEmpty();
		this.client.get()
			.uri("/api/reports?status=QUEUED&limit=100")
			.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.items[?(@.id == '" + id + "')]")
			.isNotEmpty();
	}

	@Test
	void reportRequestedWithAnApiKeyIsOwnedByItsUserAndHiddenFromOthers() {
		EntityExchangeResult<byte[]> result = this.client.post()
			.uri("/api/reports")
			.header("X-API-Key", ALICE_API_KEY)
			.contentType(MediaType.APPLICATION_JSON)
			.body("""
					{"type": "NO_OP", "format": "CSV"}""")
			.exchange()
			.expectStatus()
			.isAccepted()
			.expectBody()
			.returnResult();
		UUID id = UUID.fromString(Messages.json().readTree(result.getResponseBodyContent()).get("id").asString());
		assertThat(this.jdbc.sql("SELECT owner_id, owner_email FROM reports WHERE id = :id")
			.param("id", id)
			.query()
			.singleRow()).containsEntry("owner_id", "alice").containsEntry("owner_email", "alice@example.com");
		awaitPublished(id);

		this.client.get()
			.uri("/api/reports/{id}", id)
			.header("X-API-Key", ALICE_API_KEY)
			.exchange()
			.expectStatus()
			.isOk();
		// The same user, whichever way they sign in.
		this.client.get()
			.uri("/api/reports/{id}", id)
			.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
			.exchange()
			.expectStatus()
			.isOk();
		this.client.get()
			.uri("/api/reports/{id}", id)
			.header("X-API-Key", BOB_API_KEY)
			.exchange()
			.expectStatus()
			.isNotFound()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
		this.client.get()
			.uri("/api/reports?limit=100")
			.header("X-API-Key", BOB_API_KEY)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.items[?(@.id == '" + id + "')]")
			.isEmpty();
	}

	@Test
	void requestWithAWrongOrOversizedApiKeyIsA401ProblemAndStoresNothing() {
		long rowsBefore = reportCount();

		for (String key : new String[] { "alice-local-api-key-0123456788", ALICE_API_KEY + "x".repeat(600) }) {
			this.client.post()
				.uri("/api/reports")
				.header("X-API-Key", key)
				.contentType(MediaType.APPLICATION_JSON)
				.body("""
						{"type": "NO_OP", "format": "CSV"}""")
				.exchange()
				.expectStatus()
				.isUnauthorized()
				.expectHeader()
				.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
				.expectBody()
				.jsonPath("$.status")
				.isEqualTo(401);
		}

		assertThat(reportCount()).isEqualTo(rowsBefore);
	}

	@Test
	void listIsNewestFirstAndPagedByCursor() {
		UUID older = createReport("bob", "bob-secret", """
				{"type": "NO_OP", "format": "CSV"}""", null);
		UUID newer = createReport("bob", "bob-secret", """
				{"type": "NO_OP", "format": "PDF"}""", null);

		EntityExchangeResult<byte[]> first = this.client.get()
			.uri("/api/reports?limit=1")
			.headers((headers) -> headers.setBasicAuth("bob", "bob-secret"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.items.length()")
			.isEqualTo(1)
			.jsonPath("$.items[0].id")
			.isEqualTo(newer.toString())
			.jsonPath("$.limit")
			.isEqualTo(1)
			.jsonPath("$.nextCursor")
			.exists()
			.jsonPath("$.totalItems")
			.doesNotExist()
			.returnResult();
		String next = Messages.json().readTree(first.getResponseBodyContent()).at("/links/next").asString();
		assertThat(next).startsWith("/api/reports?limit=1&cursor=");
		this.client.get()
			.uri(next)
			.headers((headers) -> headers.setBasicAuth("bob", "bob-secret"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.items[0].id")
			.isEqualTo(older.toString());
	}

	@Test
	void fileOfASucceededReportIsDownloadedByItsOwner() {
		UUID id = UUID.randomUUID();
		byte[] content = "region,revenue\nnorth,100.00\n".getBytes(StandardCharsets.UTF_8);
		this.jdbc
			.sql("""
					INSERT INTO reports (id, owner_id, owner_email, type, format, status, progress, task_published_at,
					                     started_at, finished_at, file_size)
					VALUES (:id, 'alice', 'alice@example.com', 'NO_OP', 'CSV', 'SUCCEEDED', 100, now(), now(), now(), :size)""")
			.param("id", id)
			.param("size", content.length)
			.update();
		this.jdbc.sql("""
				INSERT INTO report_files (report_id, file_name, content_type, content)
				VALUES (:id, 'no-op.csv', 'text/csv', :content)""").param("id", id).param("content", content).update();

		EntityExchangeResult<byte[]> result = this.client.get()
			.uri("/api/reports/{id}/file", id)
			.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.contentType("text/csv")
			.expectBody()
			.returnResult();

		assertThat(result.getResponseBody()).isEqualTo(content);
		assertThat(result.getResponseHeaders().getContentDisposition().isAttachment()).isTrue();
		assertThat(result.getResponseHeaders().getContentDisposition().getFilename()).isEqualTo("no-op.csv");
		this.client.get()
			.uri("/api/reports/{id}", id)
			.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
			.exchange()
			.expectBody()
			.jsonPath("$.links.file")
			.isEqualTo("/api/reports/" + id + "/file");
	}

	@Test
	void fileOfAQueuedReportIsAConflict() {
		UUID id = createReport("alice", "alice-secret", """
				{"type": "NO_OP", "format": "CSV"}""", null);

		this.client.get()
			.uri("/api/reports/{id}/file", id)
			.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
			.exchange()
			.expectStatus()
			.isEqualTo(409)
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo("QUEUED");
	}

	@Test
	void catalogueIsPublicLeavesHiddenTypesOutAndHealthIsUp() {
		this.client.get()
			.uri("/api/report-types")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$[*].name")
			.value((names) -> assertThat(names.toString()).contains("SALES_SUMMARY").doesNotContain("NO_OP"));
		this.client.get().uri("/actuator/health").exchange().expectStatus().isOk();
		this.client.get().uri("/api/reports").exchange().expectStatus().isUnauthorized();
	}

	/**
	 * Creates a report through the API and waits until its task is published, so no test
	 * leaves a publish in flight for the next one.
	 */
	private UUID createReport(String username, String password, String body, String idempotencyKey) {
		EntityExchangeResult<byte[]> result = this.client.post().uri("/api/reports").headers((headers) -> {
			headers.setBasicAuth(username, password);
			if (idempotencyKey != null) {
				headers.set("Idempotency-Key", idempotencyKey);
			}
		})
			.contentType(MediaType.APPLICATION_JSON)
			.body(body)
			.exchange()
			.expectStatus()
			.isAccepted()
			.expectHeader()
			.exists(HttpHeaders.LOCATION)
			.expectBody()
			.returnResult();
		UUID id = UUID.fromString(Messages.json().readTree(result.getResponseBodyContent()).get("id").asString());
		awaitPublished(id);
		return id;
	}

	private void awaitPublished(UUID id) {
		await().atMost(PUBLISH_TIMEOUT)
			.untilAsserted(
					() -> assertThat(this.jdbc.sql("SELECT task_published_at IS NOT NULL FROM reports WHERE id = :id")
						.param("id", id)
						.query(Boolean.class)
						.single()).isTrue());
	}

	private long reportCount() {
		return this.jdbc.sql("SELECT count(*) FROM reports").query(Long.class).single();
	}

}
