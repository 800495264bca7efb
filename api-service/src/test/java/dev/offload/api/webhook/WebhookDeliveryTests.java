package dev.offload.api.webhook;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import dev.offload.api.webhook.TestReceiver.Received;
import dev.offload.model.Messages;
import dev.offload.model.Owner;
import dev.offload.model.ReportEvent;
import dev.offload.model.ReportFormat;
import dev.offload.model.Topology;
import dev.offload.testsupport.AfterTheContext;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageListenerContainer;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.core.AmqpAdmin;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.amqp.rabbit.listener.RabbitListenerEndpointRegistry;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.client.RestTestClient;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

/**
 * Webhooks end to end against the real broker, database and an HTTP receiver on 127.0.0.1
 * (so this class allows http and private addresses): a report event published to the
 * events exchange, as a worker would, is recorded once, signed and delivered with
 * back-off until the receiver takes it; a redelivery sends the same event again; another
 * feature's {@link WebhookEvents#publish} records its own events. The back-off is a few
 * milliseconds here, so the retries take well under a second.
 */
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "offload.api.webhooks.allow-http=true", "offload.api.webhooks.allow-private-addresses=true",
				"offload.api.webhooks.backoff.first-delay=50ms", "offload.api.webhooks.backoff.multiplier=2.0",
				"offload.api.webhooks.backoff.max-delay=200ms", "offload.api.webhooks.sender-interval=50ms",
				"offload.api.webhooks.read-timeout=2s", "offload.api.reconciliation.enabled=false" })
@AutoConfigureRestTestClient
class WebhookDeliveryTests {

	private static final TestDatabase database = TestDatabase.create();

	private static final TestBroker broker = TestBroker.create();

	private static TestReceiver receiver;

	@Autowired
	private RestTestClient client;

	@Autowired
	private RabbitTemplate rabbitTemplate;

	@Autowired
	private Topology topology;

	@Autowired
	private RabbitListenerEndpointRegistry listeners;

	@Autowired
	private AmqpAdmin amqpAdmin;

	@Autowired
	private JdbcClient jdbc;

	@Autowired
	private WebhookEvents webhookEvents;

	@Autowired
	private TransactionTemplate transactions;

	@DynamicPropertySource
	static void infrastructure(DynamicPropertyRegistry registry) {
		database.springProperties().forEach((name, value) -> registry.add(name, () -> value));
		broker.springProperties().forEach((name, value) -> registry.add(name, () -> value));
	}

	@BeforeAll
	static void startReceiver() throws Exception {
		receiver = TestReceiver.start();
	}

	@RegisterExtension
	static final AfterTheContext cleanUp = AfterTheContext.close(() -> receiver.close(), broker, database);

