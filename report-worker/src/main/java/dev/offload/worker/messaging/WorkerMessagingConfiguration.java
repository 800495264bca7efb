package dev.offload.worker.messaging;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

import dev.offload.model.Messages;
import dev.offload.model.Topology;
import dev.offload.model.TopologyDeclarations;
import dev.offload.worker.WorkerProperties;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ShutdownSignalException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.amqp.AmqpException;
import org.springframework.amqp.core.AcknowledgeMode;
import org.springframework.amqp.core.Binding;
import org.springframework.amqp.core.Declarables;
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
import org.springframework.expression.Expression;
import org.springframework.expression.spel.SpelCompilerMode;
import org.springframework.expression.spel.SpelParserConfiguration;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.util.Assert;

/**
 * The worker's RabbitMQ setup in one place: the topology it declares, the message
 * converter, the two listener container factories and the template events are published
 * with. Spring's defaults are not safe for this job (prefetch 250, rejected messages
 * requeued, no publisher confirms), so every setting that matters is made here on
 * purpose.
 */
@Configuration(proxyBeanMethods = false)
public class WorkerMessagingConfiguration {

	private static final Logger logger = LoggerFactory.getLogger(WorkerMessagingConfiguration.class);

	/**
	 * A header a publisher sets on a message that may reach no queue (an event only live
	 * status and audit hear, when they listen): it is published without
	 * {@code mandatory}. Subscribers see it and may ignore it.
	 */
	public static final String MAY_REACH_NO_QUEUE = "x-offload-may-reach-no-queue";

	/** {@code mandatory} unless the message is marked {@link #MAY_REACH_NO_QUEUE}. */
	private static final Expression MANDATORY = new SpelExpressionParser(
			new SpelParserConfiguration(SpelCompilerMode.MIXED, null))
		.parseExpression("messageProperties.headers['" + MAY_REACH_NO_QUEUE + "'] == null");

	/**
	 * The email listener records the emails of up to this many events at once (in one
	 * statement, acknowledged with one frame): one at a time it would be a busy consumer
	 * of a worker building cheap reports for owners with webhook endpoints, whose
	 * outcomes come this way. As many as a task consumer builds together at the largest
	 * prefetch the broker's consumer timeout allows short reports (figure 2): in batches
	 * of 10 the outbox's statements and commits were most of PostgreSQL's transactions
	 * per report.
	 */
	private static final int EMAIL_BATCH = 40;

	/**
	 * The next batch ready while one is recorded, without one worker hoarding the queue.
	 */
	private static final int EMAIL_PREFETCH = 2 * EMAIL_BATCH;

	/**
	 * How long a batch waits for more events, counted from its first, before it is
	 * recorded as it is: the longest an email's recording is held back while events
	 * trickle in.
	 */
	private static final long EMAIL_BATCH_WAIT_MILLIS = 50;

	private static final int EMAIL_CONCURRENCY = 1;

	/**
	 * How long a consumer with a prefetch above 1 waits for more tasks before it hands
	 * over those it has: the most a task's start is held back, and, idle, how often each
	 * consumer wakes to look for one.
	 */
	private static final long TASK_BATCH_WAIT_MILLIS = 5;

	/**
	 * The names of every exchange and queue. Listeners refer to this bean by name in SpEL
	 * ({@code #{topology.generateQueue()}}).
	 * @param prefix empty in production; a unique prefix per test run
	 * @return the topology
	 */
	@Bean
	public Topology topology(@Value("${offload.topology.prefix:}") String prefix) {
		return new Topology(prefix);
	}

	/**
	 * The whole topology, declared idempotently when the first connection opens, unless
	 * {@code offload.topology.declare} is false (a deployment whose broker loads the
	 * definitions file, so the service's user needs no configure permission). The API
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
	 * The retry exchange and one retry queue per delay: a task that failed for a
	 * transient reason waits out its delay there (a message TTL) and is dead-lettered
	 * back to the tasks exchange, so no consumer thread ever sleeps. The queues' TTLs are
	 * part of their names, so changing the delays declares new queues beside the old.
	 * @param topology the names
	 * @param properties the worker's settings ({@code offload.worker.retry.delays})
	 * @return the declarations
	 */
	@Bean
	@ConditionalOnBooleanProperty(name = "offload.topology.declare", matchIfMissing = true)
	public Declarables offloadRetries(Topology topology, WorkerProperties properties) {
		return TopologyDeclarations.retries(topology, properties.retry().delays());
	}

	/**
	 * The one converter for tasks and events. It throws a fatal
	 * {@code MessageConversionException} for a body it cannot read (no JSON, unknown
	 * schema version), which the containers reject without requeueing.
	 * @return the converter
	 */
	@Bean
	public MessageConverter messageConverter() {
		return Messages.converter();
	}

