package dev.offload.worker.email;

import dev.offload.model.ReportEvent;
import org.slf4j.MDC;

import org.springframework.amqp.rabbit.annotation.RabbitListener;
import org.springframework.stereotype.Component;

/**
 * Consumes report events and tells the report's owner about its outcome. Events that are
 * not outcomes (RUNNING, PROGRESS) are acknowledged and dropped. An event whose mail
 * cannot be sent makes this throw, and the container dead-letters it to
 * {@code reports.events.email.dlq}; retrying with a delay is a later change.
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
	}

}
