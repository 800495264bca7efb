package dev.offload.api.messaging;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.offload.model.Messages;
import dev.offload.model.Topology;
import dev.offload.model.TopologyDeclarations;

import org.springframework.amqp.core.Declarables;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.amqp.support.converter.MessageConverter;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.amqp.autoconfigure.RabbitTemplateConfigurer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.Assert;

/**
 * The API's RabbitMQ setup in one place: the topology it declares, the message converter
 * and the template the outbox relay publishes report tasks with.
 * <p>
 * Spring's defaults are not safe for this job: publisher confirms and returns are off, so
 * a task the broker never took (or could not route) would count as sent and the report
 * would wait forever. The relay marks a report published only after the broker's ack, so
 * confirms, returns and {@code mandatory} are required here, not optional.
 */
@Configuration(proxyBeanMethods = false)
public class ApiMessagingConfiguration {

	private static final Logger logger = LoggerFactory.getLogger(ApiMessagingConfiguration.class);

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
	 * The whole topology, declared idempotently when the first connection opens. The
	 * worker declares the same, with the same arguments, so whichever starts first
	 * creates it.
	 * @param topology the names
	 * @return the declarations
	 */
	@Bean
	public Declarables offloadTopology(Topology topology) {
		return TopologyDeclarations.all(topology);
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

}
