package dev.offload.api.admin;

import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;
import dev.offload.model.Messages;
import dev.offload.model.ReportEvent;
import dev.offload.model.ReportTask;
import dev.offload.model.TaskHeaders;
import dev.offload.model.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.amqp.AmqpIOException;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.connection.Connection;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.amqp.rabbit.connection.CorrelationData;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.amqp.rabbit.support.DefaultMessagePropertiesConverter;
import org.springframework.amqp.support.converter.MessageConversionException;
import org.springframework.amqp.support.converter.MessageConverter;
import org.springframework.stereotype.Service;

/**
 * Lists and replays the tasks parked in {@code reports.generate.dlq}.
 * <p>
 * Both read the queue with {@code basic.get} on a channel of their own and no automatic
 * acknowledgement: a listed message, or one not replayed, goes back to the queue when the
 * channel closes. A replayed one is acknowledged only after its report was queued again
 * in PostgreSQL, where the relay publishes it like any new report: should the replay die
 * half-way, the message is still in the dead letter queue.
 */
@Service
class DeadLetters {

	private static final Logger logger = LoggerFactory.getLogger(DeadLetters.class);

	private static final long CONFIRM_TIMEOUT_SECONDS = 10;

	private final ConnectionFactory connectionFactory;

	private final MessageConverter converter;

	private final Topology topology;

	private final ReplayedReports reports;

	private final RabbitTemplate rabbit;

	private final DefaultMessagePropertiesConverter propertiesConverter = new DefaultMessagePropertiesConverter();

	DeadLetters(ConnectionFactory connectionFactory, MessageConverter converter, Topology topology,
			ReplayedReports reports, RabbitTemplate rabbit) {
		this.connectionFactory = connectionFactory;
		this.converter = converter;
		this.topology = topology;
		this.reports = reports;
		this.rabbit = rabbit;
	}

	/**
	 * How many tasks are parked.
	 * @return the dead letter queue's depth
	 */
	long depth() {
		return withChannel(
				(channel) -> channel.queueDeclarePassive(this.topology.generateDeadLetterQueue()).getMessageCount());
	}

	/**
	 * The oldest parked tasks, left in the queue.
	 * @param limit how many at most
	 * @return the tasks, oldest first
	 */
	List<DeadLetter> list(int limit) {
		return withChannel((channel) -> {
			List<DeadLetter> letters = new ArrayList<>();
			long lastTag = 0;
			for (int i = 0; i < limit; i++) {
				GetResponse response = channel.basicGet(this.topology.generateDeadLetterQueue(), false);
				if (response == null) {
					break;
				}
				lastTag = response.getEnvelope().getDeliveryTag();
				letters.add(read(response));
			}
			returnToQueue(channel, lastTag);
			return letters;
		});
	}

	/**
	 * Replays parked tasks: each readable task whose report is FAILED (or still QUEUED)
	 * is queued again and taken off the dead letter queue; one whose report finished
	 * otherwise or no longer exists is taken off without replay.
	 * @param only the reports to replay; empty for every parked task
	 * @param limit how many messages to look at at most
	 * @return what was done
	 */
	DeadLetterReplay replay(Set<UUID> only, int limit) {
		return withChannel((channel) -> {
			List<UUID> replayed = new ArrayList<>();
			List<DeadLetterReplay.Discarded> discarded = new ArrayList<>();
			int kept = 0;
			long lastKeptTag = 0;
			for (int i = 0; i < limit; i++) {
				GetResponse response = channel.basicGet(this.topology.generateDeadLetterQueue(), false);
				if (response == null) {
					break;
				}
				DeadLetter letter = read(response);
				if (!letter.readable() || (!only.isEmpty() && !only.contains(letter.reportId()))) {
					kept++;
					lastKeptTag = response.getEnvelope().getDeliveryTag();
					continue;
				}
				ReplayedReports.Outcome outcome = this.reports.requeue(letter.reportId());
				if (outcome == ReplayedReports.Outcome.REQUEUED) {
					replayed.add(letter.reportId());
					logger.info("Replayed the parked task of report {}", letter.reportId());
				}
				else {
					discarded.add(new DeadLetterReplay.Discarded(letter.reportId(), outcome.reason()));
					logger.info("Dropped the parked task of report {}: {}", letter.reportId(), outcome.reason());
				}
				channel.basicAck(response.getEnvelope().getDeliveryTag(), false);
			}
			returnToQueue(channel, lastKeptTag);
			return new DeadLetterReplay(replayed, discarded, kept);
		});
	}

