package dev.offload.api.batch;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import tools.jackson.databind.JsonNode;

import dev.offload.model.Messages;
import dev.offload.model.Topology;
import dev.offload.testsupport.AfterTheContext;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.amqp.rabbit.core.RabbitAdmin;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.client.RestTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Batches against the real PostgreSQL and RabbitMQ, with no worker: what a batch request
 * leaves in the database and on the queues. Reports of a batch are created in chunks in
 * the background and travel in the bulk lane; the relay keeps at most
 * {@code max-in-flight} of each batch on the queue, so a small batch is published beside
 * a large one rather than after it; the batch completes, once, when its last report has
 * finished.
 */
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "offload.api.batches.chunk-size=200", "offload.api.batches.max-in-flight=40",
				"offload.api.batches.max-reports=3000", "offload.api.batches.interval=200ms",
				"offload.api.limits.max-unfinished-per-user=3", "offload.api.relay.interval=200ms",
				"offload.api.reconciliation.enabled=false",
				// Deliveries are recorded, never sent: the endpoint below is not on this
				// machine.
				"offload.api.webhooks.enabled=false" })
@AutoConfigureRestTestClient
class BatchApiTests {

	private static final TestDatabase database = TestDatabase.create();

	private static final TestBroker broker = TestBroker.create();

	private static final Duration TIMEOUT = Duration.ofSeconds(30);

	private static final int CUSTOMERS = 1500;

	@Autowired
	private RestTestClient client;

	@Autowired
	private JdbcClient jdbc;

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
	void freshData() {
		this.rabbitAdmin.initialize();
		this.rabbitAdmin.purgeQueue(this.topology.generateQueue(), false);
		this.rabbitAdmin.purgeQueue(this.topology.bulkQueue(), false);
		this.jdbc
			.sql("UPDATE report_batches SET state = 'CANCELLED' WHERE state IN ('SELECTING', 'CREATING', 'RUNNING')")
			.update();
		this.jdbc.sql("DELETE FROM reports").update();
		this.jdbc.sql("DELETE FROM sales.order_lines").update();
		this.jdbc.sql("DELETE FROM sales.orders").update();
		this.jdbc.sql("DELETE FROM sales.customers").update();
		this.jdbc.sql("INSERT INTO sales.regions (id, name) VALUES (1, 'Central Europe') ON CONFLICT DO NOTHING")
			.update();
		this.jdbc.sql("""
				INSERT INTO sales.customers (id, name, region_id)
				SELECT n, 'Customer ' || n, 1 FROM generate_series(1, :n) AS n""").param("n", CUSTOMERS).update();
	}

	@Test
	void aListBatchIsAcceptedAtOnceAndItsReportsAreCreatedInChunksInTheBulkLane() {
		JsonNode accepted = createBatch("alice", "alice-secret", statementsFor(1, 1200), null);
		UUID id = UUID.fromString(accepted.get("id").asString());
		assertThat(accepted.get("total").asInt()).isEqualTo(1200);
		assertThat(accepted.get("state").asString()).isIn("CREATING", "RUNNING");

		await().atMost(TIMEOUT)
			.untilAsserted(() -> assertThat(batch("alice", id).get("state").asString()).isEqualTo("RUNNING"));
		JsonNode running = batch("alice", id);
		assertThat(running.get("created").asInt()).isEqualTo(1200);
		assertThat(running.get("counts").get("QUEUED").asLong()).isEqualTo(1200);
		assertThat(this.jdbc.sql("""
				SELECT count(DISTINCT batch_item) FROM reports
				WHERE batch_id = :id AND priority = 'BULK' AND type = 'CUSTOMER_STATEMENT'
				  AND parameters->>'from' = '2026-11-01' AND parameters->>'to' = '2026-11-30'""")
			.param("id", id)
			.query(Long.class)
			.single()).isEqualTo(1200);
		// Admitted as a unit: the user's limit of 3 unfinished reports counts only the
		// reports the user asked for one by one.
		for (int i = 0; i < 3; i++) {
			requestReport("alice", "alice-secret").expectStatus().isAccepted();
		}
		requestReport("alice", "alice-secret").expectStatus().isEqualTo(429);
	}

