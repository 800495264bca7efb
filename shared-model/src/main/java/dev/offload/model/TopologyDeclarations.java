package dev.offload.model;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

import org.springframework.amqp.core.Binding;
import org.springframework.amqp.core.BindingBuilder;
import org.springframework.amqp.core.Declarable;
import org.springframework.amqp.core.Declarables;
import org.springframework.amqp.core.DirectExchange;
import org.springframework.amqp.core.ExchangeBuilder;
import org.springframework.amqp.core.FanoutExchange;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.core.QueueBuilder;

/**
 * The exchanges, queues and bindings of a {@link Topology}, as Spring AMQP declarations.
 * Each service registers {@link #all(Topology)} as a bean, so whichever starts first
 * creates the topology and the others find it as declared (a declaration with other
 * arguments would fail, so there is only this one).
 */
public final class TopologyDeclarations {

	/**
	 * The default delays of the retries of a failed report: 5 s, 30 s, 2 min, 10 min.
	 */
	public static final List<Duration> DEFAULT_RETRY_DELAYS = List.of(Duration.ofSeconds(5), Duration.ofSeconds(30),
			Duration.ofMinutes(2), Duration.ofMinutes(10));

	/**
	 * The delivery limit of the dead letter queues: high enough that looking at a parked
	 * message never uses it up.
	 */
	public static final int DEAD_LETTER_DELIVERY_LIMIT = 1_000_000;

	private TopologyDeclarations() {
	}

	/**
	 * Every exchange, queue and binding of the topology.
	 * @param topology the names
	 * @return the declarations
	 */
	public static Declarables all(Topology topology) {
		DirectExchange tasks = ExchangeBuilder.directExchange(topology.tasksExchange()).durable(true).build();
		FanoutExchange events = ExchangeBuilder.fanoutExchange(topology.eventsExchange()).durable(true).build();
		DirectExchange outcomes = ExchangeBuilder.directExchange(topology.outcomesExchange()).durable(true).build();
		DirectExchange deadLetters = ExchangeBuilder.directExchange(topology.deadLetterExchange())
			.durable(true)
			.build();

		// Quorum queues: replicated and durable, the queue type RabbitMQ recommends for
		// data
		// that must not be lost; they also count deliveries (x-delivery-count).
		// At-least-once dead-lettering: a quorum queue drops a dead letter it cannot
		// route
		// by default; with this strategy it keeps it until the target queue confirms it.
		Queue generate = taskQueue(topology, ReportPriority.INTERACTIVE);
		Queue bulk = taskQueue(topology, ReportPriority.BULK);
		Queue email = QueueBuilder.durable(topology.emailQueue())
			.quorum()
			.deadLetterExchange(topology.deadLetterExchange())
			.deadLetterRoutingKey(topology.emailDeadLetterRoutingKey())
			.withArgument("x-dead-letter-strategy", "at-least-once")
			.overflow(QueueBuilder.Overflow.rejectPublish)
			.build();
		// api-service records webhooks from this one: one queue shared by every replica.
		Queue webhooks = QueueBuilder.durable(topology.webhooksQueue())
			.quorum()
			.deadLetterExchange(topology.deadLetterExchange())
			.deadLetterRoutingKey(topology.webhooksDeadLetterRoutingKey())
			.withArgument("x-dead-letter-strategy", "at-least-once")
			.overflow(QueueBuilder.Overflow.rejectPublish)
			.build();
		// A parked message waits for an operator, who looks at it (basic.get and requeue,
		// here or in the management UI) as often as needed. RabbitMQ 4.0 to 4.2 count
		// each
		// such return as a delivery, and a quorum queue drops a message past its delivery
		// limit (20 by default) when, like these, it has nowhere to dead-letter it. A
		// limit
		// no one reaches keeps them on every version (-1, "no limit" on 4.x, means 0 on
		// 3.x).
		Queue generateDlq = QueueBuilder.durable(topology.generateDeadLetterQueue())
			.quorum()
			.deliveryLimit(DEAD_LETTER_DELIVERY_LIMIT)
			.build();
		Queue emailDlq = QueueBuilder.durable(topology.emailDeadLetterQueue())
			.quorum()
			.deliveryLimit(DEAD_LETTER_DELIVERY_LIMIT)
			.build();

		Queue webhooksDlq = QueueBuilder.durable(topology.webhooksDeadLetterQueue())
			.quorum()
			.deliveryLimit(DEAD_LETTER_DELIVERY_LIMIT)
			.build();

		Binding generateBinding = BindingBuilder.bind(generate).to(tasks).with(topology.generateRoutingKey());
		Binding bulkBinding = BindingBuilder.bind(bulk)
			.to(tasks)
			.with(topology.generateRoutingKey(ReportPriority.BULK));
		Binding outcomesBinding = BindingBuilder.bind(outcomes).to(events);
		List<Binding> outcomeBindings = new ArrayList<>();
		for (Queue queue : List.of(email, webhooks)) {
			for (String key : outcomeRoutingKeys(topology)) {
				outcomeBindings.add(BindingBuilder.bind(queue).to(outcomes).with(key));
			}
		}
		// An outcome whose owner has no webhook endpoint goes to the email queue alone.
		for (String key : outcomeRoutingKeysWithoutWebhook(topology)) {
			outcomeBindings.add(BindingBuilder.bind(email).to(outcomes).with(key));
		}
		Binding generateDlqBinding = BindingBuilder.bind(generateDlq)
			.to(deadLetters)
			.with(topology.generateDeadLetterRoutingKey());
		Binding emailDlqBinding = BindingBuilder.bind(emailDlq)
			.to(deadLetters)
			.with(topology.emailDeadLetterRoutingKey());
		Binding webhooksDlqBinding = BindingBuilder.bind(webhooksDlq)
			.to(deadLetters)
			.with(topology.webhooksDeadLetterRoutingKey());

		List<Declarable> declarables = new ArrayList<>(List.of(tasks, events, outcomes, deadLetters, generate, bulk,
				email, webhooks, generateDlq, emailDlq, webhooksDlq, generateBinding, bulkBinding, outcomesBinding,
				generateDlqBinding, emailDlqBinding, webhooksDlqBinding));
		declarables.addAll(outcomeBindings);
		return new Declarables(declarables);
	}

