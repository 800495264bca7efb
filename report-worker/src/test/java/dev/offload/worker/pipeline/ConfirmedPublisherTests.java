package dev.offload.worker.pipeline;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import dev.offload.model.Messages;
import dev.offload.model.Owner;
import dev.offload.model.ReportEvent;
import dev.offload.model.ReportFormat;
import dev.offload.testsupport.TestBroker;
import dev.offload.worker.WorkerProperties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.amqp.AmqpException;
import org.springframework.amqp.ImmediateRequeueAmqpException;
import org.springframework.amqp.core.BindingBuilder;
import org.springframework.amqp.core.FanoutExchange;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitAdmin;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The publisher a worker's tasks publish with, against a real RabbitMQ, on a connection
 * factory of its own set up as the worker's (correlated confirms, returns, mandatory), so
 * nothing else takes channels from its cache: what a task publishes goes over one
 * channel, its confirms still come back per message, and the channel goes back to the
 * cache when the task is done, whatever it threw.
 */
class ConfirmedPublisherTests {

	private static TestBroker broker;

	private static CachingConnectionFactory connectionFactory;

	private static RabbitAdmin admin;

	private static ConfirmedPublisher publisher;

	private static RabbitTemplate rabbit;

	private static String events;

	@BeforeAll
	static void connect() {
		broker = TestBroker.create();
		connectionFactory = new CachingConnectionFactory(broker.connectionFactory());
		connectionFactory.setPublisherConfirmType(CachingConnectionFactory.ConfirmType.CORRELATED);
		connectionFactory.setPublisherReturns(true);
		connectionFactory.afterPropertiesSet();
		rabbit = new RabbitTemplate(connectionFactory);
		rabbit.setMessageConverter(Messages.converter());
		rabbit.setMandatory(true);
		// The worker's defaults (a confirm timeout of 10 s).
		WorkerProperties properties = new Binder(new MapConfigurationPropertySource(Map.of()))
			.bindOrCreate("offload.worker", WorkerProperties.class);
		publisher = new ConfirmedPublisher(rabbit, properties);
		// A fanout with one queue stands for the events exchange: whatever is published
		// to it is routed.
		events = broker.topology().prefix() + "confirmed-publisher-tests";
		admin = new RabbitAdmin(connectionFactory);
		FanoutExchange exchange = new FanoutExchange(events, false, true);
		Queue queue = new Queue(events, false, false, true);
		admin.declareExchange(exchange);
		admin.declareQueue(queue);
		admin.declareBinding(BindingBuilder.bind(queue).to(exchange));
		// A channel in the cache from the start.
		rabbit.execute((channel) -> channel.getChannelNumber());
	}

	@AfterAll
	static void disconnect() {
		try {
			admin.deleteQueue(events);
			admin.deleteExchange(events);
		}
		finally {
			connectionFactory.destroy();
			broker.close();
		}
	}

	@Test
	void aTasksMessagesGoOverOneChannelAndItGoesBackWithNoConfirmOutstanding() {
		int idleBefore = idleChannels();
		List<Integer> channels = new ArrayList<>();
		List<ConfirmedPublisher.Publication> publications = new ArrayList<>();
		publisher.onOneChannel(() -> {
			for (int i = 0; i < 3; i++) {
				channels.add(rabbit.execute((channel) -> channel.getChannelNumber()));
				publications
					.add(publisher.publishLater(events, "SUCCEEDED", event(), "message " + i, (message) -> message));
			}
			// Checked out for the scope: not in the cache meanwhile.
			assertThat(idleChannels()).isLessThanOrEqualTo(Math.max(0, idleBefore - 1));
			publications.forEach(ConfirmedPublisher.Publication::await);
		});
		assertThat(channels).hasSize(3).containsOnly(channels.get(0));
		// Given back at once: its confirms were all in, so the cache did not hand it to a
		// thread to wait for them.
		assertThat(idleChannels()).isEqualTo(Math.max(1, idleBefore));
	}

	@Test
	void whatATaskThrowsComesOutAsItWasAndTheChannelStillGoesBack() {
		publisher.onOneChannel(() -> publisher.publish(events, "SUCCEEDED", event(), "warm-up", (m) -> m));
		int idleBefore = idleChannels();
		ImmediateRequeueAmqpException thrown = new ImmediateRequeueAmqpException("requeue it");
		assertThatThrownBy(() -> publisher.onOneChannel(() -> {
			publisher.publish(events, "SUCCEEDED", event(), "before the failure", (message) -> message);
			throw thrown;
		})).isSameAs(thrown);
		assertThat(idleChannels()).isEqualTo(idleBefore);
		// An unroutable message still fails its publication inside the scope, and the
		// scope's channel stays usable after it.
		assertThatThrownBy(() -> publisher.onOneChannel(() -> {
			try {
				publisher.publish("", "no-such-queue-" + System.nanoTime(), event(), "unroutable",
						(message) -> message);
			}
			finally {
				publisher.publish(events, "SUCCEEDED", event(), "after the unroutable one", (message) -> message);
			}
		})).isInstanceOf(AmqpException.class).hasMessageContaining("was not routed");
		assertThat(idleChannels()).isEqualTo(idleBefore);
	}

	@Test
	void aChannelTheBrokerClosedFailsTheNextOperationOnlyAndTheScopeGoesOnOverANewOne() {
		List<Throwable> failures = new ArrayList<>();
		publisher.onOneChannel(() -> {
			// Publishing to a missing exchange is a channel error: the broker closes the
			// channel, and the message's confirm comes back as a nack.
			failures.add(catchThrowable(() -> publisher.publish("no-such-exchange-" + System.nanoTime(), "SUCCEEDED",
					event(), "to nowhere", (message) -> message)));
			failures.add(catchThrowable(
					() -> publisher.publish(events, "SUCCEEDED", event(), "on the closed channel", (m) -> m)));
			failures.add(catchThrowable(
					() -> publisher.publish(events, "SUCCEEDED", event(), "on a new channel", (m) -> m)));
		});
		assertThat(failures.get(0)).isInstanceOf(AmqpException.class).hasMessageContaining("refused");
		assertThat(failures.get(1)).isInstanceOf(AmqpException.class).hasMessageContaining("closed");
		assertThat(failures.get(2)).isNull();
		// And the next scope is served as usual.
		publisher.onOneChannel(() -> publisher.publish(events, "SUCCEEDED", event(), "next task", (m) -> m));
	}

	/**
	 * An outcome of a report that does not exist: the email queue takes it, and the email
	 * listener records nothing for it.
	 */
	private static ReportEvent event() {
		return new ReportEvent(UUID.randomUUID(), ReportEvent.Type.SUCCEEDED, 100, Instant.now(),
				new Owner("user-1", "ada@example.com"), "NO_OP", ReportFormat.CSV, 0L, null);
	}

	private static int idleChannels() {
		Properties cache = ((CachingConnectionFactory) rabbit.getConnectionFactory()).getCacheProperties();
		return Integer.parseInt(cache.getProperty("idleChannelsNotTx", "0"));
	}

}
