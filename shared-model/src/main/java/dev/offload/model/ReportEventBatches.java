package dev.offload.model;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.rabbitmq.client.Channel;
import org.slf4j.Logger;

import org.springframework.amqp.core.Message;
import org.springframework.amqp.support.converter.MessageConverter;

/**
 * Settles a batch of report events that a listener takes with manual acknowledgement
 * ({@code consumerBatchEnabled}), the way the services' outcome subscribers do (the
 * worker's email outbox, api-service's webhooks): the container could only settle a batch
 * as a whole, and would dead-letter its good events with a bad one. What happens to each
 * event is as it was one at a time:
 * <ul>
 * <li>done (or nothing to do): acknowledged, the batch with one frame;</li>
 * <li>unreadable (no JSON, no MIME type, an unknown schema version): rejected without
 * requeue, so the broker dead-letters it, and only it;</li>
 * <li>the work failed because what it needs is unreachable ({@link Failure#UNREACHABLE}):
 * the batch is requeued, not dead-lettered (each event would wait for the same
 * timeout);</li>
 * <li>the work failed for another reason: each event is done alone, and only one that
 * fails again is requeued ({@link Failure#TRANSIENT}) or dead-lettered
 * ({@link Failure#PERMANENT}).</li>
 * </ul>
 * Should anything else go wrong (a bug, an {@link Error}), every message of the batch not
 * settled yet is requeued before the failure is thrown on: none is left for the next
 * batch's acknowledgement, which covers every tag up to its own, to settle unhandled.
 */
public final class ReportEventBatches {

	private ReportEventBatches() {
	}

	/**
	 * Reads, handles and settles one batch.
	 * @param messages the batch
	 * @param channel the channel it came on
	 * @param converter the converter (the listener's type decides what a body is read as,
	 * never a class name sent by whoever published the message)
	 * @param work what is done with the batch's events
	 * @param logger the listener's logger
	 * @throws IOException if the channel fails
	 */
	public static void handle(List<Message> messages, Channel channel, MessageConverter converter, Work work,
			Logger logger) throws IOException {
		Set<Long> rejected = new HashSet<>();
		try {
			handle(messages, channel, converter, work, logger, rejected);
		}
		catch (RuntimeException | Error ex) {
			logger.error("Could not handle a batch of {} events; requeueing them", messages.size(), ex);
			settle(messages, rejected, channel, false);
			throw ex;
		}
	}

	private static void handle(List<Message> messages, Channel channel, MessageConverter converter, Work work,
			Logger logger, Set<Long> rejected) throws IOException {
		List<Long> tags = new ArrayList<>(messages.size());
		List<ReportEvent> events = new ArrayList<>(messages.size());
		for (Message message : messages) {
			long tag = message.getMessageProperties().getDeliveryTag();
			try {
				events.add(Messages.read(message, converter, ReportEvent.class));
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
			work.handle(events);
		}
		catch (RuntimeException ex) {
			if (work.classify(ex) == Failure.UNREACHABLE) {
				logger.warn("Could not handle {} events; requeueing them: {}", events.size(), ex.getMessage());
				settle(messages, rejected, channel, false);
				return;
			}
			// Something about one event: find it, as if each had come alone.
			for (int i = 0; i < events.size(); i++) {
				try {
					work.handle(List.of(events.get(i)));
				}
				catch (RuntimeException alone) {
					boolean requeue = work.classify(alone) != Failure.PERMANENT;
					logger.error("Could not handle {}; {}", events.get(i).messageId(),
							requeue ? "requeueing it" : "dead-lettering it", alone);
					channel.basicNack(tags.get(i), false, requeue);
					rejected.add(tags.get(i));
				}
			}
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

	/** What a failure of the work means for the events it was done for. */
	public enum Failure {

		/**
		 * What the work needs cannot be reached: every event would fail alike, for now.
		 */
		UNREACHABLE,

		/** This event may pass later (a deadlock, a timeout): requeued. */
		TRANSIENT,

		/** This event fails the same way each time: dead-lettered. */
		PERMANENT

	}

	/** What a listener does with a batch's events. */
	public interface Work {

		/**
		 * Does the work for these events. It must be idempotent: if this throws, it is
		 * done again for each event alone.
		 * @param events the readable events, in the order they came
		 */
		void handle(List<ReportEvent> events);

		/**
		 * What a failure of {@link #handle} means.
		 * @param failure the failure
		 * @return its kind
		 */
		Failure classify(RuntimeException failure);

	}

}
