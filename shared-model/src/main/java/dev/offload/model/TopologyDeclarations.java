package dev.offload.model;

import org.springframework.amqp.core.Binding;
import org.springframework.amqp.core.BindingBuilder;
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
		DirectExchange deadLetters = ExchangeBuilder.directExchange(topology.deadLetterExchange())
			.durable(true)
			.build();

		// Quorum queues: replicated and durable, the queue type RabbitMQ recommends for
		// data
		// that must not be lost; they also count deliveries (x-delivery-count).
		Queue generate = QueueBuilder.durable(topology.generateQueue())
			.quorum()
			.deadLetterExchange(topology.deadLetterExchange())
			.deadLetterRoutingKey(topology.generateDeadLetterRoutingKey())
			.build();
		Queue email = QueueBuilder.durable(topology.emailQueue())
			.quorum()
			.deadLetterExchange(topology.deadLetterExchange())
			.deadLetterRoutingKey(topology.emailDeadLetterRoutingKey())
			.build();
		Queue generateDlq = QueueBuilder.durable(topology.generateDeadLetterQueue()).quorum().build();
		Queue emailDlq = QueueBuilder.durable(topology.emailDeadLetterQueue()).quorum().build();

		Binding generateBinding = BindingBuilder.bind(generate).to(tasks).with(topology.generateRoutingKey());
		Binding emailBinding = BindingBuilder.bind(email).to(events);
		Binding generateDlqBinding = BindingBuilder.bind(generateDlq)
			.to(deadLetters)
			.with(topology.generateDeadLetterRoutingKey());
		Binding emailDlqBinding = BindingBuilder.bind(emailDlq)
			.to(deadLetters)
			.with(topology.emailDeadLetterRoutingKey());

		return new Declarables(tasks, events, deadLetters, generate, email, generateDlq, emailDlq, generateBinding,
				emailBinding, generateDlqBinding, emailDlqBinding);
	}

}
