package dev.offload.testsupport;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;

import dev.offload.model.Topology;
import dev.offload.model.TopologyDeclarations;

import org.springframework.amqp.core.Declarables;
import org.springframework.amqp.core.Exchange;
import org.springframework.amqp.core.Queue;

/**
 * A RabbitMQ topology of its own for one test class or run: every exchange and queue name
 * carries a unique prefix, and {@link #close()} deletes them, so runs on one broker never
 * see each other's messages.
 */
public final class TestBroker implements AutoCloseable {

	private final Endpoint server;

	private final Topology topology;

	private final String addresses;

	private TestBroker(Endpoint server, Topology topology, String addresses) {
		this.server = server;
		this.topology = topology;
		this.addresses = addresses;
	}

	/**
	 * A new topology with a unique prefix on the tests' broker. Nothing is declared yet;
	 * the services declare what they use when they start.
	 * @return the broker
	 */
	public static TestBroker create() {
		String prefix = "t" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + ".";
		return new TestBroker(Infrastructure.rabbit(), new Topology(prefix), null);
	}

	/**
	 * A broker of the test's own on a given server or cluster.
	 * @param server the node this class's own connections use
	 * @param addresses every node of a cluster ({@code host:port,...}), given to the
	 * services as {@code spring.rabbitmq.addresses}, or {@code null} for one node
	 * @return the broker
	 */
	public static TestBroker create(Endpoint server, String addresses) {
		String prefix = "t" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + ".";
		return new TestBroker(server, new Topology(prefix), addresses);
	}

	private Connection newConnection() throws IOException, TimeoutException {
		ConnectionFactory factory = connectionFactory();
		return (this.addresses != null)
				? factory.newConnection(com.rabbitmq.client.Address.parseAddresses(this.addresses))
				: factory.newConnection();
	}

	/**
	 * The topology the services under test should use.
	 * @return the topology
	 */
	public Topology topology() {
		return this.topology;
	}

	/**
	 * Where the broker listens.
	 * @return the endpoint
	 */
	public Endpoint endpoint() {
		return this.server;
	}

	/**
	 * A new AMQP connection factory for the broker.
	 * @return the factory
	 */
	public ConnectionFactory connectionFactory() {
		ConnectionFactory factory = new ConnectionFactory();
		factory.setHost(this.server.host());
		factory.setPort(this.server.port());
		factory.setUsername(this.server.username());
		factory.setPassword(this.server.password());
		return factory;
	}

	/**
	 * The number of ready messages in a queue, as the broker reports it on a passive
	 * declare.
	 * @param queue the queue's full name
	 * @return the count of ready messages
	 */
	public long messageCount(String queue) {
		try (Connection connection = newConnection(); Channel channel = connection.createChannel()) {
			return channel.queueDeclarePassive(queue).getMessageCount();
		}
		catch (IOException | TimeoutException ex) {
			throw new IllegalStateException("Could not read the depth of " + queue, ex);
		}
	}

	/**
	 * The number of consumers of a queue, as the broker reports it on a passive declare.
	 * @param queue the queue's full name
	 * @return the count of consumers
	 */
	public long consumerCount(String queue) {
		try (Connection connection = newConnection(); Channel channel = connection.createChannel()) {
			return channel.queueDeclarePassive(queue).getConsumerCount();
		}
		catch (IOException | TimeoutException ex) {
			throw new IllegalStateException("Could not read the consumers of " + queue, ex);
		}
	}

	/**
	 * Spring Boot properties that point a service at this broker and topology.
	 * @return the properties
	 */
	/**
	 * Empties a queue, as an operator's purge (or a broker losing what it had confirmed)
	 * would.
	 * @param queue the queue
	 * @return how many messages it held
	 */
	public long purge(String queue) {
		try (Connection connection = newConnection(); Channel channel = connection.createChannel()) {
			return channel.queuePurge(queue).getMessageCount();
		}
		catch (IOException | TimeoutException ex) {
			throw new IllegalStateException("Could not purge " + queue, ex);
		}
	}

	public Map<String, Object> springProperties() {
		Map<String, Object> properties = new HashMap<>();
		if (this.addresses != null) {
			properties.put("spring.rabbitmq.addresses", this.addresses);
		}
		else {
			properties.put("spring.rabbitmq.host", this.server.host());
			properties.put("spring.rabbitmq.port", this.server.port());
		}
		properties.put("spring.rabbitmq.username", this.server.username());
		properties.put("spring.rabbitmq.password", this.server.password());
		properties.put("offload.topology.prefix", this.topology.prefix());
		return properties;
	}

	/**
	 * Deletes every queue and exchange of this topology that exists, the retry queues of
	 * the default delays included; a test that sets other delays deletes their queues
	 * with {@link #deleteQueues}. The names come from the declarations the services make,
	 * so a queue added to the topology is cleaned up with it: quorum queues left behind
	 * by every test run would slow the shared broker down until it stops answering.
	 */
	@Override
	public void close() {
		Declarables declared = new Declarables(Stream
			.of(TopologyDeclarations.all(this.topology),
					TopologyDeclarations.retries(this.topology, TopologyDeclarations.DEFAULT_RETRY_DELAYS))
			.flatMap((declarables) -> declarables.getDeclarables().stream())
			.toList());
		List<String> queues = declared.getDeclarablesByType(Queue.class).stream().map(Queue::getName).toList();
		List<String> exchanges = declared.getDeclarablesByType(Exchange.class).stream().map(Exchange::getName).toList();
		try (Connection connection = newConnection()) {
			for (String queue : queues) {
				deleteQuietly(connection, (channel) -> channel.queueDelete(queue));
			}
			for (String exchange : exchanges) {
				deleteQuietly(connection, (channel) -> channel.exchangeDelete(exchange));
			}
		}
		catch (IOException | TimeoutException ex) {
			throw new IllegalStateException("Could not clean up topology " + this.topology.prefix(), ex);
		}
	}

	/**
	 * Deletes the retry queues of other delays than the default ones, in both lanes.
	 * @param delays the delays a test's services were given
	 */
	public void deleteRetryQueues(List<java.time.Duration> delays) {
		deleteQueues(TopologyDeclarations.retries(this.topology, delays)
			.getDeclarablesByType(Queue.class)
			.stream()
			.map(Queue::getName)
			.toArray(String[]::new));
	}

	/**
	 * Deletes more queues or exchanges a test declared itself under this prefix.
	 * @param queues full names of queues to delete
	 */
	public void deleteQueues(String... queues) {
		try (Connection connection = newConnection()) {
			for (String queue : queues) {
				deleteQuietly(connection, (channel) -> channel.queueDelete(queue));
			}
		}
		catch (IOException | TimeoutException ex) {
			throw new IllegalStateException("Could not delete queues", ex);
		}
	}

	private static void deleteQuietly(Connection connection, ChannelAction action) throws IOException {
		// A channel is closed by the broker when a delete fails, so each gets its own.
		Channel channel = connection.createChannel();
		try {
			action.run(channel);
		}
		catch (IOException ex) {
			// Absent already: nothing to clean.
		}
		finally {
			if (channel.isOpen()) {
				try {
					channel.close();
				}
				catch (TimeoutException | IOException ex) {
					// The connection is closed next anyway.
				}
			}
		}
	}

	@FunctionalInterface
	private interface ChannelAction {

		void run(Channel channel) throws IOException;

	}

}
