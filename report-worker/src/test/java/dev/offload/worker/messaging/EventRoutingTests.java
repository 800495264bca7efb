package dev.offload.worker.messaging;

import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;

import dev.offload.model.Owner;
import dev.offload.model.ReportEvent;
import dev.offload.model.ReportFormat;
import dev.offload.model.Topology;
import dev.offload.model.TopologyDeclarations;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import dev.offload.worker.Workers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.amqp.core.AmqpAdmin;
import org.springframework.amqp.core.Binding;
import org.springframework.amqp.core.Exchange;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitAdmin;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.amqp.rabbit.listener.RabbitListenerEndpointRegistry;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Which report events reach which queue, on real RabbitMQ: every event reaches a
 * subscriber of the events fanout, only outcomes reach the email and webhooks queues
 * (through the outcomes exchange), an event published the way earlier versions did (no
 * routing key) still reaches them, and a broker an earlier version set up loses the
 * bindings this version replaces when the worker starts.
 */
class EventRoutingTests {

	private static final Owner OWNER = new Owner("user-1", "ada@example.com");

	private static TestDatabase database;

	private static TestBroker broker;

	private static ConfigurableApplicationContext worker;

	@BeforeAll
	static void startWorkerOnABrokerAnEarlierVersionSetUp() {
		database = TestDatabase.create();
		broker = TestBroker.create();
		Topology topology = broker.topology();
		// As an earlier version left it: the email and webhooks queues bound to the
		// events fanout itself.
		CachingConnectionFactory connections = new CachingConnectionFactory(broker.connectionFactory());
		try {
			RabbitAdmin admin = new RabbitAdmin(connections);
			TopologyDeclarations.all(topology).getDeclarables().forEach((declarable) -> {
				if (declarable instanceof Exchange exchange) {
					admin.declareExchange(exchange);
				}
				else if (declarable instanceof Queue queue) {
					admin.declareQueue(queue);
				}
			});
			TopologyDeclarations.replacedBindings(topology).forEach(admin::declareBinding);
		}
		finally {
			connections.destroy();
		}
		worker = Workers.start(database, broker, Workers.freePort(), Map.of());
		// The queues are read here, not by the worker's listeners.
		RabbitListenerEndpointRegistry listeners = worker.getBean(RabbitListenerEndpointRegistry.class);
		listeners.getListenerContainer("reportEmails").stop();
	}

	@AfterAll
	static void stopWorker() throws Exception {
		Workers.stop(worker, broker, database);
	}

	@Test
	void progressReachesTheFanoutsSubscribersAndOnlyOutcomesReachEmailAndWebhooks() {
		Topology topology = broker.topology();
		String tap = Workers.eventTap(worker);
		broker.purge(topology.emailQueue());
		broker.purge(topology.webhooksQueue());
		RabbitTemplate rabbit = worker.getBean(RabbitTemplate.class);
		UUID reportId = UUID.randomUUID();
		for (ReportEvent.Type type : ReportEvent.Type.values()) {
			rabbit.convertAndSend(topology.eventsExchange(), topology.eventRoutingKey(type), event(reportId, type));
		}
		long outcomes = Arrays.stream(ReportEvent.Type.values()).filter(ReportEvent.Type::isOutcome).count();
		await().untilAsserted(() -> {
			assertThat(tapDepth(tap)).isEqualTo(ReportEvent.Type.values().length);
			// Once each: the binding to the fanout itself is gone.
			assertThat(broker.messageCount(topology.emailQueue())).isEqualTo(outcomes);
			assertThat(broker.messageCount(topology.webhooksQueue())).isEqualTo(outcomes);
		});
		for (int i = 0; i < outcomes; i++) {
			ReportEvent mailed = (ReportEvent) rabbit.receiveAndConvert(topology.emailQueue(), 5000);
			assertThat(mailed).isNotNull();
			assertThat(mailed.type().isOutcome()).isTrue();
		}
	}

	@Test
	void anEventPublishedWithoutARoutingKeyAsEarlierVersionsDidStillReachesEmailAndWebhooks() {
		Topology topology = broker.topology();
		broker.purge(topology.emailQueue());
		broker.purge(topology.webhooksQueue());
		RabbitTemplate rabbit = worker.getBean(RabbitTemplate.class);
		rabbit.convertAndSend(topology.eventsExchange(), "", event(UUID.randomUUID(), ReportEvent.Type.SUCCEEDED));
		await().untilAsserted(() -> {
			assertThat(broker.messageCount(topology.emailQueue())).isOne();
			assertThat(broker.messageCount(topology.webhooksQueue())).isOne();
		});
	}

