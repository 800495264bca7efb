package dev.offload.api.messaging;

import java.io.IOException;
import java.util.UUID;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.offload.model.Messages;
import dev.offload.model.Topology;
import dev.offload.model.TopologyDeclarations;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ShutdownSignalException;

import org.springframework.amqp.AmqpException;
import org.springframework.amqp.core.AcknowledgeMode;
import org.springframework.amqp.core.Binding;
import org.springframework.amqp.core.Declarables;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.core.QueueBuilder;
import org.springframework.amqp.rabbit.config.SimpleRabbitListenerContainerFactory;
import org.springframework.amqp.rabbit.connection.Connection;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.amqp.support.converter.MessageConverter;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.amqp.autoconfigure.RabbitTemplateConfigurer;
import org.springframework.boot.amqp.autoconfigure.SimpleRabbitListenerContainerFactoryConfigurer;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.Assert;

/**
 * The API's RabbitMQ setup in one place: the topology it declares, the message converter,
 * the template the outbox relay publishes report tasks with, and this replica's own queue
 * of report events for the live status pushed to browsers.
 * <p>
 * Spring's defaults are not safe for this job: publisher confirms and returns are off, so
 * a task the broker never took (or could not route) would count as sent and the report
 * would wait forever. The relay marks a report published only after the broker's ack, so
 * confirms, returns and {@code mandatory} are required here, not optional.
 */
@Configuration(proxyBeanMethods = false)
public class ApiMessagingConfiguration {

	private static final Logger logger = LoggerFactory.getLogger(ApiMessagingConfiguration.class);

	/** Live status events acknowledged together (their prefetch is 50). */
	static final int LIVE_STATUS_ACK_BATCH = 10;

	/**
	 * The names of every exchange and queue.
	 * @param prefix empty in production; a unique prefix per test run
	 * ({@code offload.topology.prefix})
	 * @return the topology
	 */
	@Bean
	public Topology topology(@Value("${offload.topology.prefix:}") String prefix) {
		return new Topology(prefix);
	}

	/**
	 * The whole topology, declared idempotently when the first connection opens, unless
	 * {@code offload.topology.declare} is false (a deployment whose broker loads the
	 * definitions file, so the service's user needs no configure permission). The worker
	 * declares the same, with the same arguments, so whichever starts first creates it.
	 * @param topology the names
	 * @return the declarations
	 */
	@Bean
	@ConditionalOnBooleanProperty(name = "offload.topology.declare", matchIfMissing = true)
	public Declarables offloadTopology(Topology topology, ConnectionFactory connectionFactory) {
		// Declaring never removes a binding: those this version replaces go when a
		// connection opens (TopologyDeclarations.replacedBindings).
		connectionFactory.addConnectionListener((connection) -> TopologyDeclarations.replacedBindings(topology)
			.forEach((binding) -> removeIfPresent(connection, binding)));
		return TopologyDeclarations.all(topology);
	}

	private static void removeIfPresent(Connection connection, Binding binding) {
		try (Channel channel = connection.createChannel(false)) {
			channel.queueUnbind(binding.getDestination(), binding.getExchange(), binding.getRoutingKey());
		}
		catch (IOException | TimeoutException | AmqpException | ShutdownSignalException ex) {
			// Not there: a broker this version set up, or one another replica cleaned.
		}
	}

	/**
	 * The one converter for tasks: JSON, the schema-version header, persistent delivery
	 * and the report id as {@code message_id}, so consumers can drop duplicates.
	 * @return the converter
	 */
	@Bean
	public MessageConverter messageConverter() {
		return Messages.converter();
	}

	/**
	 * The template report tasks are published with: the one converter, and
	 * {@code mandatory} so a task that no queue takes comes back as returned instead of
	 * vanishing. The connection factory must use correlated publisher confirms and
	 * returns ({@code spring.rabbitmq.publisher-confirm-type=correlated},
	 * {@code spring.rabbitmq.publisher-returns=true}); the application refuses to start
	 * without them rather than publish unconfirmed.
	 * @param configurer Boot's configurer (applies {@code spring.rabbitmq.template.*})
	 * @param connectionFactory the connection factory
	 * @param messageConverter the converter
	 * @return the template
	 */
	@Bean
	public RabbitTemplate rabbitTemplate(RabbitTemplateConfigurer configurer, ConnectionFactory connectionFactory,
			MessageConverter messageConverter) {
		Assert.state(connectionFactory.isPublisherConfirms() && connectionFactory.isPublisherReturns(),
				"Report tasks must be published with confirms and returns: set spring.rabbitmq.publisher-confirm-type="
						+ "correlated and spring.rabbitmq.publisher-returns=true");
		RabbitTemplate template = new RabbitTemplate();
		configurer.configure(template, connectionFactory);
		template.setMessageConverter(messageConverter);
		template.setMandatory(true);
		// The relay reads a return from the publish's CorrelationData and logs it there
		// with the report it belongs to; this callback only keeps the template from
		// warning that nobody listens.
		template.setReturnsCallback(
				(returned) -> logger.debug("Returned by the broker: {} {} (message {})", returned.getReplyCode(),
						returned.getReplyText(), returned.getMessage().getMessageProperties().getMessageId()));
		return template;
	}

