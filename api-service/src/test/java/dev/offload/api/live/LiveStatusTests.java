package dev.offload.api.live;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Stream;

import dev.offload.model.Owner;
import dev.offload.model.ReportEvent;
import dev.offload.model.ReportFormat;
import dev.offload.model.Topology;
import dev.offload.testsupport.AfterTheContext;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.core.RabbitOperations;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The live status stream against the real broker: an event published to the events fanout
 * reaches its owner's open streams on this replica, and only theirs; the replica takes
 * events only while a stream is open on it.
 */
@DirtiesContext
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "offload.api.live.max-streams-per-user=2", "offload.api.live.unbind-after=200ms",
				// Nothing is requested here: keep the relay idle, so it is not mid-query
				// when the database is dropped.
				"offload.api.relay.interval=1h" })
class LiveStatusTests {

	private static final TestDatabase database = TestDatabase.create();

	private static final TestBroker broker = TestBroker.create();

	private static final Owner ALICE = new Owner("alice", "alice@example.com");

	private static final Owner BOB = new Owner("bob", "bob@example.com");

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private final HttpClient http = HttpClient.newHttpClient();

	private final List<SseClient> openStreams = new ArrayList<>();

	private final List<List<String>> streamLines = new ArrayList<>();

	@LocalServerPort
	private int port;

	@Autowired
	private RabbitTemplate rabbitTemplate;

	@Autowired
	private Topology topology;

	@Autowired
	private LiveStatus liveStatus;

	@Autowired
	private LiveStatusSubscription subscription;

	@Autowired
	private MeterRegistry meters;

	@DynamicPropertySource
	static void infrastructure(DynamicPropertyRegistry registry) {
		database.springProperties().forEach((name, value) -> registry.add(name, () -> value));
		broker.springProperties().forEach((name, value) -> registry.add(name, () -> value));
	}

	@RegisterExtension
	static final AfterTheContext cleanUp = AfterTheContext.close(broker, database);

	@AfterEach
	void closeStreams() {
		this.openStreams.forEach(SseClient::close);
		// The server notices a closed connection only when it writes to it.
		await().atMost(TIMEOUT).untilAsserted(() -> {
			this.liveStatus.heartbeat();
			assertThat(this.liveStatus.openStreams()).isZero();
		});
	}

	@Test
	void eventReachesItsOwnersStreamsOnlyInOrder() {
		List<String> alice = open("alice", "alice-secret");
		List<String> aliceSecondTab = open("alice", "alice-secret");
		List<String> bob = open("bob", "bob-secret");
		await().atMost(TIMEOUT)
			.until(() -> alice.contains("event:ready") && aliceSecondTab.contains("event:ready")
					&& bob.contains("event:ready"));
		UUID aliceReport = UUID.randomUUID();
		UUID bobReport = UUID.randomUUID();

		inOrder((operations) -> {
			publish(operations, event(aliceReport, ReportEvent.Type.PROGRESS, 40, ALICE));
			publish(operations, event(aliceReport, ReportEvent.Type.SUCCEEDED, 100, ALICE));
			publish(operations, event(bobReport, ReportEvent.Type.RUNNING, 0, BOB));
		});

		await().atMost(TIMEOUT).untilAsserted(() -> assertThat(dataLines(bob)).as("%s", bob).hasSize(1));
		// One consumer per replica keeps the order, so alice's events were pushed before
		// bob's arrived: bob's stream had every chance to see them and did not.
		assertThat(dataLines(bob).get(0)).contains(bobReport.toString()).contains("\"status\":\"RUNNING\"");
		for (List<String> stream : List.of(alice, aliceSecondTab)) {
			await().atMost(TIMEOUT).until(() -> dataLines(stream).size() == 2);
			assertThat(dataLines(stream).get(0)).contains(aliceReport.toString())
				.contains("\"event\":\"PROGRESS\"")
				.contains("\"progress\":40")
				.doesNotContain("alice@example.com");
			assertThat(dataLines(stream).get(1)).contains("\"status\":\"SUCCEEDED\"");
		}
	}