	/**
	 * The containers consuming report tasks.
	 * <ul>
	 * <li>Prefetch from {@code offload.worker.prefetch} (default 1) instead of Spring's
	 * 250: a worker takes only what it can build now and leaves the backlog to other
	 * workers.</li>
	 * <li>{@link AcknowledgeMode#MANUAL}, as a batch listener: the tasks a consumer holds
	 * (up to its prefetch) reach {@code ReportTaskListener} together, and it settles
	 * them: a task is acknowledged only after its file is stored and its status set in
	 * PostgreSQL, or after it was handed to a retry queue. A worker that dies before that
	 * leaves the task unacknowledged, and the broker delivers it again.</li>
	 * <li>A task that can never be processed (unreadable, a bug) is rejected by the
	 * listener without requeue and dead-lettered to {@code reports.generate.dlq} instead
	 * of being redelivered in a hot loop (spring-projects/spring-amqp#2437;
	 * {@code defaultRequeueRejected=false} keeps the container to that too). Transient
	 * failures go to a retry queue; only when that publish fails is the task requeued
	 * ({@code ImmediateRequeueAmqpException}).</li>
	 * <li>A stopping worker cancels its consumers (no new deliveries), waits up to
	 * {@code offload.worker.shutdown-grace-period} for the reports in hand, then closes
	 * its channels: RabbitMQ requeues what is still unacknowledged, as redelivered, and
	 * the next worker takes those reports over at once.</li>
	 * </ul>
	 * Boot's {@code spring.rabbitmq.listener.simple.*} properties (such as
	 * {@code auto-startup}) are applied first; the settings above override them.
	 * @param configurer Boot's configurer
	 * @param connectionFactory the connection factory
	 * @param messageConverter the converter
	 * @param properties the worker's settings
	 * @return the factory
	 */
	@Bean
	public SimpleRabbitListenerContainerFactory taskListenerContainerFactory(
			SimpleRabbitListenerContainerFactoryConfigurer configurer, ConnectionFactory connectionFactory,
			MessageConverter messageConverter, WorkerProperties properties) {
		return taskListenerContainerFactory(configurer, connectionFactory, messageConverter, properties,
				properties.concurrency());
	}

	/**
	 * The containers consuming the bulk lane ({@code reports.generate.bulk}): the same
	 * settings as {@link #taskListenerContainerFactory}, with
	 * {@code offload.worker.bulk-concurrency} consumers of their own, so the interactive
	 * consumers stay free for reports someone is waiting for.
	 * @param configurer Boot's configurer
	 * @param connectionFactory the connection factory
	 * @param messageConverter the converter
	 * @param properties the worker's settings
	 * @return the factory
	 */
	@Bean
	public SimpleRabbitListenerContainerFactory bulkTaskListenerContainerFactory(
			SimpleRabbitListenerContainerFactoryConfigurer configurer, ConnectionFactory connectionFactory,
			MessageConverter messageConverter, WorkerProperties properties) {
		return taskListenerContainerFactory(configurer, connectionFactory, messageConverter, properties,
				properties.bulkConcurrency());
	}

	private static SimpleRabbitListenerContainerFactory taskListenerContainerFactory(
			SimpleRabbitListenerContainerFactoryConfigurer configurer, ConnectionFactory connectionFactory,
			MessageConverter messageConverter, WorkerProperties properties, int concurrency) {
		SimpleRabbitListenerContainerFactory factory = listenerContainerFactory(configurer, connectionFactory,
				messageConverter, properties.prefetch(), concurrency, properties.shutdownGracePeriod());
		factory.setAcknowledgeMode(AcknowledgeMode.MANUAL);
		factory.setBatchListener(true);
		factory.setConsumerBatchEnabled(true);
		factory.setBatchSize(properties.prefetch());
		if (properties.prefetch() > 1) {
			// A batch is what the consumer holds already: the container waits at most
			// this long for one more task, counted from when it began waiting for the
			// first.
			factory.setReceiveTimeout(TASK_BATCH_WAIT_MILLIS);
			factory.setBatchReceiveTimeout(TASK_BATCH_WAIT_MILLIS);
		}
		return factory;
	}