	/**
	 * The template the outbox relay publishes report tasks with: the same settings as
	 * {@link #rabbitTemplate}, but without a Micrometer observation per message. The
	 * relay publishes on its own thread, outside any request, so each observation started
	 * a new trace that no request or log line of the API shared, and with it a span, a
	 * timer and the headers to carry them: about a third of the relay's CPU per task
	 * (issue 16). The worker's listener still starts a trace per delivery, so its log
	 * lines for a report share one; the relay's own are tagged with the report id.
	 * <p>
	 * Not a default candidate, so every other publisher (cancellations, replays) gets
	 * {@link #rabbitTemplate} and keeps the caller's trace, and the health check still
	 * sees one template.
	 * @param configurer Boot's configurer (applies {@code spring.rabbitmq.template.*})
	 * @param connectionFactory the connection factory
	 * @param messageConverter the converter
	 * @return the template, injected by its name
	 */
	@Bean(defaultCandidate = false)
	public RabbitTemplate taskRelayTemplate(RabbitTemplateConfigurer configurer, ConnectionFactory connectionFactory,
			MessageConverter messageConverter) {
		RabbitTemplate template = rabbitTemplate(configurer, connectionFactory, messageConverter);
		template.setObservationEnabled(false);
		return template;
	}

	/**
	 * This replica's own queue of report events: every replica has one, bound to the
	 * events fanout while a browser watches it ({@link #liveStatusBinding}), so each
	 * watched replica receives every event and can push it to whichever browsers are
	 * connected to it. Exclusive and auto-delete, so it lives exactly as long as the
	 * replica's connection (Spring declares it again after a reconnect) and a stopped
	 * replica leaves no queue behind. Events are notifications, and a replica that falls
	 * behind should drop the oldest rather than grow: the browsers catch up from the
	 * database when they reconnect.
	 * @param topology the names
	 * @return the queue
	 */
	@Bean
	public Queue liveStatusQueue(Topology topology) {
		String replicaId = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
		return QueueBuilder.nonDurable(topology.liveStatusQueue(replicaId))
			.exclusive()
			.autoDelete()
			.maxLength(10_000)
			.overflow(QueueBuilder.Overflow.dropHead)
			.build();
	}

	/**
	 * Binds {@link #liveStatusQueue(Topology)} to the events fanout, only while a browser
	 * watches this replica: not declared with the rest of the topology, but by the live
	 * status streams when the first one opens ({@code LiveStatusSubscription}), which
	 * also lets RabbitAdmin declare it again after a reconnect, and removed a while after
	 * the last one closed. A replica nobody watches takes no copy of any event.
	 * @param topology the names
	 * @param liveStatusQueue the queue
	 * @return the binding
	 */
	@Bean
	public Binding liveStatusBinding(Topology topology, Queue liveStatusQueue) {
		Binding binding = new Binding(liveStatusQueue.getName(), Binding.DestinationType.QUEUE,
				topology.eventsExchange(), "", null);
		binding.setShouldDeclare(false);
		return binding;
	}

	/**
	 * The listener container for the live status queue, set on purpose rather than left
	 * to Spring's defaults: one consumer, so a report's events reach browsers in the
	 * order they were published (PROGRESS 40 before PROGRESS 60); a message that cannot
	 * be read is dropped, never requeued (the default would loop it forever, and a
	 * notification is not worth a dead-letter queue); a modest prefetch. Each event is
	 * handed to the browsers as it comes, and one acknowledgement covers up to
	 * {@value #LIVE_STATUS_ACK_BATCH} of them (or what came before the consumer's receive
	 * timeout), well under the prefetch so the broker never waits for it: up to two
	 * events per report, each acknowledged alone, cost the broker and this service a
	 * frame each. An event the listener fails on is rejected with those before it, which
	 * it has handed on already: never requeued (the listener never asks for it), so none
	 * reaches a browser twice.
	 * @param configurer Boot's configurer (applies
	 * {@code spring.rabbitmq.listener.simple.*})
	 * @param connectionFactory the connection factory
	 * @param messageConverter the converter
	 * @return the factory
	 */
	@Bean
	public SimpleRabbitListenerContainerFactory liveStatusContainerFactory(
			SimpleRabbitListenerContainerFactoryConfigurer configurer, ConnectionFactory connectionFactory,
			MessageConverter messageConverter) {
		SimpleRabbitListenerContainerFactory factory = new SimpleRabbitListenerContainerFactory();
		configurer.configure(factory, connectionFactory);
		factory.setMessageConverter(messageConverter);
		factory.setConcurrentConsumers(1);
		factory.setMaxConcurrentConsumers(1);
		factory.setPrefetchCount(50);
		factory.setBatchSize(LIVE_STATUS_ACK_BATCH);
		factory.setAcknowledgeMode(AcknowledgeMode.AUTO);
		factory.setDefaultRequeueRejected(false);
		return factory;
	}

}
