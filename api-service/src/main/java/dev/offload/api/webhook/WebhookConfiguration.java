package dev.offload.api.webhook;

import org.springframework.amqp.core.AcknowledgeMode;
import org.springframework.amqp.rabbit.config.SimpleRabbitListenerContainerFactory;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.amqp.support.converter.MessageConverter;
import org.springframework.boot.amqp.autoconfigure.SimpleRabbitListenerContainerFactoryConfigurer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Webhooks' beans: the address check shared by registration and the sender, and the
 * listener container for {@code reports.events.webhooks}.
 */
@Configuration(proxyBeanMethods = false)
class WebhookConfiguration {

	/**
	 * The most events the listener takes together (each consumer prefetches twice as
	 * many).
	 */
	static final int WEBHOOK_BATCH = 20;

	/**
	 * How long a batch waits for more events after its first before it is recorded as it
	 * is: the longest an event's webhooks are held back while events trickle in.
	 */
	static final long WEBHOOK_BATCH_WAIT_MILLIS = 50;

	@Bean
	EndpointGuard endpointGuard(WebhookProperties properties) {
		return new EndpointGuard(properties);
	}

	/**
	 * The container consuming report events for webhooks, set on purpose rather than left
	 * to Spring's defaults. Events come to the listener in batches of up to
	 * {@value #WEBHOOK_BATCH} ({@code consumerBatchEnabled}), handed over once full or
	 * {@value #WEBHOOK_BATCH_WAIT_MILLIS} ms after its first event, and the listener
	 * acknowledges or rejects each itself ({@link AcknowledgeMode#MANUAL}): an event is
	 * acknowledged once its webhook rows are committed, requeued while PostgreSQL is
	 * unreachable, and dead-lettered to {@code reports.events.webhooks.dlq} only if it
	 * cannot be read or recorded (the container could only settle a batch as a whole, and
	 * would dead-letter its good events with an unreadable one). Two consumers per
	 * replica, every replica consuming from the one queue.
	 * @param configurer Boot's configurer (applies
	 * {@code spring.rabbitmq.listener.simple.*})
	 * @param connectionFactory the connection factory
	 * @param messageConverter the converter
	 * @return the factory
	 */
	@Bean
	SimpleRabbitListenerContainerFactory webhooksContainerFactory(
			SimpleRabbitListenerContainerFactoryConfigurer configurer, ConnectionFactory connectionFactory,
			MessageConverter messageConverter) {
		SimpleRabbitListenerContainerFactory factory = new SimpleRabbitListenerContainerFactory();
		configurer.configure(factory, connectionFactory);
		factory.setMessageConverter(messageConverter);
		factory.setConcurrentConsumers(2);
		factory.setMaxConcurrentConsumers(2);
		// The next batch waits on the consumer while one is recorded.
		factory.setPrefetchCount(2 * WEBHOOK_BATCH);
		factory.setAcknowledgeMode(AcknowledgeMode.MANUAL);
		factory.setDefaultRequeueRejected(false);
		factory.setBatchListener(true);
		factory.setConsumerBatchEnabled(true);
		factory.setBatchSize(WEBHOOK_BATCH);
		factory.setReceiveTimeout(WEBHOOK_BATCH_WAIT_MILLIS);
		factory.setBatchReceiveTimeout(WEBHOOK_BATCH_WAIT_MILLIS);
		return factory;
	}

}