	/**
	 * Replays the report events parked in {@code reports.events.email.dlq} (an event the
	 * email sender could not take, such as one dead-lettered by a delivery limit): each
	 * is published again to the events fanout with a publisher confirm, and only then
	 * taken off the dead letter queue. The email outbox mails each outcome once, so a
	 * replayed event whose email was sent meanwhile adds nothing. Unreadable messages
	 * stay.
	 * @param limit how many messages to look at at most
	 * @return the reports whose events were published again, and how many were kept
	 */
	EmailReplay replayEmails(int limit) {
		return withChannel((channel) -> {
			List<UUID> replayed = new ArrayList<>();
			int kept = 0;
			long lastKeptTag = 0;
			for (int i = 0; i < limit; i++) {
				GetResponse response = channel.basicGet(this.topology.emailDeadLetterQueue(), false);
				if (response == null) {
					break;
				}
				ReportEvent event = readEvent(response);
				if (event == null) {
					kept++;
					lastKeptTag = response.getEnvelope().getDeliveryTag();
					continue;
				}
				publishConfirmed(event);
				channel.basicAck(response.getEnvelope().getDeliveryTag(), false);
				replayed.add(event.reportId());
				logger.info("Replayed the parked {} event of report {}", event.type(), event.reportId());
			}
			returnToQueue(channel, lastKeptTag);
			return new EmailReplay(replayed, kept);
		});
	}

	private void publishConfirmed(ReportEvent event) throws IOException {
		CorrelationData correlation = new CorrelationData(event.messageId());
		this.rabbit.convertAndSend(this.topology.eventsExchange(), this.topology.eventRoutingKey(event.type()), event,
				correlation);
		try {
			CorrelationData.Confirm confirm = correlation.getFuture().get(CONFIRM_TIMEOUT_SECONDS, TimeUnit.SECONDS);
			if (!confirm.isAck() || correlation.getReturned() != null) {
				throw new IOException("The broker did not take the event of report " + event.reportId() + ": "
						+ ((confirm.getReason() != null) ? confirm.getReason() : "unroutable"));
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IOException("Interrupted", ex);
		}
		catch (ExecutionException | TimeoutException ex) {
			throw new IOException("No confirm for the event of report " + event.reportId() + " in time", ex);
		}
	}

	private ReportEvent readEvent(GetResponse response) {
		MessageProperties properties = this.propertiesConverter.toMessageProperties(response.getProps(),
				response.getEnvelope(), "UTF-8");
		try {
			return Messages.read(new Message(response.getBody(), properties), this.converter, ReportEvent.class);
		}
		catch (MessageConversionException ex) {
			return null;
		}
	}

	/**
	 * What a replay of parked email events did.
	 *
	 * @param replayed the reports whose events were published again
	 * @param kept how many messages were left in the queue (unreadable)
	 */
	record EmailReplay(List<UUID> replayed, int kept) {

	}

	/**
	 * Returns every message this channel got and did not acknowledge, up to the given
	 * delivery tag, to the queue.
	 */
	private static void returnToQueue(Channel channel, long lastTag) throws IOException {
		if (lastTag > 0) {
			channel.basicNack(lastTag, true, true);
		}
	}

	private DeadLetter read(GetResponse response) {
		MessageProperties properties = this.propertiesConverter.toMessageProperties(response.getProps(),
				response.getEnvelope(), "UTF-8");
		Map<String, Object> headers = properties.getHeaders();
		Integer attempts = (headers.get(TaskHeaders.ATTEMPTS) instanceof Number number) ? number.intValue() : null;
		String reason = (headers.get(TaskHeaders.FAILURE_REASON) != null)
				? headers.get(TaskHeaders.FAILURE_REASON).toString() : brokerReason(properties);
		Instant failedAt = instant(headers.get(TaskHeaders.FAILED_AT));
		try {
			ReportTask task = Messages.read(new Message(response.getBody(), properties), this.converter,
					ReportTask.class);
			return new DeadLetter(task.reportId(), task.type(), task.owner().userId(), attempts, reason, failedAt,
					true);
		}
		catch (MessageConversionException ex) {
			return new DeadLetter(null, null, null, attempts, "Unreadable: " + ex.getMessage(), failedAt, false);
		}
	}

	/** Why the broker dead-lettered a message, from its {@code x-death} header. */
	private static String brokerReason(MessageProperties properties) {
		List<Map<String, ?>> deaths = properties.getXDeathHeader();
		if (deaths == null || deaths.isEmpty()) {
			return "unknown";
		}
		Object reason = deaths.get(0).get("reason");
		Object queue = deaths.get(0).get("queue");
		return "dead-lettered by the broker from " + queue + ": " + reason;
	}

	private static Instant instant(Object value) {
		if (value == null) {
			return null;
		}
		try {
			return Instant.parse(value.toString());
		}
		catch (DateTimeParseException ex) {
			return null;
		}
	}

	/**
	 * Runs on a channel of its own.
	 */
	private <T> T withChannel(ChannelCallback<T> callback) {
		try (Connection connection = this.connectionFactory.createConnection();
				Channel channel = connection.createChannel(false)) {
			return callback.doWith(channel);
		}
		catch (IOException | TimeoutException ex) {
			throw new AmqpIOException(new IOException("Could not read or replay a dead letter queue", ex));
		}
	}

	@FunctionalInterface
	private interface ChannelCallback<T> {

		T doWith(Channel channel) throws IOException;

	}

}
