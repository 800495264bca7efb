package dev.offload.api.webhook;

import dev.offload.model.ReportEvent;
import org.slf4j.MDC;

import org.springframework.amqp.ImmediateRequeueAmqpException;
import org.springframework.amqp.rabbit.annotation.RabbitListener;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.stereotype.Component;

/**
 * Consumes report events from {@code reports.events.webhooks}, one durable queue that
 * every API replica consumes from (competing consumers), and records the webhook events
 * of finished reports. Acknowledged once recorded; requeued while PostgreSQL is
 * unavailable; anything else (an unreadable message) is dead-lettered to
 * {@code reports.events.webhooks.dlq}.
 */
@Component
class ReportWebhookListener {

	private final ReportWebhooks reportWebhooks;

	ReportWebhookListener(ReportWebhooks reportWebhooks) {
		this.reportWebhooks = reportWebhooks;
	}

	@RabbitListener(id = "reportWebhooks", queues = "#{topology.webhooksQueue()}",
			containerFactory = "webhooksContainerFactory")
	void on(ReportEvent event) {
		if (event.type() != ReportEvent.Type.SUCCEEDED && event.type() != ReportEvent.Type.FAILED) {
			return;
		}
		try (MDC.MDCCloseable mdc = MDC.putCloseable("reportId", event.reportId().toString())) {
			this.reportWebhooks.finished(event);
		}
		catch (DataAccessResourceFailureException | TransientDataAccessException ex) {
			// The container dead-letters anything else it is thrown; this event is fine
			// and only waits for the database.
			throw new ImmediateRequeueAmqpException("Could not record the webhooks of " + event.messageId(), ex);
		}
	}

}
