package dev.offload.worker.email;

import dev.offload.model.ReportEvent;
import dev.offload.worker.TransientFailures;
import org.slf4j.MDC;

import org.springframework.amqp.ImmediateRequeueAmqpException;
import org.springframework.amqp.rabbit.annotation.RabbitListener;
import org.springframework.stereotype.Component;

/**
 * Consumes report events and records the email telling the report's owner about its
 * outcome in the outbox; sending it is the outbox's job, so an SMTP outage never holds an
 * event. Events that are not outcomes (RUNNING, PROGRESS) are acknowledged and dropped.
 * If PostgreSQL is unavailable the event is requeued (not dead-lettered) and recorded
 * once it is back.
 */
@Component
class ReportEmailListener {

	private final ReportMailer mailer;

	ReportEmailListener(ReportMailer mailer) {
		this.mailer = mailer;
	}

	@RabbitListener(id = "reportEmails", queues = "#{topology.emailQueue()}",
			containerFactory = "emailListenerContainerFactory")
	void on(ReportEvent event) {
		if (!event.type().isOutcome()) {
			return;
		}
		try (MDC.MDCCloseable mdc = MDC.putCloseable("reportId", event.reportId().toString())) {
			this.mailer.mailOutcome(event);
		}
		catch (RuntimeException ex) {
			if (TransientFailures.isTransient(ex)) {
				// The container dead-letters anything else it is thrown; this event is
				// fine and only waits for the database. Recording it takes a connection
				// timeout each time, so the requeue does not spin.
				throw new ImmediateRequeueAmqpException("Could not record the email of " + event.messageId(), ex);
			}
			throw ex;
		}
	}

}
