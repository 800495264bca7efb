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

	@Bean
	EndpointGuard endpointGuard(WebhookProperties properties) {
		return new EndpointGuard(properties);
	}

	/**
	 * The container consuming report events for webhooks, set on purpose rather than left
	 * to Spring's defaults: an event is acknowledged once its webhook rows are committed
	 * (AUTO: the listener returns, then the container acks); one that cannot be read is
	 * rejected without requeue and dead-lettered to {@code reports.events.webhooks.dlq}
	 * (the default would loop it forever); the listener requeues it itself while
	 * PostgreSQL is unavailable. Two consumers per replica and a modest prefetch:
	 * recording is two inserts, and every replica consumes from the one queue.
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
		factory.setPrefetchCount(20);
		factory.setAcknowledgeMode(AcknowledgeMode.AUTO);
		factory.setDefaultRequeueRejected(false);
		return factory;
	}

}