	/**
	 * The routing keys the outcome subscribers' queues bind with: the outcome types, and
	 * the empty key, which publishers before {@link Topology#eventRoutingKey} sent every
	 * event with (during a rolling upgrade their outcomes still arrive; their RUNNING and
	 * PROGRESS events too, which the subscribers drop as before).
	 * @param topology the names
	 * @return the keys
	 */
	static List<String> outcomeRoutingKeys(Topology topology) {
		List<String> keys = new ArrayList<>();
		for (ReportEvent.Type type : ReportEvent.Type.values()) {
			if (type.isOutcome()) {
				keys.add(topology.eventRoutingKey(type));
			}
		}
		keys.add("");
		return keys;
	}

	/**
	 * The routing keys of outcomes whose owner had no webhook endpoint
	 * ({@link Topology#eventRoutingKeyWithoutWebhook}): only the email queue binds with
	 * them.
	 * @param topology the names
	 * @return the keys
	 */
	static List<String> outcomeRoutingKeysWithoutWebhook(Topology topology) {
		List<String> keys = new ArrayList<>();
		for (ReportEvent.Type type : ReportEvent.Type.values()) {
			if (type.isOutcome()) {
				keys.add(topology.eventRoutingKeyWithoutWebhook(type));
			}
		}
		return keys;
	}

	/**
	 * Bindings earlier versions declared that this one replaces, for a service that
	 * declares the topology to remove at start-up (declaring never removes a binding):
	 * the email and webhooks queues bound to the events fanout itself, which would now
	 * hear every outcome twice and every RUNNING and PROGRESS event. A deployment that
	 * loads the definitions file removes them once by hand (README, "Upgrading").
	 * @param topology the names
	 * @return the bindings, to remove if present
	 */
	public static List<Binding> replacedBindings(Topology topology) {
		return List.of(
				new Binding(topology.emailQueue(), Binding.DestinationType.QUEUE, topology.eventsExchange(), "", null),
				new Binding(topology.webhooksQueue(), Binding.DestinationType.QUEUE, topology.eventsExchange(), "",
						null));
	}

	/**
	 * The task queue of a lane. Both lanes park what cannot be built in the one task DLQ.
	 */
	private static Queue taskQueue(Topology topology, ReportPriority priority) {
		return QueueBuilder.durable(topology.generateQueue(priority))
			.quorum()
			.deadLetterExchange(topology.deadLetterExchange())
			.deadLetterRoutingKey(topology.generateDeadLetterRoutingKey())
			.withArgument("x-dead-letter-strategy", "at-least-once")
			.overflow(QueueBuilder.Overflow.rejectPublish)
			.build();
	}

	/**
	 * The delayed-retry queues for the given delays: each holds a failed task for its
	 * delay (a queue TTL), then dead-letters it back to the tasks exchange, so a retry
	 * never sleeps on a consumer thread.
	 * @param topology the names
	 * @param delays the delay of each retry, in order
	 * @return the retry exchange, its queues and their bindings
	 */
	public static Declarables retries(Topology topology, List<Duration> delays) {
		List<Declarable> declarables = new ArrayList<>();
		DirectExchange retry = ExchangeBuilder.directExchange(topology.retryExchange()).durable(true).build();
		declarables.add(retry);
		for (ReportPriority priority : ReportPriority.values()) {
			for (Duration delay : new LinkedHashSet<>(delays)) {
				Queue queue = QueueBuilder.durable(topology.retryQueue(priority, delay))
					.quorum()
					.ttl(Math.toIntExact(delay.toMillis()))
					.deadLetterExchange(topology.tasksExchange())
					.deadLetterRoutingKey(topology.generateRoutingKey(priority))
					.withArgument("x-dead-letter-strategy", "at-least-once")
					.overflow(QueueBuilder.Overflow.rejectPublish)
					.build();
				declarables.add(queue);
				declarables.add(BindingBuilder.bind(queue).to(retry).with(topology.retryRoutingKey(priority, delay)));
			}
		}
		return new Declarables(declarables);
	}

}
