package dev.offload.worker.generation;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.offload.model.ReportEvent;
import dev.offload.model.Topology;
import dev.offload.worker.WorkerProperties;

import org.springframework.amqp.AmqpException;
import org.springframework.amqp.core.ReturnedMessage;
import org.springframework.amqp.rabbit.connection.CorrelationData;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.stereotype.Component;

/**
 * Publishes report events to the events fanout and waits until the broker has confirmed
 * each: an event counts as published only once the broker has taken it (and routed it to
 * at least one queue).
 */
@Component
class ReportEventPublisher {

	private final RabbitTemplate rabbit;

	private final Topology topology;

	private final Duration confirmTimeout;

	ReportEventPublisher(RabbitTemplate rabbit, Topology topology, WorkerProperties properties) {
		this.rabbit = rabbit;
		this.topology = topology;
		this.confirmTimeout = properties.publishConfirmTimeout();
	}

	/**
	 * Publishes an event and waits for the broker's confirm.
	 * @param event the event
	 * @throws AmqpException if the broker did not confirm the event in time, refused it,
	 * or could not route it
	 */
	void publish(ReportEvent event) {
		CorrelationData correlation = new CorrelationData(event.messageId());
		this.rabbit.convertAndSend(this.topology.eventsExchange(), "", event, correlation);
		CorrelationData.Confirm confirm = awaitConfirm(correlation);
		if (!confirm.ack()) {
			throw new AmqpException("Broker refused event " + event.messageId() + ": " + confirm.reason());
		}
		// With correlated confirms and returns, a returned message is recorded before its
		// confirm completes.
		ReturnedMessage returned = correlation.getReturned();
		if (returned != null) {
			throw new AmqpException("Event " + event.messageId() + " was not routed to any queue: "
					+ returned.getReplyCode() + " " + returned.getReplyText());
		}
	}

	private CorrelationData.Confirm awaitConfirm(CorrelationData correlation) {
		try {
			return correlation.getFuture().get(this.confirmTimeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new AmqpException("Interrupted while waiting for the confirm of " + correlation.getId(), ex);
		}
		catch (ExecutionException | TimeoutException ex) {
			throw new AmqpException("No confirm for " + correlation.getId() + " within " + this.confirmTimeout, ex);
		}
	}

}