	@Test
	void theRelayKeepsAtMostMaxInFlightOfABatchOnTheQueueAndASmallBatchIsNotStuckBehindALargeOne() {
		UUID large = UUID
			.fromString(createBatch("alice", "alice-secret", statementsFor(1, 1000), null).get("id").asString());
		await().atMost(TIMEOUT).untilAsserted(() -> assertThat(published(large)).isEqualTo(40));
		UUID small = UUID
			.fromString(createBatch("bob", "bob-secret", statementsFor(1001, 10), null).get("id").asString());
		await().atMost(TIMEOUT).untilAsserted(() -> assertThat(published(small)).isEqualTo(10));
		// An interactive report goes to its own queue, ahead of every bulk task.
		requestReport("bob", "bob-secret").expectStatus().isAccepted();
		await().atMost(TIMEOUT).untilAsserted(() -> assertThat(readyIn(this.topology.generateQueue())).isEqualTo(1));
		assertThat(readyIn(this.topology.bulkQueue())).isEqualTo(50);
		assertThat(published(large)).isEqualTo(40);

		// As the large batch's reports finish, the relay publishes the next ones.
		finish(large, 25, "SUCCEEDED");
		await().atMost(TIMEOUT).untilAsserted(() -> assertThat(published(large)).isEqualTo(65));
		assertThat(this.jdbc.sql("""
				SELECT max(batch_item) FROM reports WHERE batch_id = :id AND task_published_at IS NOT NULL""")
			.param("id", large)
			.query(Integer.class)
			.single()).isEqualTo(65);
	}

	@Test
	void aBatchCompletesOnceWhenItsLastReportHasFinishedWithItsCountsAndProgress() {
		this.jdbc.sql("""
				INSERT INTO webhook_endpoints (id, owner_id, url, events, secret)
				VALUES (:id, 'alice', 'https://hooks.example.com/offload', ARRAY['batch.completed'],
				        'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')""").param("id", UUID.randomUUID()).update();
		UUID id = UUID
			.fromString(createBatch("alice", "alice-secret", statementsFor(1, 30), null).get("id").asString());
		await().atMost(TIMEOUT).untilAsserted(() -> assertThat(published(id)).isEqualTo(30));
		finish(id, 28, "SUCCEEDED");
		this.jdbc.sql("""
				UPDATE reports SET status = 'FAILED', error = 'Report data unavailable', finished_at = now()
				WHERE batch_id = :id AND status = 'QUEUED' AND batch_item = 29""").param("id", id).update();
		JsonNode partly = batch("alice", id);
		assertThat(partly.get("state").asString()).isEqualTo("RUNNING");
		assertThat(partly.get("progress").asInt()).isEqualTo(96);

		finish(id, 1, "SUCCEEDED");
		await().atMost(TIMEOUT)
			.untilAsserted(() -> assertThat(batch("alice", id).get("state").asString()).isEqualTo("COMPLETED"));
		JsonNode done = batch("alice", id);
		assertThat(done.get("progress").asInt()).isEqualTo(100);
		assertThat(done.get("counts").get("SUCCEEDED").asLong()).isEqualTo(29);
		assertThat(done.get("counts").get("FAILED").asLong()).isEqualTo(1);
		assertThat(done.get("completedAt").isNull()).isFalse();
		// Its batch.completed webhook event, recorded once with the completion.
		List<String> events = this.jdbc
			.sql("SELECT body FROM webhook_events WHERE owner_id = 'alice' AND type = 'batch.completed'")
			.query(String.class)
			.list();
		assertThat(events).singleElement()
			.satisfies((
					body) -> assertThat(Messages.json().readTree(body).get("data").get("counts").get("FAILED").asLong())
						.isEqualTo(1));
		assertThat(events.get(0)).contains(id.toString());

		JsonNode page = get("alice", "/api/batches/" + id + "/reports?after=27&limit=2");
		assertThat(page).hasSize(2);
		assertThat(page.get(0).get("item").asInt()).isEqualTo(28);
		assertThat(page.get(1).get("status").asString()).isEqualTo("FAILED");
		assertThat(page.get(0).get("links").get("file").asString()).endsWith("/file");
	}

	@Test
	void anItemWhoseParametersAreRefusedBecomesAFailedReportSayingWhy() {
		List<Map<String, String>> items = List.of(Map.of("customerId", "1"), Map.of("customerId", "999999"),
				Map.of("customerId", "not-a-number"));
		UUID id = UUID.fromString(createBatch("alice", "alice-secret", items, null).get("id").asString());
		await().atMost(TIMEOUT)
			.untilAsserted(() -> assertThat(batch("alice", id).get("state").asString()).isEqualTo("RUNNING"));
		JsonNode reports = get("alice", "/api/batches/" + id + "/reports");
		assertThat(reports.get(0).get("status").asString()).isEqualTo("QUEUED");
		assertThat(reports.get(1).get("status").asString()).isEqualTo("FAILED");
		assertThat(reports.get(1).get("error").asString()).startsWith("Invalid parameters: parameters.customerId");
		assertThat(reports.get(2).get("status").asString()).isEqualTo("FAILED");
		// Refused reports are never published.
		await().atMost(TIMEOUT).untilAsserted(() -> assertThat(published(id)).isEqualTo(1));
	}

