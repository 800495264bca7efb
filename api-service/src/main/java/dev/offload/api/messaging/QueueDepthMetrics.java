package dev.offload.api.messaging;

import java.util.List;

import dev.offload.model.Topology;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.amqp.AmqpException;
import org.springframework.amqp.core.AmqpAdmin;
import org.springframework.amqp.core.QueueInformation;
import org.springframework.stereotype.Component;

/**
 * {@code offload.queue.depth} (ready messages) and {@code offload.queue.consumers} of the
 * queues operators watch: the task queue, the email queue and both dead letter queues,
 * tagged {@code queue}. Read from the broker (a passive declare) when scraped, so they
 * work without the management plugin.
 */
@Component
class QueueDepthMetrics implements MeterBinder {

	private static final Logger logger = LoggerFactory.getLogger(QueueDepthMetrics.class);

	private final AmqpAdmin admin;

	private final List<String> queues;

	QueueDepthMetrics(AmqpAdmin admin, Topology topology) {
		this.admin = admin;
		this.queues = List.of(topology.generateQueue(), topology.bulkQueue(), topology.generateDeadLetterQueue(),
				topology.emailQueue(), topology.emailDeadLetterQueue());
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		for (String queue : this.queues) {
			Gauge.builder("offload.queue.depth", () -> read(queue, true))
				.description("Messages ready in the queue")
				.tag("queue", queue)
				.register(registry);
			Gauge.builder("offload.queue.consumers", () -> read(queue, false))
				.description("Consumers of the queue")
				.tag("queue", queue)
				.register(registry);
		}
	}

	private double read(String queue, boolean depth) {
		try {
			QueueInformation info = this.admin.getQueueInfo(queue);
			if (info == null) {
				return Double.NaN;
			}
			return depth ? info.getMessageCount() : info.getConsumerCount();
		}
		catch (AmqpException ex) {
			logger.debug("Could not read queue {}: {}", queue, ex.getMessage());
			return Double.NaN;
		}
	}

}
