package dev.offload.api.webhook;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.rabbitmq.client.Channel;
import dev.offload.model.ReportEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.amqp.core.Message;
import org.springframework.amqp.rabbit.annotation.RabbitListener;
import org.springframework.amqp.support.converter.MessageConversionException;
import org.springframework.amqp.support.converter.MessageConverter;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.CannotCreateTransactionException;

/**
 * Consumes report events from {@code reports.events.webhooks}, one durable queue that
 * every API replica consumes from (competing consumers), and records the webhook events
 * of finished reports.
 * <p>
 * Events come in batches of up to {@value WebhookConfiguration#WEBHOOK_BATCH}: one query
 * finds which of their owners have an endpoint for them (most have none, and their events
 * record nothing), and one acknowledgement covers the batch. What happens to each event
 * is as it was one at a time:
 * <ul>
 * <li>recorded (or nothing to record): acknowledged;</li>
 * <li>PostgreSQL unreachable: the batch is requeued, not dead-lettered, and recorded once
 * it is back; an event that meets a deadlock or a timeout alone is requeued alone;</li>
 * <li>unreadable (no JSON, an unknown schema version), or an event that cannot be
 * recorded for any other reason: rejected without requeue, so the broker dead-letters it
 * to {@code reports.events.webhooks.dlq}, and only it.</li>
 * </ul>
 * The container leaves acknowledging to this listener (manual acknowledgement). Should
 * anything else go wrong, every message of the batch not settled yet is requeued before
 * the failure is thrown on: none is left for the next batch's acknowledgement to cover.
 */
@Component
class ReportWebhookListener {

	private static final Logger logger = LoggerFactory.getLogger(ReportWebhookListener.class);

	private final ReportWebhooks reportWebhooks;

	private final MessageConverter converter;

	ReportWebhookListener(ReportWebhooks reportWebhooks, MessageConverter converter) {
		this.reportWebhooks = reportWebhooks;
		this.converter = converter;
	}

	@RabbitListener(id = "reportWebhooks", queues = "#{topology.webhooksQueue()}",
			containerFactory = "webhooksContainerFactory")
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
		List<Long> tags = new ArrayList<>(messages.size());
		List<ReportEvent> events = new ArrayList<>(messages.size());
		for (Message message : messages) {
			long tag = message.getMessageProperties().getDeliveryTag();
			try {
				events.add(read(message));
				tags.add(tag);
			}
			catch (RuntimeException ex) {
				// Not only MessageConversionException: a content type that is no MIME
				// type fails before the converter reads the body.
				logger.warn("Dead-lettering an unreadable event: {}", ex.getMessage());
				channel.basicNack(tag, false, false);
				rejected.add(tag);
			}
		}
		try {
			this.reportWebhooks.finished(events);
		}
		catch (RuntimeException ex) {
			if (unreachable(ex)) {
				// The batch is fine and only waits for the database. Recording it takes
				// a connection timeout each time, so the requeue does not spin.
				logger.warn("Could not record the webhooks of {} events; requeueing them: {}", events.size(),
						ex.getMessage());
				settle(messages, rejected, channel, false);
				return;
			}
			// Something about one event (or a deadlock, a lock timeout): find it, as if
			// each had come alone.
			rejected.addAll(oneByOne(tags, events, channel));
		}
		settle(messages, rejected, channel, true);
	}

	/** PostgreSQL could not be reached: every event of the batch would fail alike. */
	private static boolean unreachable(RuntimeException ex) {
		return ex instanceof DataAccessResourceFailureException || ex instanceof CannotCreateTransactionException;
	}

	/** Worth another attempt later: PostgreSQL unreachable, a deadlock, a timeout. */
	private static boolean transientFailure(RuntimeException ex) {
		return unreachable(ex) || ex instanceof TransientDataAccessException;
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
	 * Records each event's webhooks on its own after recording them together failed.
	 * @return the tags of the events rejected (dead-lettered or requeued)
	 */
	private List<Long> oneByOne(List<Long> tags, List<ReportEvent> events, Channel channel) throws IOException {
		List<Long> rejected = new ArrayList<>();
		for (int i = 0; i < events.size(); i++) {
			try {
				this.reportWebhooks.finished(List.of(events.get(i)));
			}
			catch (RuntimeException ex) {
				boolean requeue = transientFailure(ex);
				logger.error("Could not record the webhooks of {}; {}", events.get(i).messageId(),
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