	@Test
	void unreadableEventIsDroppedAndTheEventsAroundItArriveOnce() {
		List<String> alice = open("alice", "alice-secret");
		await().atMost(TIMEOUT).until(() -> alice.contains("event:ready"));
		UUID report = UUID.randomUUID();

		// Acknowledged in batches: the one the listener fails on must neither take the
		// event before it back to the broker (it would reach the browser twice) nor stop
		// the one after it.
		MessageProperties properties = new MessageProperties();
		properties.setContentType(MessageProperties.CONTENT_TYPE_JSON);
		inOrder((operations) -> {
			publish(operations, event(report, ReportEvent.Type.PROGRESS, 40, ALICE));
			operations.send(this.topology.eventsExchange(), "",
					new Message("not an event".getBytes(StandardCharsets.UTF_8), properties));
			publish(operations, event(report, ReportEvent.Type.SUCCEEDED, 100, ALICE));
		});

		await().atMost(TIMEOUT).until(() -> dataLines(alice).size() >= 2);
		await().during(Duration.ofMillis(1500)).atMost(TIMEOUT).until(() -> dataLines(alice).size() == 2);
		assertThat(dataLines(alice).get(0)).contains(report.toString()).contains("\"progress\":40");
		assertThat(dataLines(alice).get(1)).contains(report.toString()).contains("\"status\":\"SUCCEEDED\"");
	}

	/**
	 * First, so that the queue is known unbound from the start, not only once a test
	 * before has closed its streams.
	 */
	@Test
	@Order(1)
	void replicaTakesEventsOnlyWhileAStreamIsOpen() {
		await().atMost(TIMEOUT).until(() -> !this.subscription.bound());
		double[] last = { received() };
		await().pollInterval(Duration.ofMillis(250)).atMost(TIMEOUT).until(() -> {
			double now = received();
			boolean settled = now == last[0];
			last[0] = now;
			return settled;
		});
		double before = received();

		// Unwatched, the replica took no event: only the one after the stream opened.
		unwatchedThenWatched(ReportEvent.Type.RUNNING, 0);
		assertThat(received() - before).as("events taken by the replica").isEqualTo(1);

		// The stream closes; a while after, the replica stops taking events again.
		this.openStreams.remove(this.openStreams.size() - 1).close();
		await().atMost(TIMEOUT).untilAsserted(() -> {
			this.liveStatus.heartbeat();
			assertThat(this.liveStatus.openStreams()).isZero();
		});
		await().atMost(TIMEOUT).until(() -> !this.subscription.bound());
		unwatchedThenWatched(ReportEvent.Type.SUCCEEDED, 100);
		assertThat(received() - before).as("events taken by the replica").isEqualTo(2);
	}

	/**
	 * Publishes an event, confirmed before a stream opens, then another on the same
	 * channel once the stream is ready, and waits until the stream has the second: had
	 * the queue been bound before the stream opened, the first event would have reached
	 * the replica before it (one consumer, in order).
	 */
	private void unwatchedThenWatched(ReportEvent.Type type, int progress) {
		UUID watched = UUID.randomUUID();
		inOrder((operations) -> {
			publish(operations, event(UUID.randomUUID(), type, progress, ALICE));
			operations.waitForConfirmsOrDie(TIMEOUT.toMillis());
			openAndAwaitReady();
			publish(operations, event(watched, type, progress, ALICE));
		});
		List<String> stream = this.streamLines.get(this.streamLines.size() - 1);
		await().atMost(TIMEOUT).until(() -> dataLines(stream).size() == 1);
		assertThat(dataLines(stream).get(0)).contains(watched.toString());
	}

