package dev.offload.worker.email;

import java.io.IOException;
import java.util.List;

import com.rabbitmq.client.Channel;
import dev.offload.model.ReportEvent;
import dev.offload.model.ReportEventBatches;
import dev.offload.model.ReportEventBatches.Failure;
import dev.offload.worker.TransientFailures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.amqp.core.Message;
import org.springframework.amqp.rabbit.annotation.RabbitListener;
import org.springframework.amqp.support.converter.MessageConverter;
import org.springframework.stereotype.Component;

/**
 * Consumes report outcomes and records the emails telling the reports' owners about them
 * in the outbox; sending them is the outbox's job, so an SMTP outage never holds an
 * event. The worker that records an outcome of an owner without a webhook endpoint
 * records its email with it ({@link ReportMailer#record}) and publishes it for no durable
 * queue; the other outcomes come here: those of owners with an endpoint, the failure
 * after the last retry, cancellations, outcomes announced again or replayed, and those of
 * workers before that. Events that are not outcomes (RUNNING, PROGRESS) are acknowledged
 * and dropped.
 * <p>
 * Events come in batches of up to {@code EMAIL_BATCH}: one statement records a batch's
 * emails, and one acknowledgement covers it. The batch is settled as
 * {@link ReportEventBatches} says: while PostgreSQL is unavailable it is requeued, not
 * dead-lettered, and recorded once it is back; an unreadable event (no JSON, an unknown
 * schema version), or one whose email cannot be recorded for any other reason, is
 * rejected without requeue, so the broker dead-letters it to
 * {@code reports.events.email.dlq}, and only it.
 */
@Component
class ReportEmailListener implements ReportEventBatches.Work {

	private static final Logger logger = LoggerFactory.getLogger(ReportEmailListener.class);

	private final ReportMailer mailer;

	private final MessageConverter converter;

	ReportEmailListener(ReportMailer mailer, MessageConverter converter) {
		this.mailer = mailer;
		this.converter = converter;
	}

	@RabbitListener(id = "reportEmails", queues = "#{topology.emailQueue()}",
			containerFactory = "emailListenerContainerFactory")
	void on(List<Message> messages, Channel channel) throws IOException {
		ReportEventBatches.handle(messages, channel, this.converter, this, logger);
	}

	@Override
	public void handle(List<ReportEvent> events) {
		List<ReportEvent> outcomes = events.stream().filter((event) -> event.type().isOutcome()).toList();
		if (!outcomes.isEmpty()) {
			this.mailer.mailOutcomes(outcomes);
		}
	}

	@Override
	public Failure classify(RuntimeException failure) {
		// This batch is fine and only waits for the database. Recording it takes a
		// connection timeout each time, so the requeue does not spin.
		return TransientFailures.isTransient(failure) ? Failure.UNREACHABLE : Failure.PERMANENT;
	}

}
