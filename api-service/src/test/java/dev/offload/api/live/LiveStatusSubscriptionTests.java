package dev.offload.api.live;

import java.util.Map;
import java.util.UUID;

import dev.offload.api.ApiProperties;
import dev.offload.testsupport.TestBroker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.amqp.core.Binding;
import org.springframework.amqp.core.FanoutExchange;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitAdmin;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The live status queue's binding against the real broker, when the broker refuses it:
 * the stream opens all the same, and the binding is declared by the next retry once the
 * broker takes it.
 */
class LiveStatusSubscriptionTests {

	private TestBroker broker;

	private CachingConnectionFactory connections;

	private RabbitAdmin admin;

	private String exchange;

	private String queue;

	@BeforeEach
	void connect() {
		this.broker = TestBroker.create();
		this.connections = new CachingConnectionFactory(this.broker.connectionFactory());
		this.admin = new RabbitAdmin(this.connections);
		String name = this.broker.topology().prefix() + "live-binding-" + UUID.randomUUID();
		this.exchange = name + ".events";
		this.queue = name + ".live";
		this.admin.declareQueue(new Queue(this.queue, false, false, true));
	}

	@AfterEach
	void disconnect() {
		this.admin.deleteExchange(this.exchange);
		this.admin.deleteQueue(this.queue);
		this.connections.destroy();
		this.broker.close();
	}

	@Test
	void aBindingTheBrokerRefusedIsDeclaredByTheNextRetry() {
		Binding binding = new Binding(this.queue, Binding.DestinationType.QUEUE, this.exchange, "", null);
		binding.setShouldDeclare(false);
		LiveStatusSubscription subscription = new LiveStatusSubscription(this.admin, binding,
				properties(Map.of("offload.api.live.unbind-after", "1h")));
		try {
			// The exchange is not there yet: the broker refuses the binding (404), the
			// stream opens all the same, and a second stream, within the back-off, does
			// not try again.
			subscription.opened();
			subscription.opened();
			assertThat(subscription.bound()).as("wanted, though not declared").isTrue();
			assertThat(binding.shouldDeclare()).as("declared again after a reconnect").isTrue();

			this.admin.declareExchange(new FanoutExchange(this.exchange, false, true));
			subscription.retry();
			RabbitTemplate template = new RabbitTemplate(this.connections);
			await().untilAsserted(() -> {
				template.send(this.exchange, "", new Message(new byte[] { 1 }, new MessageProperties()));
				assertThat(this.broker.messageCount(this.queue)).isPositive();
			});
		}
		finally {
			subscription.destroy();
		}
	}

	private static ApiProperties properties(Map<String, String> settings) {
		return new Binder(new MapConfigurationPropertySource(settings)).bindOrCreate("offload.api",
				ApiProperties.class);
	}

}
