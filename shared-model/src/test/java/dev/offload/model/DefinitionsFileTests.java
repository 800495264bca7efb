package dev.offload.model;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.amqp.core.Binding;
import org.springframework.amqp.core.Declarables;
import org.springframework.amqp.core.Exchange;
import org.springframework.amqp.core.Queue;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The RabbitMQ definitions file operators load (k8s/base/rabbitmq/definitions.json)
 * declares exactly what the services declare at start-up, with the same arguments: a
 * difference would make one of them fail with PRECONDITION_FAILED.
 */
class DefinitionsFileTests {

	private static final Path DEFINITIONS = Path.of("..", "k8s", "base", "rabbitmq", "definitions.json");

	private final JsonNode definitions = Messages.json().readTree(DEFINITIONS.toFile());

	private final Declarables declared = new Declarables(Stream
		.of(TopologyDeclarations.all(Topology.DEFAULT),
				TopologyDeclarations.retries(Topology.DEFAULT, TopologyDeclarations.DEFAULT_RETRY_DELAYS))
		.flatMap((declarables) -> declarables.getDeclarables().stream())
		.toList());

	@Test
	void definitionsHoldTheSameExchangesAsTheServicesDeclare() {
		Set<String> inFile = new HashSet<>();
		this.definitions.get("exchanges")
			.forEach((exchange) -> inFile.add(exchange.get("name").asString() + " " + exchange.get("type").asString()
					+ " durable=" + exchange.get("durable").asBoolean()));
		Set<String> inCode = new HashSet<>();
		this.declared.getDeclarablesByType(Exchange.class)
			.forEach((exchange) -> inCode
				.add(exchange.getName() + " " + exchange.getType() + " durable=" + exchange.isDurable()));
		assertThat(inFile).isEqualTo(inCode);
	}

	@Test
	@SuppressWarnings("unchecked")
	void definitionsHoldTheSameQueuesWithTheSameArguments() {
		Map<String, Map<String, Object>> inFile = new HashMap<>();
		this.definitions.get("queues").forEach((queue) -> {
			assertThat(queue.get("durable").asBoolean()).as(queue.get("name").asString()).isTrue();
			inFile.put(queue.get("name").asString(), Messages.json().convertValue(queue.get("arguments"), Map.class));
		});
		Map<String, Map<String, Object>> inCode = new HashMap<>();
		this.declared.getDeclarablesByType(Queue.class)
			.forEach((queue) -> inCode.put(queue.getName(), queue.getArguments()));
		assertThat(inFile).isEqualTo(inCode);
	}

	@Test
	void definitionsHoldTheSameBindings() {
		Set<String> inFile = new HashSet<>();
		this.definitions.get("bindings")
			.forEach((binding) -> inFile.add(binding.get("source").asString() + " -> "
					+ binding.get("destination").asString() + " [" + binding.get("routing_key").asString() + "]"));
		Set<String> inCode = new HashSet<>();
		this.declared.getDeclarablesByType(Binding.class)
			.forEach((binding) -> inCode
				.add(binding.getExchange() + " -> " + binding.getDestination() + " [" + binding.getRoutingKey() + "]"));
		assertThat(inFile).isEqualTo(inCode);
	}

	/**
	 * A policy, not a queue argument, so that brokers whose email queue exists already
	 * take it: while PostgreSQL is down the email sender requeues each outcome event, and
	 * on RabbitMQ 4 a quorum queue's default delivery limit (20) would dead-letter it.
	 */
	@Test
	void theEmailQueueHasADeliveryLimitNobodyReaches() {
		JsonNode policies = this.definitions.get("policies");
		assertThat(policies).isNotNull();
		JsonNode policy = null;
		for (JsonNode candidate : policies) {
			if (java.util.regex.Pattern.matches(candidate.get("pattern").asString(), Topology.DEFAULT.emailQueue())) {
				policy = candidate;
			}
		}
		assertThat(policy).as("a policy for " + Topology.DEFAULT.emailQueue()).isNotNull();
		assertThat(policy.get("apply-to").asString()).isEqualTo("quorum_queues");
		assertThat(policy.get("definition").get("delivery-limit").asInt())
			.isEqualTo(TopologyDeclarations.DEAD_LETTER_DELIVERY_LIMIT);
		// Only the email queue: the task queue's limit parks a task that keeps coming
		// back.
		assertThat(java.util.regex.Pattern.matches(policy.get("pattern").asString(), Topology.DEFAULT.generateQueue()))
			.isFalse();
		assertThat(java.util.regex.Pattern.matches(policy.get("pattern").asString(),
				Topology.DEFAULT.emailDeadLetterQueue()))
			.isFalse();
	}

}
