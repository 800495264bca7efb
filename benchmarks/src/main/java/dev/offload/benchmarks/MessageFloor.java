package dev.offload.benchmarks;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.MessageProperties;

/**
 * Figure 2's message floor: the least CPU the RabbitMQ Java client (amqp-client, which
 * Spring AMQP drives in both services) spends on this machine to publish one persistent
 * message of the task's size into a quorum queue with a publisher confirm, and to consume
 * one with a manual acknowledgement, with nothing else around it: no listener container,
 * no message converter, no transaction, no logging. Streamed: published in batches of
 * 100, each batch's confirms awaited together, then drained by one consumer with a
 * prefetch of 40, each acknowledgement covering the 20 deliveries before it (as many as
 * any of the services' consumers acknowledge together: api-service's webhook consumer,
 * which figure 2's outcomes no longer reach, their owners having no endpoint; the
 * worker's acknowledge up to 10). The figure is this JVM's CPU over each half, so the
 * client's I/O thread is counted as well as the thread that publishes or consumes.
 */
final class MessageFloor {

	static final int CONFIRMS_TOGETHER = 100;

	static final int PREFETCH = 40;

	static final int ACKNOWLEDGED_TOGETHER = PREFETCH / 2;

	private MessageFloor() {
	}

	/**
	 * What one message cost the client.
	 *
	 * @param publishMillis CPU per message published with a confirm, in milliseconds
	 * @param consumeMillis CPU per message consumed and acknowledged, in milliseconds
	 * @param messages messages measured each way
	 */
	record Result(double publishMillis, double consumeMillis, int messages) {

	}

	/**
	 * Publishes and consumes messages through a quorum queue of its own, first to warm
	 * up, then measured; the queue is deleted afterwards.
	 * @param factory connects to the broker
	 * @param queue the queue's name, unique to the run
	 * @param size each message's body, in bytes
	 * @param warmup messages sent and received before the measured ones
	 * @param messages messages measured each way
	 * @return what one message cost
	 */
	static Result measure(ConnectionFactory factory, String queue, int size, int warmup, int messages) {
		try (Connection connection = factory.newConnection("bench-message-floor")) {
			try (Channel declaring = connection.createChannel()) {
				declaring.queueDeclare(queue, true, false, false, Map.of("x-queue-type", "quorum"));
			}
			try {
				publish(connection, queue, size, warmup);
				consume(connection, queue, warmup);
				long start = Tools.processCpuNanos();
				publish(connection, queue, size, messages);
				long published = Tools.processCpuNanos();
				consume(connection, queue, messages);
				long consumed = Tools.processCpuNanos();
				return new Result((published - start) / 1e6 / messages, (consumed - published) / 1e6 / messages,
						messages);
			}
			finally {
				try (Channel deleting = connection.createChannel()) {
					deleting.queueDelete(queue);
				}
			}
		}
		catch (IOException | TimeoutException ex) {
			throw new IllegalStateException("Could not measure the message floor: " + ex.getMessage(), ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while measuring the message floor", ex);
		}
	}

	private static void publish(Connection connection, String queue, int size, int count)
			throws IOException, TimeoutException, InterruptedException {
		byte[] body = new byte[size];
		try (Channel channel = connection.createChannel()) {
			channel.confirmSelect();
			for (int i = 1; i <= count; i++) {
				channel.basicPublish("", queue, MessageProperties.PERSISTENT_BASIC, body);
				if (i % CONFIRMS_TOGETHER == 0) {
					channel.waitForConfirmsOrDie(TimeUnit.SECONDS.toMillis(60));
				}
			}
			channel.waitForConfirmsOrDie(TimeUnit.SECONDS.toMillis(60));
		}
	}

	private static void consume(Connection connection, String queue, int count)
			throws IOException, TimeoutException, InterruptedException {
		CountDownLatch received = new CountDownLatch(count);
		try (Channel channel = connection.createChannel()) {
			channel.basicQos(PREFETCH);
			String tag = channel.basicConsume(queue, false, new DefaultConsumer(channel) {

				@Override
				public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties properties,
						byte[] body) throws IOException {
					// Acknowledged before it is counted: the last count lets the channel
					// close.
					if (envelope.getDeliveryTag() % ACKNOWLEDGED_TOGETHER == 0 || received.getCount() == 1) {
						getChannel().basicAck(envelope.getDeliveryTag(), true);
					}
					received.countDown();
				}

			});
			if (!received.await(5, TimeUnit.MINUTES)) {
				throw new IllegalStateException(
						"Consumed " + (count - received.getCount()) + " of " + count + " messages from " + queue);
			}
			channel.basicCancel(tag);
		}
	}

}
