package dev.offload.worker.email;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.rabbitmq.client.Channel;
import dev.offload.model.ReportEvent;
import dev.offload.worker.TransientFailures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.amqp.core.Message;
import org.springframework.amqp.rabbit.annotation.RabbitListener;
import org.springframework.amqp.support.converter.MessageConversionException;
import org.springframework.amqp.support.converter.MessageConverter;
import org.springframework.stereotype.Component;

/**
 * Consumes report events and records the emails telling the reports' owners about their
 * outcomes in the outbox; sending them is the outbox's job, so an SMTP outage never holds
 * an event. Events that are not outcomes (RUNNING, PROGRESS) are acknowledged and
 * dropped.
 * <p>
 * Events come in batches of up to {@code EMAIL_BATCH} (every report sends two or more, so
 * this listener hears twice as many messages as the task listener): one statement records
 * a batch's emails, and one acknowledgement covers it. What happens to each event is as
 * it was one at a time:
 * <ul>
 * <li>recorded (or dropped): acknowledged;</li>
 * <li>PostgreSQL unavailable: requeued, not dead-lettered, and recorded once it is
 * back;</li>
 * <li>unreadable (no JSON, an unknown schema version), or an event whose email cannot be
 * recorded for any other reason: rejected without requeue, so the broker dead-letters it
 * to {@code reports.events.email.dlq}, and only it.</li>
 * </ul>
 * The container leaves acknowledging to this listener (manual acknowledgement). Should
 * anything else go wrong, every message of the batch not settled yet is requeued before
 * the failure is thrown on: none is left for the next batch's acknowledgement to cover.
 */
@Component
class ReportEmailListener {

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
		Set<Long> rejected = new HashSet<>();
		try {
			record(messages, channel, rejected);
		}
		catch (RuntimeException | Error ex) {
			// A bug, or the JVM in trouble: no message of the batch may stay unsettled,
			// or the next batch's acknowledgement would cover it unrecorded.
			logger.error("Could not handle a batch of {} events; requeueing them", messages.size(), ex);
			settle(messages, rejected, channel, false);
			throw ex;
		}
	}

	private void record(List<Message> messages, Channel channel, Set<Long> rejected) throws IOException {
		List<Long> outcomeTags = new ArrayList<>(messages.size());
		List<ReportEvent> outcomes = new ArrayList<>(messages.size());
		for (Message message : messages) {
			long tag = message.getMessageProperties().getDeliveryTag();
			ReportEvent event;
			try {
				event = read(message);
			}
			catch (RuntimeException ex) {
				// Not only MessageConversionException: a content type that is no MIME
				// type fails before the converter reads the body.
				logger.warn("Dead-lettering an unreadable event: {}", ex.getMessage());
				channel.basicNack(tag, false, false);
				rejected.add(tag);
				continue;
			}
			if (event.type().isOutcome()) {
				outcomeTags.add(tag);
				outcomes.add(event);
			}
		}
		try {
			if (!outcomes.isEmpty()) {
				this.mailer.mailOutcomes(outcomes);
			}
		}
		catch (RuntimeException ex) {
			if (TransientFailures.isTransient(ex)) {
				// This batch is fine and only waits for the database. Recording it takes
				// a connection timeout each time, so the requeue does not spin.
				logger.warn("Could not record the emails of {} events; requeueing them: {}", outcomes.size(),
						ex.getMessage());
				settle(messages, rejected, channel, false);
				return;
			}
			// Something about one event: find it, as if each had come alone.
			rejected.addAll(oneByOne(outcomeTags, outcomes, channel));
		}
		settle(messages, rejected, channel, true);
	}

	/**
	 * Acknowledges, or requeues, every message of the batch not rejected already, with
	 * one frame: the broker settles all outstanding deliveries up to the last tag.
	 */
	private static void settle(List<Message> messages, Set<Long> rejected, Channel channel, boolean ack)
			throws IOException {
		long last = -1;
		for (Message message : messages) {
			long tag = message.getMessageProperties().getDeliveryTag();
			if (!rejected.contains(tag)) {
				last = Math.max(last, tag);
			}
		}
		if (last < 0) {
			return;
		}
		if (ack) {
			channel.basicAck(last, true);
		}
		else {
			channel.basicNack(last, true, true);
		}
	}

	/**
	 * Records each event's email on its own after recording them together failed.
	 * @return the tags of the events rejected (dead-lettered or requeued)
	 */
	private List<Long> oneByOne(List<Long> tags, List<ReportEvent> events, Channel channel) throws IOException {
		List<Long> rejected = new ArrayList<>();
		for (int i = 0; i < events.size(); i++) {
			try {
				this.mailer.mailOutcomes(List.of(events.get(i)));
			}
			catch (RuntimeException ex) {
				boolean requeue = TransientFailures.isTransient(ex);
				logger.error("Could not record the email of {}; {}", events.get(i).messageId(),
						requeue ? "requeueing it" : "dead-lettering it", ex);
				channel.basicNack(tags.get(i), false, requeue);
				rejected.add(tags.get(i));
			}
		}
		return rejected;
	}

	private ReportEvent read(Message message) {
		// The listener's type decides what a body is read as, never a class name sent
		// by whoever published the message.
		message.getMessageProperties().setInferredArgumentType(ReportEvent.class);
		if (!(this.converter.fromMessage(message) instanceof ReportEvent event)) {
			throw new MessageConversionException("Not a report event");
		}
		return event;
	}

}
