package dev.offload.api.messaging;

import java.time.Instant;

import dev.offload.api.report.ReportCancelled;
import dev.offload.model.ReportEvent;
import dev.offload.model.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.amqp.AmqpException;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.event.TransactionalEventListener;

/**
 * Announces a committed cancellation on {@code reports.events}, so every subscriber hears
 * of it like of any other outcome: open report pages on any replica (live status), the
 * email sender (one "cancelled" email), audit. The status is already in PostgreSQL, so
 * should the broker be unreachable the announcement is logged and dropped: pages catch up
 * from the database, and the owner, who cancelled it, gets no email.
 */
@Component
class CancellationAnnouncer {

	private static final Logger logger = LoggerFactory.getLogger(CancellationAnnouncer.class);

	private final RabbitTemplate rabbit;

	private final Topology topology;

	CancellationAnnouncer(RabbitTemplate rabbit, Topology topology) {
		this.rabbit = rabbit;
		this.topology = topology;
	}

	@TransactionalEventListener
	void on(ReportCancelled cancelled) {
		ReportEvent event = new ReportEvent(cancelled.reportId(), ReportEvent.Type.CANCELLED, 0, Instant.now(),
				cancelled.owner(), cancelled.type(), cancelled.format(), null, null);
		try {
			this.rabbit.convertAndSend(this.topology.eventsExchange(), this.topology.eventRoutingKey(event.type()),
					event);
		}
		catch (AmqpException ex) {
			logger.warn("Could not announce the cancellation of report {}: {}", cancelled.reportId(), ex.getMessage());
		}
	}

}