	@Test
	void receiverThatFailsThreeTimesGetsTheEventOnTheFourthWithAValidSignatureAndADuplicateMessageAddsNothing() {
		String path = "/hooks/" + UUID.randomUUID();
		receiver.failNext(path, 3);
		JsonNode endpoint = register("alice", "alice-secret", receiver.url(path), "report.succeeded");
		String secret = endpoint.get("secret").asString();
		UUID reportId = UUID.randomUUID();
		ReportEvent succeeded = event(reportId, ReportEvent.Type.SUCCEEDED, "alice");

		// Published like a worker would, twice: the broker redelivers, a worker announces
		// again.
		publish(succeeded);
		publish(succeeded);

		await().atMost(Duration.ofSeconds(30)).until(() -> receiver.received(path).size() >= 4);
		List<Received> requests = receiver.received(path);
		assertThat(requests).hasSize(4);
		String eventId = requests.get(0).header("webhook-id");
		assertThat(requests).extracting((request) -> request.header("webhook-id")).containsOnly(eventId);
		assertThat(requests).extracting(Received::body).containsOnly(requests.get(0).body());
		Received fourth = requests.get(3);
		assertThat(fourth.method()).isEqualTo("POST");
		assertThat(fourth.header("content-type")).isEqualTo("application/json");
		assertThat(fourth.header("user-agent")).isEqualTo("Offload-Webhooks/1");
		assertThat(Long.parseLong(fourth.header("webhook-timestamp")))
			.isBetween(Instant.now().minusSeconds(60).getEpochSecond(), Instant.now().getEpochSecond());
		assertThat(fourth.header("webhook-signature")).isEqualTo(
				"v1," + hmacSha256(secret, eventId + "." + fourth.header("webhook-timestamp") + "." + fourth.body()));

		JsonNode body = Messages.json().readTree(fourth.body());
		assertThat(body.get("id").asString()).isEqualTo(eventId).startsWith("evt_");
		assertThat(body.get("type").asString()).isEqualTo("report.succeeded");
		assertThat(Instant.parse(body.get("created").asString())).isEqualTo(succeeded.occurredAt());
		assertThat(body.at("/data/id").asString()).isEqualTo(reportId.toString());
		assertThat(body.at("/data/status").asString()).isEqualTo("SUCCEEDED");
		assertThat(body.at("/data/format").asString()).isEqualTo("CSV");
		assertThat(body.at("/data/fileSize").asLong()).isEqualTo(42);
		assertThat(body.at("/data/links/self").asString()).isEqualTo("/api/reports/" + reportId);
		assertThat(body.at("/data/links/file").asString()).isEqualTo("/api/reports/" + reportId + "/file");

		JsonNode log = deliveries("alice", "alice-secret", endpoint);
		assertThat(log).hasSize(1);
		assertThat(log.get(0).get("eventId").asString()).isEqualTo(eventId);
		assertThat(log.get(0).get("eventType").asString()).isEqualTo("report.succeeded");
		assertThat(log.get(0).get("status").asString()).isEqualTo("DELIVERED");
		assertThat(log.get(0).get("attempts").asInt()).isEqualTo(4);
		assertThat(log.get(0).get("lastResponseStatus").asInt()).isEqualTo(200);
		assertThat(log.get(0).has("deliveredAt")).isTrue();
		// The duplicate was consumed and recorded nothing: still one event, one delivery.
		await().during(Duration.ofMillis(1500))
			.atMost(Duration.ofSeconds(10))
			.until(() -> count("SELECT count(*) FROM webhook_events WHERE id = :id", eventId) == 1
					&& count("SELECT count(*) FROM webhook_deliveries WHERE event_id = :id", eventId) == 1
					&& receiver.received(path).size() == 4);
	}

