package dev.offload.api.admin;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;
import dev.offload.model.ReportEvent;
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
 * Replays the report events parked in {@code reports.events.email.dlq} (an event the
 * email sender could not take, such as one dead-lettered by a delivery limit): each is
 * published again to the events fanout with a publisher confirm, and only then taken off
 * the dead letter queue. The email outbox mails each outcome once, so a replayed event
 * whose email was sent meanwhile adds nothing. Unreadable messages stay for an operator.
 */
@Service
class EmailDeadLetters {

	private static final Logger logger = LoggerFactory.getLogger(EmailDeadLetters.class);

	private static final long CONFIRM_TIMEOUT_SECONDS = 10;

	private final ConnectionFactory connectionFactory;

	private final MessageConverter converter;

	private final Topology topology;

	private final RabbitTemplate rabbit;

	private final DefaultMessagePropertiesConverter propertiesConverter = new DefaultMessagePropertiesConverter();

	EmailDeadLetters(ConnectionFactory connectionFactory, MessageConverter converter, Topology topology,
			RabbitTemplate rabbit) {
		this.connectionFactory = connectionFactory;
		this.converter = converter;
		this.topology = topology;
		this.rabbit = rabbit;
	}

	/**
	 * Replays parked email events.
	 * @param limit how many messages to look at at most
	 * @return the reports whose events were published again, and how many messages were
	 * kept
	 */
	Replay replay(int limit) {
		try (Connection connection = this.connectionFactory.createConnection();
				Channel channel = connection.createChannel(false)) {
			List<UUID> replayed = new ArrayList<>();
			int kept = 0;
			long lastKeptTag = 0;
			for (int i = 0; i < limit; i++) {
				GetResponse response = channel.basicGet(this.topology.emailDeadLetterQueue(), false);
				if (response == null) {
					break;
				}
				ReportEvent event = read(response);
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
			if (lastKeptTag > 0) {
				channel.basicNack(lastKeptTag, true, true);
			}
			return new Replay(replayed, kept);
		}
		catch (IOException | TimeoutException ex) {
			throw new AmqpIOException(new IOException("Could not read the email dead letter queue", ex));
		}
	}

	private void publishConfirmed(ReportEvent event) {
		CorrelationData correlation = new CorrelationData(event.messageId());
		this.rabbit.convertAndSend(this.topology.eventsExchange(), "", event, correlation);
		try {
			CorrelationData.Confirm confirm = correlation.getFuture().get(CONFIRM_TIMEOUT_SECONDS, TimeUnit.SECONDS);
			if (!confirm.isAck() || correlation.getReturned() != null) {
				throw new AmqpIOException(
						new IOException("The broker did not take the event of report " + event.reportId() + ": "
								+ ((confirm.getReason() != null) ? confirm.getReason() : "unroutable")));
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new AmqpIOException(new IOException("Interrupted", ex));
		}
		catch (ExecutionException | java.util.concurrent.TimeoutException ex) {
			throw new AmqpIOException(
					new IOException("No confirm for the event of report " + event.reportId() + " in time", ex));
		}
	}

	private ReportEvent read(GetResponse response) {
		MessageProperties properties = this.propertiesConverter.toMessageProperties(response.getProps(),
				response.getEnvelope(), "UTF-8");
		try {
			return (ReportEvent) this.converter.fromMessage(new Message(response.getBody(), properties));
		}
		catch (MessageConversionException | ClassCastException ex) {
			return null;
		}
	}

	/**
	 * What a replay of parked email events did.
	 *
	 * @param replayed the reports whose events were published again
	 * @param kept how many messages were left in the queue (unreadable)
	 */
	record Replay(List<UUID> replayed, int kept) {

	}

}