	/**
	 * The container consuming report events for the email outbox, with the same
	 * dead-lettering rules as the task containers: an event is acknowledged once its
	 * email is recorded in the outbox (sending is the outbox's job, with its own
	 * retries), requeued if PostgreSQL is unavailable, and dead-lettered to
	 * {@code reports.events.email.dlq} only if it cannot be read or recorded. Events come
	 * to the listener in batches of up to {@value #EMAIL_BATCH}
	 * ({@code consumerBatchEnabled}), and the listener acknowledges or rejects each
	 * itself ({@link AcknowledgeMode#MANUAL}): the container could only settle a batch as
	 * a whole, and would dead-letter its good events with an unreadable one. A batch is
	 * handed over once full, or at most {@value #EMAIL_BATCH_WAIT_MILLIS} ms after its
	 * first event.
	 * @param configurer Boot's configurer
	 * @param connectionFactory the connection factory
	 * @param messageConverter the converter
	 * @param properties the worker's settings
	 * @return the factory
	 */
	@Bean
	public SimpleRabbitListenerContainerFactory emailListenerContainerFactory(
			SimpleRabbitListenerContainerFactoryConfigurer configurer, ConnectionFactory connectionFactory,
			MessageConverter messageConverter, WorkerProperties properties) {
		SimpleRabbitListenerContainerFactory factory = listenerContainerFactory(configurer, connectionFactory,
				messageConverter, EMAIL_PREFETCH, EMAIL_CONCURRENCY, properties.shutdownGracePeriod());
		factory.setAcknowledgeMode(AcknowledgeMode.MANUAL);
		factory.setBatchListener(true);
		factory.setConsumerBatchEnabled(true);
		factory.setBatchSize(EMAIL_BATCH);
		factory.setReceiveTimeout(EMAIL_BATCH_WAIT_MILLIS);
		factory.setBatchReceiveTimeout(EMAIL_BATCH_WAIT_MILLIS);
		return factory;
	}

	/**
	 * Checks that Spring gives the listener containers their whole grace period when the
	 * worker stops: each shutdown phase, the containers' included, is cut off after
	 * {@code spring.lifecycle.timeout-per-shutdown-phase}.
	 * @param properties the worker's settings
	 * @param shutdownPhase Boot's shutdown phase timeout
	 * @return the check, for the record
	 */
	@Bean
	ShutdownGracePeriodCheck shutdownGracePeriodCheck(WorkerProperties properties,
			@Value("${spring.lifecycle.timeout-per-shutdown-phase:30s}") Duration shutdownPhase) {
		return new ShutdownGracePeriodCheck(properties.shutdownGracePeriod(), shutdownPhase);
	}

	/**
	 * The template events are published with: the one converter, {@code mandatory} so an
	 * unroutable event comes back instead of vanishing (except a message whose publisher
	 * marked it {@value #MAY_REACH_NO_QUEUE}: that it reaches no queue is no failure, and
	 * the broker need not send it back whole), and a connection factory with correlated
	 * publisher confirms and returns
	 * ({@code spring.rabbitmq.publisher-confirm-type=correlated},
	 * {@code spring.rabbitmq.publisher-returns=true}), so the publisher can wait until
	 * the broker has taken an event.
	 * @param configurer Boot's configurer (applies {@code spring.rabbitmq.template.*})
	 * @param connectionFactory the connection factory
	 * @param messageConverter the converter
	 * @return the template
	 */
	@Bean
	public RabbitTemplate rabbitTemplate(RabbitTemplateConfigurer configurer, ConnectionFactory connectionFactory,
			MessageConverter messageConverter) {
		Assert.state(connectionFactory.isPublisherConfirms() && connectionFactory.isPublisherReturns(),
				"Events must be published with confirms and returns: set spring.rabbitmq.publisher-confirm-type="
						+ "correlated and spring.rabbitmq.publisher-returns=true");
		RabbitTemplate template = new RabbitTemplate();
		configurer.configure(template, connectionFactory);
		template.setMessageConverter(messageConverter);
		template.setMandatoryExpression(MANDATORY);
		// The publisher reads a return from the publish's CorrelationData and decides
		// there whether it is a failure (ConfirmedPublisher); this callback only keeps
		// the template from warning that nobody listens, as api-service's does.
		template.setReturnsCallback((returned) -> logger.debug("Returned by the broker: {} {} (routing key {})",
				returned.getReplyCode(), returned.getReplyText(), returned.getRoutingKey()));
		return template;
	}

	private static SimpleRabbitListenerContainerFactory listenerContainerFactory(
			SimpleRabbitListenerContainerFactoryConfigurer configurer, ConnectionFactory connectionFactory,
			MessageConverter messageConverter, int prefetch, int concurrency, Duration shutdownGracePeriod) {
		SimpleRabbitListenerContainerFactory factory = new SimpleRabbitListenerContainerFactory();
		configurer.configure(factory, connectionFactory);
		factory.setMessageConverter(messageConverter);
		factory.setPrefetchCount(prefetch);
		factory.setConcurrentConsumers(concurrency);
		factory.setMaxConcurrentConsumers(concurrency);
		factory.setAcknowledgeMode(AcknowledgeMode.AUTO);
		factory.setDefaultRequeueRejected(false);
		factory.setContainerCustomizer((container) -> {
			container.setShutdownTimeout(shutdownGracePeriod.toMillis());
			// After the grace period the channel is closed, so RabbitMQ redelivers what
			// is still in hand (the default, made explicit).
			container.setForceCloseChannel(true);
		});
		return factory;
	}

}