	@Test
	void aSelectorBatchMakesOneReportPerCustomerWithOrdersInThePeriod() {
		this.jdbc.sql("""
				INSERT INTO sales.orders (id, customer_id, ordered_on) VALUES
				  (1, 7, DATE '2026-11-03'), (2, 7, DATE '2026-11-20'), (3, 3, DATE '2026-11-30'),
				  (4, 12, DATE '2026-11-01'), (5, 5, DATE '2026-10-31'), (6, 9, DATE '2026-12-01')""").update();
		JsonNode accepted = createBatch("alice", "alice-secret", null, "customersWithOrders");
		UUID id = UUID.fromString(accepted.get("id").asString());
		assertThat(accepted.get("state").asString()).isEqualTo("SELECTING");
		await().atMost(TIMEOUT)
			.untilAsserted(() -> assertThat(batch("alice", id).get("state").asString()).isEqualTo("RUNNING"));
		assertThat(batch("alice", id).get("total").asInt()).isEqualTo(3);
		JsonNode reports = get("alice", "/api/batches/" + id + "/reports");
		assertThat(reports).extracting((report) -> report.get("parameters").get("customerId").asString())
			.containsExactly("3", "7", "12");
	}

	@Test
	void badBatchRequestsAre400sNamingTheFieldAndStoreNothing() {
		badRequest(
				"""
						{"type": "CUSTOMER_STATEMENT", "format": "PDF", "parameters": {"from": "2026-11-01", "to": "2026-11-30"},
						 "items": [{"customerId": "1"}], "selector": "customersWithOrders"}""",
				"items");
		badRequest(
				"""
						{"type": "CUSTOMER_STATEMENT", "format": "PDF", "parameters": {"from": "2026-11-01", "to": "2026-11-30"},
						 "selector": "everyone"}""",
				"selector");
		badRequest(
				"""
						{"type": "CUSTOMER_STATEMENT", "format": "PDF", "parameters": {"from": "2026-11-01", "to": "2026-11-30"},
						 "items": [{"customerId": "1", "colour": "red"}]}""",
				"items[0].colour");
		badRequest(
				"""
						{"type": "CUSTOMER_STATEMENT", "format": "PDF", "parameters": {"from": "2026-11-31", "to": "2026-11-30"},
						 "items": [{"customerId": "1"}]}""",
				"parameters.from");
		badRequest(
				"""
						{"type": "CUSTOMER_STATEMENT", "format": "DOCX", "parameters": {"from": "2026-11-01", "to": "2026-11-30"},
						 "items": [{"customerId": "1"}]}""",
				"format");
		badRequest("""
				{"type": "NO_SUCH_TYPE", "format": "PDF", "items": [{}]}""", "type");
		String tooMany = statementsFor(1, 3001).stream()
			.map((item) -> "{\"customerId\": \"" + item.get("customerId") + "\"}")
			.collect(Collectors.joining(","));
		badRequest(
				"""
						{"type": "CUSTOMER_STATEMENT", "format": "PDF", "parameters": {"from": "2026-11-01", "to": "2026-11-30"},
						 "items": [%s]}"""
					.formatted(tooMany),
				"items");
		assertThat(this.jdbc.sql("SELECT count(*) FROM report_batches WHERE state <> 'CANCELLED'")
			.query(Long.class)
			.single()).isZero();
	}

	@Test
	void anotherUsersBatchIsNotFoundAndCancellingStopsItsQueuedReports() {
		UUID id = UUID
			.fromString(createBatch("alice", "alice-secret", statementsFor(1, 100), null).get("id").asString());
		this.client.get()
			.uri("/api/batches/" + id)
			.headers((headers) -> headers.setBasicAuth("bob", "bob-secret"))
			.exchange()
			.expectStatus()
			.isNotFound();
		this.client.delete()
			.uri("/api/batches/" + id)
			.headers((headers) -> headers.setBasicAuth("bob", "bob-secret"))
			.exchange()
			.expectStatus()
			.isNotFound();
		await().atMost(TIMEOUT)
			.untilAsserted(() -> assertThat(batch("alice", id).get("state").asString()).isEqualTo("RUNNING"));
		this.client.delete()
			.uri("/api/batches/" + id)
			.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
			.exchange()
			.expectStatus()
			.isOk();
		JsonNode cancelled = batch("alice", id);
		assertThat(cancelled.get("state").asString()).isEqualTo("CANCELLED");
		assertThat(cancelled.get("counts").get("CANCELLED").asLong()).isEqualTo(100);
	}

