package dev.offload.worker.pipeline;

import dev.offload.model.ReportEvent;
import dev.offload.model.Topology;

import org.springframework.amqp.AmqpException;
import org.springframework.stereotype.Component;

/**
 * Publishes report events to the events fanout and waits until the broker has confirmed
 * each: an event counts as published only once the broker has taken it (and routed it to
 * at least one queue, unless no durable queue needs it: a RUNNING or PROGRESS event,
 * which only live status and audit hear if they listen, and an outcome recorded with its
 * email whose owner has no webhook endpoint).
 */
@Component
class ReportEventPublisher {

	private final ConfirmedPublisher publisher;

	private final Topology topology;

	ReportEventPublisher(ConfirmedPublisher publisher, Topology topology) {
		this.publisher = publisher;
		this.topology = topology;
	}

	/**
	 * Publishes an event and waits for the broker's confirm.
	 * @param event the event
	 * @throws AmqpException if the broker did not confirm the event in time, refused it,
	 * or could not route an outcome (a RUNNING or PROGRESS event may reach no queue: an
	 * api-service replica binds its live status queue only while a browser watches it)
	 */
	void publish(ReportEvent event) {
		publishLater(event).await();
	}

	/**
	 * Publishes an event without waiting for the broker's confirm; the caller awaits it
	 * before publishing the report's next event, so events of one report never overtake
	 * each other.
	 * @param event the event
	 * @return the publication, to await
	 * @throws AmqpException if the event could not be sent
	 */
	ConfirmedPublisher.Publication publishLater(ReportEvent event) {
		return publishLater(event, this.topology.eventRoutingKey(event.type()), event.type().isOutcome());
	}

	/**
	 * Publishes the outcome of a report this worker recorded and waits for the broker's
	 * confirm: for the fanout's subscribers alone if its email was recorded with it
	 * (whose owner had no webhook endpoint when the report was claimed), which no durable
	 * queue then needs; for the email and webhooks queues too otherwise.
	 * @param event the event
	 * @param mailedWithOutcome whether the outcome went with its email, in the
	 * transaction that recorded it ({@link Reports#succeed}, {@link Reports#failAndMail})
	 * @throws AmqpException if the broker did not confirm the event in time, refused it,
	 * or could not route it to a queue that must have it
	 */
	void publish(ReportEvent event, boolean mailedWithOutcome) {
		publishLater(event, mailedWithOutcome).await();
	}

	/**
	 * {@link #publish(ReportEvent, boolean)} without waiting for the confirm, as
	 * {@link #publishLater(ReportEvent)}.
	 * @param event the event
	 * @param mailedWithOutcome whether the outcome went with its email
	 * @return the publication, to await
	 * @throws AmqpException if the event could not be sent
	 */
	ConfirmedPublisher.Publication publishLater(ReportEvent event, boolean mailedWithOutcome) {
		if (!mailedWithOutcome) {
			return publishLater(event);
		}
		// No durable queue takes it: neither subscriber of outcomes has anything left to
		// do. Live status and audit hear it if they are listening; none may be.
		return publishLater(event, this.topology.eventRoutingKeyMailedWithoutWebhook(event.type()), false);
	}

	private ConfirmedPublisher.Publication publishLater(ReportEvent event, String routingKey, boolean mustRoute) {
		return this.publisher.publishLater(this.topology.eventsExchange(), routingKey, event,
				"event " + event.messageId(), (message) -> message, mustRoute);
	}

}
