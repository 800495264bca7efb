package dev.offload.model;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.amqp.core.Binding;
import org.springframework.amqp.core.Declarables;
import org.springframework.amqp.core.Exchange;
import org.springframework.amqp.core.Queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class TopologyTests {

	@Test
	void defaultTopologyUsesTheDocumentedNames() {
		Topology topology = Topology.DEFAULT;
		assertThat(topology.tasksExchange()).isEqualTo("reports.tasks");
		assertThat(topology.generateQueue()).isEqualTo("reports.generate");
		assertThat(topology.eventsExchange()).isEqualTo("reports.events");
		assertThat(topology.emailQueue()).isEqualTo("reports.events.email");
		assertThat(topology.generateDeadLetterQueue()).isEqualTo("reports.generate.dlq");
		assertThat(topology.webhooksQueue()).isEqualTo("reports.events.webhooks");
		assertThat(topology.webhooksDeadLetterQueue()).isEqualTo("reports.events.webhooks.dlq");
	}

	@Test
	void prefixIsAppliedToEveryExchangeAndQueueButNotToRoutingKeys() {
		Topology topology = new Topology("t1.");
		assertThat(topology.tasksExchange()).isEqualTo("t1.reports.tasks");
		assertThat(topology.generateQueue()).isEqualTo("t1.reports.generate");
		assertThat(topology.generateRoutingKey()).isEqualTo("reports.generate");
	}

	@Test
	void liveStatusQueueIsNamedPerReplicaUnderThePrefix() {
		Topology topology = new Topology("t3.");
		assertThat(topology.liveStatusQueue("a1b2")).isEqualTo("t3.reports.events.live.a1b2");
		assertThatIllegalArgumentException().isThrownBy(() -> topology.liveStatusQueue("a b"))
			.withMessageContaining("replica id");
	}

	@Test
	void prefixWithCharactersUnsafeInNamesIsRejected() {
		assertThatIllegalArgumentException().isThrownBy(() -> new Topology("a b/"))
			.withMessageContaining("Topology prefix");
	}

	@Test
	void declarationsMakeDurableQuorumQueuesThatDeadLetter() {
		Topology topology = new Topology("t2.");
		Declarables declarables = TopologyDeclarations.all(topology);

		Queue generate = declarables.getDeclarablesByType(Queue.class)
			.stream()
			.filter((queue) -> queue.getName().equals(topology.generateQueue()))
			.findFirst()
			.orElseThrow();
		assertThat(generate.isDurable()).isTrue();
		assertThat(generate.getArguments()).containsEntry("x-queue-type", "quorum")
			.containsEntry("x-dead-letter-exchange", topology.deadLetterExchange())
			.containsEntry("x-dead-letter-routing-key", topology.generateDeadLetterRoutingKey());
		assertThat(declarables.getDeclarablesByType(Queue.class)).allMatch(Queue::isDurable)
			.allMatch((queue) -> "quorum".equals(queue.getArguments().get("x-queue-type")));
		assertThat(declarables.getDeclarablesByType(Exchange.class)).extracting(Exchange::getName)
			.containsExactlyInAnyOrder(topology.tasksExchange(), topology.eventsExchange(), topology.outcomesExchange(),
					topology.deadLetterExchange());
		// Two lanes, the outcomes exchange on the fanout, three dead letter queues, the
		// email and webhooks queues each with the three outcomes and the empty key, and
		// the email queue with the three outcomes of owners without a webhook endpoint.
		assertThat(declarables.getDeclarablesByType(Binding.class)).hasSize(17);
		Queue bulk = declarables.getDeclarablesByType(Queue.class)
			.stream()
			.filter((queue) -> queue.getName().equals(topology.bulkQueue()))
			.findFirst()
			.orElseThrow();
		assertThat(bulk.getArguments()).isEqualTo(generate.getArguments());
		assertThat(declarables.getDeclarablesByType(Binding.class))
			.anySatisfy((binding) -> assertThat(binding.getDestination()).isEqualTo(topology.bulkQueue()))
			.filteredOn((binding) -> binding.getDestination().equals(topology.bulkQueue()))
			.singleElement()
			.satisfies((binding) -> assertThat(binding.getRoutingKey())
				.isEqualTo(topology.generateRoutingKey(ReportPriority.BULK))
				.isNotEqualTo(topology.generateRoutingKey()));
	}

	@Test
	void webhooksQueueIsOneDurableQueueOnTheOutcomesExchangeThatDeadLettersToItsOwnQueue() {
		Topology topology = new Topology("t4.");
		Declarables declarables = TopologyDeclarations.all(topology);

		Queue webhooks = declarables.getDeclarablesByType(Queue.class)
			.stream()
			.filter((queue) -> queue.getName().equals(topology.webhooksQueue()))
			.findFirst()
			.orElseThrow();
		assertThat(webhooks.isExclusive()).isFalse();
		assertThat(webhooks.isAutoDelete()).isFalse();
		assertThat(webhooks.getArguments()).containsEntry("x-queue-type", "quorum")
			.containsEntry("x-dead-letter-exchange", topology.deadLetterExchange())
			.containsEntry("x-dead-letter-routing-key", topology.webhooksDeadLetterRoutingKey())
			.containsEntry("x-dead-letter-strategy", "at-least-once");
		assertThat(declarables.getDeclarablesByType(Binding.class))
			.extracting((binding) -> binding.getExchange() + " -> " + binding.getDestination() + " ["
					+ binding.getRoutingKey() + "]")
			.contains(topology.eventsExchange() + " -> " + topology.outcomesExchange() + " []",
					topology.outcomesExchange() + " -> " + topology.webhooksQueue() + " [SUCCEEDED]",
					topology.outcomesExchange() + " -> " + topology.webhooksQueue() + " [FAILED]",
					topology.outcomesExchange() + " -> " + topology.webhooksQueue() + " [CANCELLED]",
					topology.outcomesExchange() + " -> " + topology.webhooksQueue() + " []",
					topology.deadLetterExchange() + " -> " + topology.webhooksDeadLetterQueue() + " ["
							+ topology.webhooksDeadLetterRoutingKey() + "]")
			.doesNotContain(topology.outcomesExchange() + " -> " + topology.webhooksQueue() + " [RUNNING]",
					topology.outcomesExchange() + " -> " + topology.webhooksQueue() + " [PROGRESS]",
					topology.eventsExchange() + " -> " + topology.webhooksQueue() + " []");
	}

	@Test
	void anOutcomeWhoseOwnerHasNoWebhookEndpointIsRoutedToTheEmailQueueAlone() {
		Topology topology = new Topology("t6.");
		Declarables declarables = TopologyDeclarations.all(topology);

		List<String> bindings = declarables.getDeclarablesByType(Binding.class)
			.stream()
			.map((binding) -> binding.getExchange() + " -> " + binding.getDestination() + " [" + binding.getRoutingKey()
					+ "]")
			.toList();
		for (ReportEvent.Type type : ReportEvent.Type.values()) {
			String key = topology.eventRoutingKeyWithoutWebhook(type);
			assertThat(key).isNotEqualTo(topology.eventRoutingKey(type)).isNotEmpty();
			String email = topology.outcomesExchange() + " -> " + topology.emailQueue() + " [" + key + "]";
			if (type.isOutcome()) {
				assertThat(bindings).contains(email);
			}
			else {
				assertThat(bindings).doesNotContain(email);
			}
			assertThat(bindings).noneMatch((binding) -> binding.endsWith(" [" + key + "]")
					&& !binding.startsWith(topology.outcomesExchange() + " -> " + topology.emailQueue() + " "));
		}
	}

	@Test
	void retryQueuesAreNamedByTheirDelayAndDeadLetterBackToTheTasksExchange() {
		Topology topology = new Topology("t3.");
		Declarables retries = TopologyDeclarations.retries(topology,
				List.of(Duration.ofMillis(200), Duration.ofSeconds(30), Duration.ofMinutes(2)));

		assertThat(retries.getDeclarablesByType(Queue.class)).extracting(Queue::getName)
			.containsExactly("t3.reports.generate.retry.200ms", "t3.reports.generate.retry.30s",
					"t3.reports.generate.retry.2m", "t3.reports.generate.bulk.retry.200ms",
					"t3.reports.generate.bulk.retry.30s", "t3.reports.generate.bulk.retry.2m");
		Queue thirtySeconds = retries.getDeclarablesByType(Queue.class).get(1);
		assertThat(thirtySeconds.getArguments()).containsEntry("x-message-ttl", 30_000)
			.containsEntry("x-dead-letter-exchange", topology.tasksExchange())
			.containsEntry("x-dead-letter-routing-key", topology.generateRoutingKey())
			.containsEntry("x-dead-letter-strategy", "at-least-once");
		// A bulk task's retry returns to the bulk queue: retries keep their lane.
		Queue bulkThirtySeconds = retries.getDeclarablesByType(Queue.class).get(4);
		assertThat(bulkThirtySeconds.getArguments()).containsEntry("x-message-ttl", 30_000)
			.containsEntry("x-dead-letter-routing-key", topology.generateRoutingKey(ReportPriority.BULK));
		assertThat(retries.getDeclarablesByType(Binding.class)).extracting(Binding::getRoutingKey)
			.contains(topology.retryRoutingKey(ReportPriority.BULK, Duration.ofSeconds(30)))
			.doesNotHaveDuplicates();
	}

}