	@Test
	void anOutcomeOfAnOwnerWithoutAWebhookEndpointReachesTheFanoutsSubscribersAndEmailButNotWebhooks() {
		Topology topology = broker.topology();
		String tap = Workers.eventTap(worker);
		broker.purge(topology.emailQueue());
		broker.purge(topology.webhooksQueue());
		RabbitTemplate rabbit = worker.getBean(RabbitTemplate.class);
		for (ReportEvent.Type type : ReportEvent.Type.values()) {
			if (type.isOutcome()) {
				rabbit.convertAndSend(topology.eventsExchange(), topology.eventRoutingKeyWithoutWebhook(type),
						event(UUID.randomUUID(), type));
			}
		}
		long outcomes = Arrays.stream(ReportEvent.Type.values()).filter(ReportEvent.Type::isOutcome).count();
		await().untilAsserted(() -> {
			assertThat(tapDepth(tap)).isEqualTo(outcomes);
			assertThat(broker.messageCount(topology.emailQueue())).isEqualTo(outcomes);
		});
		assertThat(broker.messageCount(topology.webhooksQueue())).isZero();
	}

	@Test
	void anOutcomeMailedWithItsRecordingOfAnOwnerWithoutAWebhookEndpointReachesOnlyTheFanoutsSubscribers() {
		Topology topology = broker.topology();
		String tap = Workers.eventTap(worker);
		broker.purge(topology.emailQueue());
		broker.purge(topology.webhooksQueue());
		RabbitTemplate rabbit = worker.getBean(RabbitTemplate.class);
		for (ReportEvent.Type type : ReportEvent.Type.values()) {
			if (type.isOutcome()) {
				rabbit.convertAndSend(topology.eventsExchange(), topology.eventRoutingKeyMailedWithoutWebhook(type),
						event(UUID.randomUUID(), type));
			}
		}
		// Then one that reaches the email queue, so that the queue is known to have had
		// its chance at the ones before.
		rabbit.convertAndSend(topology.eventsExchange(),
				topology.eventRoutingKeyWithoutWebhook(ReportEvent.Type.SUCCEEDED),
				event(UUID.randomUUID(), ReportEvent.Type.SUCCEEDED));
		long outcomes = Arrays.stream(ReportEvent.Type.values()).filter(ReportEvent.Type::isOutcome).count();
		await().untilAsserted(() -> {
			assertThat(tapDepth(tap)).isEqualTo(outcomes + 1);
			assertThat(broker.messageCount(topology.emailQueue())).isOne();
		});
		assertThat(broker.messageCount(topology.webhooksQueue())).isZero();
	}

	@Test
	void theBindingsThisVersionReplacesAreGone() {
		Topology topology = broker.topology();
		RabbitTemplate rabbit = worker.getBean(RabbitTemplate.class);
		for (Binding replaced : TopologyDeclarations.replacedBindings(topology)) {
			broker.purge(replaced.getDestination());
		}
		// Through the fanout alone (the outcomes exchange unbound for a moment), nothing
		// reaches either queue.
		AmqpAdmin admin = worker.getBean(AmqpAdmin.class);
		Binding outcomes = new Binding(topology.outcomesExchange(), Binding.DestinationType.EXCHANGE,
				topology.eventsExchange(), "", null);
		String tap = Workers.eventTap(worker);
		admin.removeBinding(outcomes);
		try {
			rabbit.convertAndSend(topology.eventsExchange(), "", event(UUID.randomUUID(), ReportEvent.Type.SUCCEEDED));
			await().until(() -> tapDepth(tap) == 1);
			for (Binding replaced : TopologyDeclarations.replacedBindings(topology)) {
				assertThat(broker.messageCount(replaced.getDestination())).as(replaced.getDestination()).isZero();
			}
		}
		finally {
			admin.declareBinding(outcomes);
		}
	}

	/** The depth of a tap, which only the worker's connection may read (exclusive). */
	private static long tapDepth(String tap) {
		return worker.getBean(AmqpAdmin.class).getQueueInfo(tap).getMessageCount();
	}

	private static ReportEvent event(UUID reportId, ReportEvent.Type type) {
		return new ReportEvent(reportId, type, type.isOutcome() ? 100 : 10, Instant.now(), OWNER, "NO_OP",
				ReportFormat.CSV, null, null);
	}

}