	@Test
	void eventsThatComeTogetherAreRecordedForTheirSubscribersAndOnlyTheBadOnesAreDeadLettered() {
		String path = "/hooks/" + UUID.randomUUID();
		register("alice", "alice-secret", receiver.url(path), "report.succeeded");
		UUID first = UUID.randomUUID();
		UUID second = UUID.randomUUID();
		String nobody = "nobody-" + UUID.randomUUID();
		String unreadable = "not a report event " + UUID.randomUUID();
		// Straight onto the webhooks queue, one after the other, so the listener's two
		// consumers take them in batches (the broker deals them out in turn): an
		// unreadable message, and an owner id PostgreSQL refuses (a NUL byte), which
		// fails its batch's query and is found when each is recorded alone.
		publishToWebhooks(event(first, ReportEvent.Type.SUCCEEDED, "alice"));
		MessageProperties properties = new MessageProperties();
		properties.setContentType(MessageProperties.CONTENT_TYPE_JSON);
		this.rabbitTemplate.send("", this.topology.webhooksQueue(),
				new Message(unreadable.getBytes(StandardCharsets.UTF_8), properties));
		// A content type that is no MIME type fails before the body is read.
		MessageProperties noMimeType = new MessageProperties();
		noMimeType.setContentType("json");
		noMimeType.setHeader(Messages.SCHEMA_VERSION_HEADER, Messages.SCHEMA_VERSION);
		String badContentType = "{\"bad content type\": \"" + UUID.randomUUID() + "\"}";
		this.rabbitTemplate.send("", this.topology.webhooksQueue(),
				new Message(badContentType.getBytes(StandardCharsets.UTF_8), noMimeType));
		publishToWebhooks(event(UUID.randomUUID(), ReportEvent.Type.SUCCEEDED, "mallory\u0000"));
		publishToWebhooks(event(UUID.randomUUID(), ReportEvent.Type.SUCCEEDED, nobody));
		publishToWebhooks(event(UUID.randomUUID(), ReportEvent.Type.FAILED, "alice"));
		publishToWebhooks(event(second, ReportEvent.Type.SUCCEEDED, "alice"));

		await().atMost(Duration.ofSeconds(30)).until(() -> receiver.received(path).size() >= 2);
		assertThat(receiver.received(path)).extracting((request) -> json(request.body()).at("/data/id").asString())
			.containsExactlyInAnyOrder(first.toString(), second.toString());
		List<String> deadLettered = new ArrayList<>();
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			Message message = this.rabbitTemplate.receive(this.topology.webhooksDeadLetterQueue(), 500);
			if (message != null) {
				deadLettered.add(new String(message.getBody(), StandardCharsets.UTF_8));
			}
			assertThat(deadLettered).hasSize(3);
		});
		assertThat(deadLettered).anySatisfy((body) -> assertThat(body).isEqualTo(unreadable))
			.anySatisfy((body) -> assertThat(body).isEqualTo(badContentType))
			.anySatisfy((body) -> assertThat(body).contains("mallory"));
		assertThat(this.rabbitTemplate.receive(this.topology.webhooksDeadLetterQueue(), 1000)).isNull();
		assertThat(this.jdbc.sql("SELECT count(*) FROM webhook_events WHERE owner_id = :owner")
			.param("owner", nobody)
			.query(Long.class)
			.single()).isZero();
		// Only the two it subscribes to, however long one waits.
		await().during(Duration.ofMillis(1500))
			.atMost(Duration.ofSeconds(10))
			.until(() -> receiver.received(path).size() == 2);
		// Every message was settled: stopped, the consumers give back any they still
		// held unacknowledged, and the queue would count them.
		MessageListenerContainer container = this.listeners.getListenerContainer("reportWebhooks");
		container.stop();
		try {
			assertThat(this.amqpAdmin.getQueueInfo(this.topology.webhooksQueue()).getMessageCount()).isZero();
		}
		finally {
			container.start();
		}
	}

	@Test
	void aFailedAttemptIsInTheLogWithTheReceiversStatus() {
		String path = "/hooks/" + UUID.randomUUID();
		receiver.failNext(path, 1_000);
		JsonNode endpoint = register("alice", "alice-secret", receiver.url(path), "report.failed");

		publish(event(UUID.randomUUID(), ReportEvent.Type.FAILED, "alice"));

		await().atMost(Duration.ofSeconds(30)).until(() -> receiver.received(path).size() >= 2);
		JsonNode delivery = deliveries("alice", "alice-secret", endpoint).get(0);
		assertThat(delivery.get("status").asString()).isEqualTo("PENDING");
		assertThat(delivery.get("attempts").asInt()).isGreaterThanOrEqualTo(1);
		assertThat(delivery.get("lastResponseStatus").asInt()).isEqualTo(500);
		assertThat(delivery.get("lastError").asString()).isEqualTo("HTTP 500");
		assertThat(delivery.has("nextAttemptAt")).isTrue();
		delete("alice", "alice-secret", endpoint);
	}

	@Test
	void redeliveryCallSendsTheSameEventWithTheSameIdAndBody() {
		String path = "/hooks/" + UUID.randomUUID();
		JsonNode endpoint = register("alice", "alice-secret", receiver.url(path), "report.failed");
		publish(event(UUID.randomUUID(), ReportEvent.Type.FAILED, "alice"));
		await().atMost(Duration.ofSeconds(30)).until(() -> receiver.received(path).size() == 1);
		JsonNode first = deliveries("alice", "alice-secret", endpoint).get(0);
		await().atMost(Duration.ofSeconds(10))
			.until(() -> deliveries("alice", "alice-secret", endpoint).get(0).get("status").asString(),
					"DELIVERED"::equals);

		JsonNode redelivery = json(this.client.post()
			.uri(first.at("/links/redeliver").asString())
			.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
			.exchange()
			.expectStatus()
			.isAccepted()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody());

		assertThat(redelivery.get("eventId").asString()).isEqualTo(first.get("eventId").asString());
		assertThat(redelivery.get("id").asString()).isNotEqualTo(first.get("id").asString());
		await().atMost(Duration.ofSeconds(30)).until(() -> receiver.received(path).size() == 2);
		List<Received> requests = receiver.received(path);
		assertThat(requests.get(1).header("webhook-id")).isEqualTo(requests.get(0).header("webhook-id"))
			.isEqualTo(first.get("eventId").asString());
		assertThat(requests.get(1).body()).isEqualTo(requests.get(0).body());
		assertThat(Messages.json().readTree(requests.get(1).body()).get("type").asString()).isEqualTo("report.failed");
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(deliveries("alice", "alice-secret", endpoint))
				.extracting((delivery) -> delivery.get("status").asString())
				.containsExactly("DELIVERED", "DELIVERED"));
	}

	@Test
	void anotherFeaturesEventIsRecordedOnceForTheEndpointsThatSubscribeToIt() {
		String batchPath = "/hooks/" + UUID.randomUUID();
		String reportsPath = "/hooks/" + UUID.randomUUID();
		JsonNode batches = register("bob", "bob-secret", receiver.url(batchPath), "batch.completed");
		JsonNode reports = register("bob", "bob-secret", receiver.url(reportsPath), "report.succeeded",
				"report.failed");
		String batchId = UUID.randomUUID().toString();
		Map<String, Object> data = Map.of("object", "batch", "id", batchId, "links",
				Map.of("self", "/api/batches/" + batchId));

		String first = this.transactions
			.execute((status) -> this.webhookEvents.publish("bob", "batch.completed", batchId, data));
		String second = this.transactions
			.execute((status) -> this.webhookEvents.publish("bob", "batch.completed", batchId, data));

		assertThat(second).isEqualTo(first);
		await().atMost(Duration.ofSeconds(30)).until(() -> receiver.received(batchPath).size() == 1);
		JsonNode body = Messages.json().readTree(receiver.received(batchPath).get(0).body());
		assertThat(body.get("id").asString()).isEqualTo(first);
		assertThat(body.get("type").asString()).isEqualTo("batch.completed");
		assertThat(body.at("/data/links/self").asString()).isEqualTo("/api/batches/" + batchId);
		assertThat(deliveries("bob", "bob-secret", batches)).hasSize(1);
		assertThat(deliveries("bob", "bob-secret", reports)).isEmpty();
		assertThat(count("SELECT count(*) FROM webhook_events WHERE id = :id", first)).isEqualTo(1);
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.webhookEvents.publish("bob", "batch.exploded", batchId, data))
			.withMessageContaining("batch.completed");
	}

	@Test
	void anEventRolledBackWithItsTransactionIsNeverSent() {
		String path = "/hooks/" + UUID.randomUUID();
		JsonNode endpoint = register("bob", "bob-secret", receiver.url(path), "batch.completed");

		this.transactions.executeWithoutResult((status) -> {
			this.webhookEvents.publish("bob", "batch.completed", UUID.randomUUID().toString(), Map.of());
			status.setRollbackOnly();
		});

		await().during(Duration.ofMillis(500))
			.atMost(Duration.ofSeconds(5))
			.until(() -> receiver.received(path).isEmpty());
		assertThat(deliveries("bob", "bob-secret", endpoint)).isEmpty();
	}

	@Test
	void anotherUsersEndpointIsNotFound() {
		JsonNode endpoint = register("alice", "alice-secret", receiver.url("/hooks/private"), "report.succeeded");
		String self = endpoint.at("/links/self").asString();

		this.client.get()
			.uri(self)
			.headers((headers) -> headers.setBasicAuth("bob", "bob-secret"))
			.exchange()
			.expectStatus()
			.isNotFound();
		this.client.get()
			.uri(self + "/deliveries")
			.headers((headers) -> headers.setBasicAuth("bob", "bob-secret"))
			.exchange()
			.expectStatus()
			.isNotFound();
		this.client.post()
			.uri(self + "/deliveries/" + UUID.randomUUID() + "/redeliver")
			.headers((headers) -> headers.setBasicAuth("bob", "bob-secret"))
			.exchange()
			.expectStatus()
			.isNotFound();
		this.client.delete()
			.uri(self)
			.headers((headers) -> headers.setBasicAuth("bob", "bob-secret"))
			.exchange()
			.expectStatus()
			.isNotFound();
		String bobsList = this.client.get()
			.uri("/api/webhooks")
			.headers((headers) -> headers.setBasicAuth("bob", "bob-secret"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		assertThat(bobsList).doesNotContain(endpoint.get("id").asString());
		// Still alice's, and shown to her without its secret.
		JsonNode again = json(this.client.get()
			.uri(self)
			.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody());
		assertThat(again.has("secret")).isFalse();
		delete("alice", "alice-secret", endpoint);
		this.client.get()
			.uri(self)
			.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
			.exchange()
			.expectStatus()
			.isNotFound();
	}

	private JsonNode register(String user, String password, String url, String... events) {
		String request = Messages.json()
			.writeValueAsString(Map.of("url", url, "events", List.of(events), "description", "test receiver"));
		JsonNode endpoint = json(this.client.post()
			.uri("/api/webhooks")
			.headers((headers) -> headers.setBasicAuth(user, password))
			.contentType(MediaType.APPLICATION_JSON)
			.body(request)
			.exchange()
			.expectStatus()
			.isCreated()
			.expectHeader()
			.valueMatches("Location", "/api/webhooks/[0-9a-f-]{36}")
			.expectBody(String.class)
			.returnResult()
			.getResponseBody());
		String secret = endpoint.get("secret").asString();
		assertThat(secret).startsWith("whsec_");
		assertThat(Base64.getDecoder().decode(secret.substring("whsec_".length()))).hasSizeGreaterThanOrEqualTo(24);
		return endpoint;
	}

	private void delete(String user, String password, JsonNode endpoint) {
		this.client.delete()
			.uri(endpoint.at("/links/self").asString())
			.headers((headers) -> headers.setBasicAuth(user, password))
			.exchange()
			.expectStatus()
			.isNoContent();
	}

	private JsonNode deliveries(String user, String password, JsonNode endpoint) {
		return json(this.client.get()
			.uri(endpoint.at("/links/deliveries").asString())
			.headers((headers) -> headers.setBasicAuth(user, password))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody()).get("items");
	}

	private void publish(ReportEvent event) {
		this.rabbitTemplate.convertAndSend(this.topology.eventsExchange(), "", event);
	}

	private void publishToWebhooks(ReportEvent event) {
		this.rabbitTemplate.convertAndSend("", this.topology.webhooksQueue(), event);
	}

	private static ReportEvent event(UUID reportId, ReportEvent.Type type, String owner) {
		return new ReportEvent(reportId, type, 100, Instant.parse("2026-11-30T23:59:58.123456Z"),
				new Owner(owner, owner + "@example.com"), "NO_OP", ReportFormat.CSV,
				(type == ReportEvent.Type.SUCCEEDED) ? 42L : null,
				(type == ReportEvent.Type.FAILED) ? "The report could not be built" : null);
	}

	private long count(String sql, String id) {
		return this.jdbc.sql(sql).param("id", id).query(Long.class).single();
	}

	private static JsonNode json(String body) {
		return Messages.json().readTree(body);
	}

	/** The Standard Webhooks signature, computed here independently of the sender. */
	private static String hmacSha256(String secret, String signed) {
		try {
			Mac mac = Mac.getInstance("HmacSHA256");
			mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
			return Base64.getEncoder().encodeToString(mac.doFinal(signed.getBytes(StandardCharsets.UTF_8)));
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

}