	@Test
	void streamNeedsCredentials() throws Exception {
		HttpResponse<Void> response = this.http.send(request(null).build(), HttpResponse.BodyHandlers.discarding());

		assertThat(response.statusCode()).isEqualTo(401);
	}

	@Test
	void userMayHoldOnlyTheConfiguredNumberOfStreams() throws Exception {
		List<String> first = open("bob", "bob-secret");
		List<String> second = open("bob", "bob-secret");
		await().atMost(TIMEOUT).until(() -> first.contains("event:ready") && second.contains("event:ready"));

		HttpResponse<Void> third = this.http.send(request(basic("bob", "bob-secret")).build(),
				HttpResponse.BodyHandlers.discarding());

		assertThat(third.statusCode()).isEqualTo(429);
	}

	@Test
	void closedStreamIsForgotten() {
		List<String> lines = open("alice", "alice-secret");
		await().atMost(TIMEOUT).until(() -> lines.contains("event:ready"));
		assertThat(this.liveStatus.openStreams()).isEqualTo(1);

		this.openStreams.remove(this.openStreams.size() - 1).close();
		// The server learns of a vanished browser when it next writes: an event for it.
		await().atMost(TIMEOUT).untilAsserted(() -> {
			publish(event(UUID.randomUUID(), ReportEvent.Type.RUNNING, 0, ALICE));
			assertThat(this.liveStatus.openStreams()).isZero();
		});
	}

	private List<String> openAndAwaitReady() {
		List<String> lines = open("alice", "alice-secret");
		this.streamLines.add(lines);
		await().atMost(TIMEOUT).until(() -> lines.contains("event:ready"));
		return lines;
	}

	private double received() {
		return this.meters.get("offload.live.events").counter().count();
	}

	private List<String> open(String user, String password) {
		SseClient client = new SseClient();
		this.http.sendAsync(request(basic(user, password)).build(), HttpResponse.BodyHandlers.ofLines())
			.thenAccept((response) -> {
				assertThat(response.statusCode()).isEqualTo(200);
				client.body = response.body();
				client.body.forEach(client.lines::add);
			});
		this.openStreams.add(client);
		return client.lines;
	}

	private HttpRequest.Builder request(String authorization) {
		HttpRequest.Builder request = HttpRequest
			.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/api/reports/events"))
			.header("Accept", "text/event-stream");
		return (authorization != null) ? request.header("Authorization", authorization) : request;
	}

	private static String basic(String user, String password) {
		return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
	}

	private static List<String> dataLines(List<String> stream) {
		return stream.stream().filter((line) -> line.startsWith("data:{\"reportId\"")).toList();
	}

	private void publish(ReportEvent event) {
		publish(this.rabbitTemplate, event);
	}

	private void publish(RabbitOperations operations, ReportEvent event) {
		operations.convertAndSend(this.topology.eventsExchange(), "", event);
	}

	/**
	 * Publishes on one channel. The broker keeps the order of one channel's messages
	 * only: the template's separate sends take its cached channels in turn, so two of
	 * them may reach the queue the other way round (the worker awaits each event's
	 * confirm before a report's next one for the same reason).
	 */
	private void inOrder(Consumer<RabbitOperations> publishing) {
		this.rabbitTemplate.invoke((operations) -> {
			publishing.accept(operations);
			return null;
		});
	}

	private static ReportEvent event(UUID reportId, ReportEvent.Type type, int progress, Owner owner) {
		return new ReportEvent(reportId, type, progress, Instant.now(), owner, "NO_OP", ReportFormat.CSV,
				(type == ReportEvent.Type.SUCCEEDED) ? 42L : null, null);
	}

	/** One open stream: the lines read so far, and a way to hang up. */
	private static final class SseClient {

		final List<String> lines = new CopyOnWriteArrayList<>();

		volatile Stream<String> body;

		void close() {
			Stream<String> body = this.body;
			if (body != null) {
				// Cancels the subscription: the connection is closed.
				body.close();
			}
		}

	}

}
