package dev.offload.system;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import dev.offload.model.Messages;
import dev.offload.testsupport.ServiceProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With two api-service replicas, a browser gets the live status of its reports whichever
 * replica it is connected to: each replica has its own queue, bound to the events fanout
 * while a stream is open on it. The report is requested through the first replica (which
 * publishes its task); the worker publishes the events; a stream on the second replica,
 * which published nothing, gets them all.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LiveStatusReachesEveryReplicaTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(30);

	private static RunningSystem system;

	private final HttpClient http = HttpClient.newHttpClient();

	private final List<Stream<String>> openStreams = new CopyOnWriteArrayList<>();

	@BeforeAll
	static void startSystem() {
		system = RunningSystem.start(0, ServiceProcess.freePort(), 2);
	}

	@AfterAll
	static void stopSystem() {
		if (system != null) {
			system.close();
		}
	}

	@AfterEach
	void closeStreams() {
		this.openStreams.forEach(Stream::close);
	}

	@Test
	@Order(1)
	void eventsOfAReportRequestedOnOneReplicaReachItsOwnersStreamOnTheOther() {
		ServiceProcess first = system.apis.get(0);
		ServiceProcess second = system.apis.get(1);
		List<String> aliceOnSecond = open(second, "alice", "alice-secret");
		List<String> aliceOnFirst = open(first, "alice", "alice-secret");
		List<String> bobOnSecond = open(second, "bob", "bob-secret");
		await().atMost(TIMEOUT)
			.until(() -> Stream.of(aliceOnSecond, aliceOnFirst, bobOnSecond)
				.allMatch((stream) -> stream.contains("event:ready")));

		HttpResponse<String> accepted = system.post("/api/reports", """
				{"type":"NO_OP","format":"CSV"}""");
		assertThat(accepted.statusCode()).isEqualTo(202);
		String reportId = Messages.json().readTree(accepted.body()).get("id").asString();

		await().atMost(TIMEOUT).until(() -> statusesOf(reportId, aliceOnSecond).contains("SUCCEEDED"));
		// The worker's first NO_OP report: it has not learnt yet that the type is quick
		// to
		// build, so it announces RUNNING at the claim rather than holding it back.
		assertThat(statusesOf(reportId, aliceOnSecond)).containsExactly("RUNNING", "SUCCEEDED");
		await().atMost(TIMEOUT).until(() -> statusesOf(reportId, aliceOnFirst).contains("SUCCEEDED"));
		// Each replica pushes an event to all matching streams before it reads the next:
		// bob's stream on the same replica has had alice's events and must not show them.
		assertThat(String.join("\n", bobOnSecond)).doesNotContain(reportId);
	}

	@Test
	@Order(2)
	void stoppingAReplicaEndsItsStreamsAtOnceInsteadOfWaitingForThem() {
		ServiceProcess second = system.apis.get(1);
		CompletableFuture<Void> stream = new CompletableFuture<>();
		List<String> lines = open(second, "alice", "alice-secret", stream);
		await().atMost(TIMEOUT).until(() -> lines.contains("event:ready"));

		long started = System.nanoTime();
		second.stop(Duration.ofSeconds(20));
		Duration stopping = Duration.ofNanos(System.nanoTime() - started);

		// Graceful shutdown waits for open requests; the streams are ended first, so the
		// browsers reconnect (to another replica) and the replica is not held up by them.
		assertThat(second.isAlive()).isFalse();
		assertThat(stopping).isLessThan(Duration.ofSeconds(15));
		assertThat(stream).succeedsWithin(Duration.ofSeconds(5));
	}

	private List<String> open(ServiceProcess api, String user, String password) {
		return open(api, user, password, new CompletableFuture<>());
	}

	private List<String> open(ServiceProcess api, String user, String password, CompletableFuture<Void> ended) {
		List<String> lines = new CopyOnWriteArrayList<>();
		String credentials = Base64.getEncoder()
			.encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
		HttpRequest request = HttpRequest.newBuilder(URI.create(api.baseUri() + "/api/reports/events"))
			.header("Accept", "text/event-stream")
			.header("Authorization", "Basic " + credentials)
			.build();
		this.http.sendAsync(request, HttpResponse.BodyHandlers.ofLines()).thenAccept((response) -> {
			assertThat(response.statusCode()).isEqualTo(200);
			this.openStreams.add(response.body());
			response.body().forEach(lines::add);
		}).whenComplete((result, failure) -> ended.complete(null));
		return lines;
	}

	private static List<String> statusesOf(String reportId, List<String> stream) {
		return stream.stream()
			.filter((line) -> line.startsWith("data:") && line.contains(reportId))
			.map((line) -> Messages.json().readTree(line.substring("data:".length())).get("status").asString())
			.distinct()
			.toList();
	}

}
