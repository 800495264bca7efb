package dev.offload.api.outbox;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import dev.offload.model.Topology;
import dev.offload.testsupport.AfterTheContext;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.amqp.core.Binding;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.rabbit.core.RabbitAdmin;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The outbox relay against a real PostgreSQL and RabbitMQ: a row is marked published only
 * once the broker has taken its task, and a row the broker did not take is kept and
 * published later.
 */
// Its database and topology are gone after this class: stop the relay with them.
@DirtiesContext
@SpringBootTest(properties = { "offload.api.relay.interval=200ms", "offload.api.relay.max-backoff=400ms" })
class TaskRelayTests {

	private static final TestDatabase database = TestDatabase.create();

	private static final TestBroker broker = TestBroker.create();

	private static final Duration TIMEOUT = Duration.ofSeconds(15);

	@Autowired
	private JdbcClient jdbc;

	@Autowired
	private RabbitTemplate rabbitTemplate;

	@Autowired
	private RabbitAdmin rabbitAdmin;

	@Autowired
	private Topology topology;

	@Autowired
	private TaskRelay relay;

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
	void emptyTaskQueue() {
		this.rabbitAdmin.initialize();
		this.rabbitAdmin.purgeQueue(this.topology.generateQueue(), false);
	}

	@Test
	void rowCommittedWithoutAWakeUpIsPublishedByTheIntervalFallback() {
		UUID id = insertQueuedReport();

		await().atMost(TIMEOUT).until(() -> published(id));
		Message message = this.rabbitTemplate.receive(this.topology.generateQueue(), TIMEOUT.toMillis());
		assertThat(message).isNotNull();
		assertThat(message.getMessageProperties().getMessageId()).isEqualTo(id.toString());
	}

	@Test
	void taskReturnedAsUnroutableStaysUnpublishedUntilTheBrokerTakesIt() {
		Binding binding = new Binding(this.topology.generateQueue(), Binding.DestinationType.QUEUE,
				this.topology.tasksExchange(), this.topology.generateRoutingKey(), Map.of());
		this.rabbitAdmin.removeBinding(binding);
		UUID id;
		try {
			id = insertQueuedReport();
			this.relay.wakeUp();

			await().atMost(TIMEOUT).until(() -> publishAttempts(id) >= 2);
			assertThat(published(id)).isFalse();
		}
		finally {
			this.rabbitAdmin.declareBinding(binding);
		}

		await().atMost(TIMEOUT).until(() -> published(id));
		assertThat(broker.messageCount(this.topology.generateQueue())).isEqualTo(1);
	}

	@Test
	void reportNoLongerQueuedIsNotPublished() {
		UUID cancelled = insertReport("CANCELLED");
		UUID queued = insertQueuedReport();
		this.relay.wakeUp();

		await().atMost(TIMEOUT).until(() -> published(queued));
		assertThat(published(cancelled)).isFalse();
	}

	@Test
	void reportsCommittedTogetherArePublishedInOneRelayTransactionAndCountedSo() {
		DistributionSummary relayed = this.meters.get(TaskRelay.RELAYED).summary();
		long transactionsBefore = relayed.count();
		double tasksBefore = relayed.totalAmount();
		UUID[] ids = { UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID() };
		this.jdbc.sql("""
				INSERT INTO reports (id, owner_id, owner_email, type, format, parameters, status)
				SELECT id, 'alice', 'alice@example.com', 'NO_OP', 'CSV', '{}', 'QUEUED' FROM unnest(:ids) AS id""")
			.param("ids", ids)
			.update();
		this.relay.wakeUp();

		await().atMost(TIMEOUT).until(() -> published(ids[0]) && published(ids[1]) && published(ids[2]));
		await().atMost(TIMEOUT).until(() -> relayed.count() > transactionsBefore);
		assertThat(relayed.count() - transactionsBefore).isEqualTo(1);
		assertThat(relayed.totalAmount() - tasksBefore).isEqualTo(3);
	}

	private UUID insertQueuedReport() {
		return insertReport("QUEUED");
	}

	private UUID insertReport(String status) {
		UUID id = UUID.randomUUID();
		this.jdbc.sql("""
				INSERT INTO reports (id, owner_id, owner_email, type, format, parameters, status)
				VALUES (:id, 'alice', 'alice@example.com', 'NO_OP', 'CSV', '{}', :status)""")
			.param("id", id)
			.param("status", status)
			.update();
		return id;
	}

	private boolean published(UUID id) {
		return this.jdbc.sql("SELECT task_published_at IS NOT NULL FROM reports WHERE id = :id")
			.param("id", id)
			.query(Boolean.class)
			.single();
	}

	private int publishAttempts(UUID id) {
		return this.jdbc.sql("SELECT publish_attempts FROM reports WHERE id = :id")
			.param("id", id)
			.query(Integer.class)
			.single();
	}

}
