package dev.offload.worker.pipeline;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.offload.worker.WorkerProperties;
import dev.offload.worker.messaging.WorkerMessagingConfiguration;

import org.springframework.amqp.AmqpException;
import org.springframework.amqp.core.Correlation;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessagePostProcessor;
import org.springframework.amqp.core.ReturnedMessage;
import org.springframework.amqp.rabbit.connection.CorrelationData;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.stereotype.Component;

/**
 * Publishes a message and waits until the broker has confirmed it: a message counts as
 * published only once the broker has taken it and routed it to at least one queue (the
 * template publishes with {@code mandatory}, so an unroutable message comes back), unless
 * its publisher says it need not reach one: then it goes without {@code mandatory}.
 */
@Component
class ConfirmedPublisher {

	private final RabbitTemplate rabbit;

	private final Duration confirmTimeout;

	ConfirmedPublisher(RabbitTemplate rabbit, WorkerProperties properties) {
		this.rabbit = rabbit;
		this.confirmTimeout = properties.publishConfirmTimeout();
	}

	/**
	 * Runs work on this thread with every message it publishes going over one channel,
	 * taken from the connection factory's cache once and given back when the work is
	 * done. Spring AMQP's {@code CachingConnectionFactory} hands a channel given back
	 * with confirms outstanding to a thread of its own that waits for them before caching
	 * it: given back after each message, as {@code RabbitTemplate} does outside this
	 * scope, that cost a report two thread hand-offs (its RUNNING and SUCCEEDED events)
	 * and their wake-ups. Work that awaits its confirms gives the channel back with none
	 * outstanding. Scopes do not nest (a nested one throws
	 * {@code IllegalStateException}).
	 * <p>
	 * Should the channel close meanwhile (its connection failed, or the broker closed it
	 * on an error such as a missing exchange), the messages awaiting confirms are nacked,
	 * the work's next operation on it fails ("channel is closed"), and the cache opens a
	 * new channel for the ones after. Failing to get a channel at all throws before the
	 * work starts.
	 * @param work the work
	 * @throws org.springframework.amqp.AmqpException if no channel could be had
	 */
	void onOneChannel(Runnable work) {
		this.rabbit.invoke((operations) -> {
			work.run();
			return null;
		});
	}

	/**
	 * Publishes a message with the one converter and waits for the broker's confirm.
	 * @param exchange the exchange
	 * @param routingKey the routing key
	 * @param body the message body
	 * @param id a name for the message in errors and the confirm's correlation
	 * @param postProcessor adds headers
	 * @throws AmqpException if the broker did not confirm the message in time, refused
	 * it, or could not route it
	 */
	void publish(String exchange, String routingKey, Object body, String id, MessagePostProcessor postProcessor) {
		publishLater(exchange, routingKey, body, id, postProcessor).await();
	}

	/**
	 * Publishes a message with the one converter without waiting for the broker's
	 * confirm: the caller awaits it with {@link Publication#await()} before anything that
	 * counts on the message (such as a later message that must not overtake it), and
	 * meanwhile does other work instead of blocking on the broker's round trip.
	 * @param exchange the exchange
	 * @param routingKey the routing key
	 * @param body the message body
	 * @param id a name for the message in errors and the confirm's correlation
	 * @param postProcessor adds headers
	 * @return the publication, to await
	 * @throws AmqpException if the message could not be sent
	 */
	Publication publishLater(String exchange, String routingKey, Object body, String id,
			MessagePostProcessor postProcessor) {
		return publishLater(exchange, routingKey, body, id, postProcessor, true);
	}

	/**
	 * {@link #publishLater(String, String, Object, String, MessagePostProcessor)} for a
	 * message that may reach no queue: one the broker could not route counts as published
	 * once it is confirmed, if {@code mustRoute} is {@code false}.
	 * @param exchange the exchange
	 * @param routingKey the routing key
	 * @param body the message body
	 * @param id a name for the message in errors and the confirm's correlation
	 * @param postProcessor adds headers
	 * @param mustRoute whether a message the broker could not route is a failure
	 * @return the publication, to await
	 * @throws AmqpException if the message could not be sent
	 */
	Publication publishLater(String exchange, String routingKey, Object body, String id,
			MessagePostProcessor postProcessor, boolean mustRoute) {
		CorrelationData correlation = new CorrelationData(id);
		// One that need not route goes without mandatory: the broker drops it if no
		// queue takes it rather than sending it back.
		MessagePostProcessor marked = mustRoute ? postProcessor : new MessagePostProcessor() {

			@Override
			public Message postProcessMessage(Message message) {
				return mayReachNoQueue(postProcessor.postProcessMessage(message));
			}

			@Override
			public Message postProcessMessage(Message message, Correlation correlation, String exchange,
					String routingKey) {
				return mayReachNoQueue(postProcessor.postProcessMessage(message, correlation, exchange, routingKey));
			}

		};
		this.rabbit.convertAndSend(exchange, routingKey, body, marked, correlation);
		return new Publication(correlation, exchange, mustRoute);
	}

	private static Message mayReachNoQueue(Message message) {
		message.getMessageProperties().setHeader(WorkerMessagingConfiguration.MAY_REACH_NO_QUEUE, true);
		return message;
	}

	/**
	 * A message sent and not yet known to be confirmed.
	 */
	final class Publication {

		private final CorrelationData correlation;

		private final String exchange;

		private final boolean mustRoute;

		private Publication(CorrelationData correlation, String exchange, boolean mustRoute) {
			this.correlation = correlation;
			this.exchange = exchange;
			this.mustRoute = mustRoute;
		}

		/**
		 * Waits for the broker's confirm, unless it has come already.
		 * @throws AmqpException if the broker did not confirm the message in time,
		 * refused it, or could not route it (unless it need not reach a queue)
		 */
		void await() {
			String id = this.correlation.getId();
			CorrelationData.Confirm confirm = awaitConfirm(this.correlation);
			if (!confirm.ack()) {
				throw new AmqpException("Broker refused " + id + ": " + confirm.reason());
			}
			// With correlated confirms and returns, a returned message is recorded before
			// its confirm completes.
			ReturnedMessage returned = this.correlation.getReturned();
			if (returned != null && this.mustRoute) {
				throw new AmqpException("Message " + id + " was not routed to any queue of " + this.exchange + ": "
						+ returned.getReplyCode() + " " + returned.getReplyText());
			}
		}

		/**
		 * Whether the broker sent the message back as unroutable, once confirmed: only
		 * one published with {@code mandatory} (one that must route) can come back.
		 * @return whether it came back
		 */
		boolean cameBack() {
			return this.correlation.getReturned() != null;
		}

	}

	private CorrelationData.Confirm awaitConfirm(CorrelationData correlation) {
		try {
			return correlation.getFuture().get(this.confirmTimeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new AmqpException("Interrupted while waiting for the confirm of " + correlation.getId(), ex);
		}
		catch (ExecutionException | TimeoutException ex) {
			throw new AmqpException("No confirm for " + correlation.getId() + " within " + this.confirmTimeout, ex);
		}
	}

}
