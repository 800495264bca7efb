package dev.offload.api.outbox;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.offload.model.Messages;
import dev.offload.model.Topology;
import dev.offload.testsupport.AfterTheContext;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import io.micrometer.core.instrument.MeterRegistry;
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
 * Reconciliation against the real broker and database: a task the broker lost after
 * confirming it (here, purged from the queue) is published again, and only the ones that
 * are missing; a RUNNING report whose worker vanished is queued again; a report waiting
 * for its delayed retry is left alone until its retry is overdue. The sweep is called
 * directly; no worker consumes, so the queue shows what was published.
 */
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "offload.api.reconciliation.enabled=false", "offload.api.reconciliation.grace=1s",
				"offload.api.reconciliation.retry-age=1m", "offload.api.relay.interval=200ms" })
@AutoConfigureRestTestClient
class ReconciliationTests {

	private static final TestDatabase database = TestDatabase.create();

	private static final TestBroker broker = TestBroker.create();

	@Autowired
	private RestTestClient client;

	@Autowired
	private JdbcClient jdbc;

	@Autowired
	private RabbitAdmin rabbitAdmin;

	@Autowired
	private Topology topology;

	@Autowired
	private Reconciliation reconciliation;

	@Autowired
	private MeterRegistry meters;

	@DynamicPropertySource
	static void infrastructure(DynamicPropertyRegistry registry) {
		database.springProperties().forEach((name, value) -> registry.add(name, () -> value));
		broker.springProperties().forEach((name, value) -> registry.add(name, () -> value));
	}

	@RegisterExtension
	static final AfterTheContext cleanUp = AfterTheContext.close(broker, database);

	@BeforeEach
	void emptyQueue() {
		this.rabbitAdmin.initialize();
		this.rabbitAdmin.purgeQueue(this.topology.generateQueue(), false);
		this.jdbc.sql("DELETE FROM reports").update();
	}

	@Test
	void aTaskPurgedAfterItWasConfirmedIsPublishedAgainAndOnlyTheMissingOne() throws Exception {
		UUID lost = request();
		awaitQueued(1);
		this.rabbitAdmin.purgeQueue(this.topology.generateQueue(), false);
		UUID kept = request();
		awaitQueued(1);
		Thread.sleep(1200);
		double before = recovered("task-lost");

		// The first sweep that finds it missing only suspects it: a count read while a
		// queue moves to another node can be briefly wrong.
		assertThat(this.reconciliation.run()).isEmpty();
		Thread.sleep(1200);
		List<UUID> recovered = this.reconciliation.run();

		assertThat(recovered).containsExactly(lost);
		assertThat(recovered("task-lost")).isEqualTo(before + 1);
		awaitQueued(2);
		assertThat(published(lost)).isTrue();
		assertThat(taskIds()).containsExactlyInAnyOrder(kept.toString(), lost.toString());
		// Both tasks are in the queue now: nothing more to recover.
		Thread.sleep(1200);
		assertThat(this.reconciliation.run()).isEmpty();
	}

	@Test
	void aTaskMissingFromOneCountButBackInTheNextIsNotRecovered() throws Exception {
		UUID late = request();
		awaitQueued(1);
		List<String> held = new java.util.ArrayList<>();
		// Taken off the queue for a moment (as by a consumer that then returns it).
		try (Connection connection = broker.connectionFactory().newConnection();
				Channel channel = connection.createChannel()) {
			held.add(channel.basicGet(this.topology.generateQueue(), false).getProps().getMessageId());
			Thread.sleep(1200);
			assertThat(this.reconciliation.run()).isEmpty();
		}
		awaitQueued(1);
		Thread.sleep(1200);
		assertThat(this.reconciliation.run()).isEmpty();
		assertThat(held).containsExactly(late.toString());
		assertThat(taskIds()).containsExactly(late.toString());
	}

	@Test
	void aRunningReportWhoseWorkerVanishedIsQueuedAndPublishedAgain() throws Exception {
		UUID running = request();
		awaitQueued(1);
		this.rabbitAdmin.purgeQueue(this.topology.generateQueue(), false);
		// Claimed by a worker that died; its delivery went with the purge.
		this.jdbc.sql("""
				UPDATE reports SET status = 'RUNNING', attempts = 1, started_at = now() - interval '10 minutes',
				       lease_until = now() - interval '5 minutes' WHERE id = :id""").param("id", running).update();
		UUID alive = request();
		awaitQueued(1);
		this.rabbitAdmin.purgeQueue(this.topology.generateQueue(), false);
		this.jdbc.sql("""
				UPDATE reports SET status = 'RUNNING', attempts = 1, started_at = now(),
				       lease_until = now() + interval '5 minutes' WHERE id = :id""").param("id", alive).update();
		double before = recovered("lease-expired");

		assertThat(this.reconciliation.run()).containsExactly(running);

		assertThat(recovered("lease-expired")).isEqualTo(before + 1);
		awaitQueued(1);
		assertThat(taskIds()).containsExactly(running.toString());
		assertThat(status(running)).isEqualTo("QUEUED");
		assertThat(status(alive)).isEqualTo("RUNNING");
	}

	@Test
	void aReportWaitingForItsRetryIsLeftAloneUntilTheRetryIsOverdue() throws Exception {
		UUID waiting = request();
		awaitQueued(1);
		this.rabbitAdmin.purgeQueue(this.topology.generateQueue(), false);
		// Handed back after a transient failure: its task sits in a retry queue.
		this.jdbc.sql("UPDATE reports SET error = 'database unavailable', attempts = 1 WHERE id = :id")
			.param("id", waiting)
			.update();
		Thread.sleep(1200);
		assertThat(this.reconciliation.run()).isEmpty();

		this.jdbc.sql("UPDATE reports SET updated_at = now() - interval '2 minutes' WHERE id = :id")
			.param("id", waiting)
			.update();
		assertThat(this.reconciliation.run()).containsExactly(waiting);
		awaitQueued(1);
	}

	private UUID request() {
		String body = this.client.post()
			.uri("/api/reports")
			.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
			.contentType(MediaType.APPLICATION_JSON)
			.body("{\"type\":\"NO_OP\",\"format\":\"CSV\"}")
			.exchange()
			.expectStatus()
			.isAccepted()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		UUID id = UUID.fromString(Messages.json().readTree(body).get("id").asString());
		await().atMost(Duration.ofSeconds(30)).until(() -> published(id));
		return id;
	}

	private void awaitQueued(long count) {
		await().atMost(Duration.ofSeconds(30)).until(() -> broker.messageCount(this.topology.generateQueue()) == count);
	}

	private List<String> taskIds() throws Exception {
		List<String> ids = new java.util.ArrayList<>();
		try (Connection connection = broker.connectionFactory().newConnection();
				Channel channel = connection.createChannel()) {
			com.rabbitmq.client.GetResponse task;
			while ((task = channel.basicGet(this.topology.generateQueue(), false)) != null) {
				ids.add(task.getProps().getMessageId());
			}
			// Unacknowledged, they go back to the queue when the channel closes.
		}
		return ids;
	}

	private boolean published(UUID id) {
		return this.jdbc.sql("SELECT task_published_at IS NOT NULL FROM reports WHERE id = :id")
			.param("id", id)
			.query(Boolean.class)
			.single();
	}

	private String status(UUID id) {
		return this.jdbc.sql("SELECT status FROM reports WHERE id = :id").param("id", id).query(String.class).single();
	}

	private double recovered(String reason) {
		var counter = this.meters.find(Reconciliation.RECOVERED).tag("reason", reason).counter();
		return (counter != null) ? counter.count() : 0;
	}

}
