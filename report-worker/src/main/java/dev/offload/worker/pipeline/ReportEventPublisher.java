package dev.offload.worker.pipeline;

import dev.offload.model.ReportEvent;
import dev.offload.model.Topology;
import dev.offload.worker.WorkerProperties;

import org.springframework.amqp.AmqpException;
import org.springframework.stereotype.Component;

/**
 * Publishes report events to the events fanout and waits until the broker has confirmed
 * each: an event counts as published only once the broker has taken it (and routed it to
 * at least one queue, unless no durable queue needs it: an outcome recorded with its
 * email whose owner has no webhook endpoint).
 */
@Component
class ReportEventPublisher {

	private final ConfirmedPublisher publisher;

	private final Topology topology;

	private final boolean skipWebhooksQueue;

	ReportEventPublisher(ConfirmedPublisher publisher, Topology topology, WorkerProperties properties) {
		this.publisher = publisher;
		this.topology = topology;
		this.skipWebhooksQueue = properties.skipWebhooksQueue();
	}

	/**
	 * Publishes an event and waits for the broker's confirm.
	 * @param event the event
	 * @throws AmqpException if the broker did not confirm the event in time, refused it,
	 * or could not route it
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
		return publishLater(event, this.topology.eventRoutingKey(event.type()), true);
	}

	/**
	 * Publishes the outcome of a report this worker claimed and waits for the broker's
	 * confirm: for the webhooks queue too only if the report's owner had a webhook
	 * endpoint when it was claimed (or {@code offload.worker.skip-webhooks-queue} is
	 * off), and for the email queue only if its email was not recorded with the outcome.
	 * @param event the event
	 * @param claim the report's claim
	 * @param mailed whether the outcome's email was recorded in the transaction that
	 * recorded the outcome ({@link OutcomeEmails})
	 * @throws AmqpException if the broker did not confirm the event in time, refused it,
	 * or could not route it to a queue that must have it
	 */
	void publish(ReportEvent event, Reports.Claim claim, boolean mailed) {
		publishLater(event, claim, mailed).await();
	}

	/**
	 * {@link #publish(ReportEvent, Reports.Claim, boolean)} without waiting for the
	 * confirm, as {@link #publishLater(ReportEvent)}.
	 * @param event the event
	 * @param claim the report's claim
	 * @param mailed whether the outcome's email was recorded with the outcome
	 * @return the publication, to await
	 * @throws AmqpException if the event could not be sent
	 */
	ConfirmedPublisher.Publication publishLater(ReportEvent event, Reports.Claim claim, boolean mailed) {
		if (!this.skipWebhooksQueue || !event.type().isOutcome() || claim.webhooks()) {
			return publishLater(event, this.topology.eventRoutingKey(event.type()), true);
		}
		if (!mailed) {
			return publishLater(event, this.topology.eventRoutingKeyWithoutWebhook(event.type()), true);
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