	@Test
	void aRetriedBatchRequestWithTheSameIdempotencyKeyCreatesNothingNew() {
		String key = "month-end-" + UUID.randomUUID();
		JsonNode first = createBatch("alice", "alice-secret", statementsFor(1, 5), null, key);
		JsonNode again = createBatch("alice", "alice-secret", statementsFor(1, 5), null, key);
		assertThat(again.get("id").asString()).isEqualTo(first.get("id").asString());
		assertThat(this.jdbc.sql("SELECT count(*) FROM report_batches WHERE idempotency_key = :key")
			.param("key", key)
			.query(Long.class)
			.single()).isEqualTo(1);
	}

	private static List<Map<String, String>> statementsFor(int firstCustomer, int count) {
		return IntStream.range(firstCustomer, firstCustomer + count)
			.mapToObj((customer) -> Map.of("customerId", Integer.toString(customer)))
			.toList();
	}

	private JsonNode createBatch(String user, String password, List<Map<String, String>> items, String selector) {
		return createBatch(user, password, items, selector, null);
	}

	private JsonNode createBatch(String user, String password, List<Map<String, String>> items, String selector,
			String idempotencyKey) {
		Map<String, Object> body = new java.util.LinkedHashMap<>();
		body.put("type", "CUSTOMER_STATEMENT");
		body.put("format", "PDF");
		body.put("parameters", Map.of("from", "2026-11-01", "to", "2026-11-30"));
		if (items != null) {
			body.put("items", items);
		}
		if (selector != null) {
			body.put("selector", selector);
		}
		byte[] response = this.client.post().uri("/api/batches").headers((headers) -> {
			headers.setBasicAuth(user, password);
			if (idempotencyKey != null) {
				headers.set("Idempotency-Key", idempotencyKey);
			}
		})
			.contentType(MediaType.APPLICATION_JSON)
			.body(Messages.json().writeValueAsString(body))
			.exchange()
			.expectStatus()
			.isAccepted()
			.expectBody()
			.returnResult()
			.getResponseBodyContent();
		return Messages.json().readTree(response);
	}

	private void badRequest(String body, String field) {
		byte[] response = this.client.post()
			.uri("/api/batches")
			.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
			.contentType(MediaType.APPLICATION_JSON)
			.body(body)
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.returnResult()
			.getResponseBodyContent();
		JsonNode problem = Messages.json().readTree(response);
		assertThat(problem.toString()).as(body).contains("\"" + field + "\"");
	}

	private RestTestClient.ResponseSpec requestReport(String user, String password) {
		return this.client.post()
			.uri("/api/reports")
			.headers((headers) -> headers.setBasicAuth(user, password))
			.contentType(MediaType.APPLICATION_JSON)
			.body("""
					{"type": "NO_OP", "format": "CSV"}""")
			.exchange();
	}

	private JsonNode batch(String user, UUID id) {
		return get(user, "/api/batches/" + id);
	}

	private JsonNode get(String user, String uri) {
		byte[] response = this.client.get()
			.uri(uri)
			.headers((headers) -> headers.setBasicAuth(user, user + "-secret"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.returnResult()
			.getResponseBodyContent();
		return Messages.json().readTree(response);
	}

	private long published(UUID batchId) {
		return this.jdbc.sql("SELECT count(*) FROM reports WHERE batch_id = :id AND task_published_at IS NOT NULL")
			.param("id", batchId)
			.query(Long.class)
			.single();
	}

	private void finish(UUID batchId, int count, String status) {
		this.jdbc.sql("""
				UPDATE reports SET status = :status, finished_at = now()
				WHERE id IN (SELECT id FROM reports WHERE batch_id = :id AND status = 'QUEUED'
				                AND task_published_at IS NOT NULL ORDER BY batch_item LIMIT :count)""")
			.param("status", status)
			.param("id", batchId)
			.param("count", count)
			.update();
	}

	private long readyIn(String queue) {
		return this.rabbitAdmin.getQueueInfo(queue).getMessageCount();
	}

}
