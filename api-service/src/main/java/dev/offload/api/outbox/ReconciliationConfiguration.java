package dev.offload.api.outbox;

import dev.offload.api.ApiProperties;
import dev.offload.model.Topology;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.amqp.core.AmqpAdmin;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Runs {@link Reconciliation} every {@code offload.api.reconciliation.interval}.
 */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
class ReconciliationConfiguration {

	@Bean
	Reconciliation reconciliation(JdbcClient jdbc, PlatformTransactionManager transactionManager, AmqpAdmin admin,
			Topology topology, TaskRelay relay, MeterRegistry meters, ApiProperties properties) {
		return new Reconciliation(jdbc, new TransactionTemplate(transactionManager), admin, topology, relay, meters,
				properties);
	}

	@Bean
	@ConditionalOnProperty(name = "offload.api.reconciliation.enabled", matchIfMissing = true)
	SchedulingConfigurer reconciliationSchedule(Reconciliation reconciliation, ApiProperties properties) {
		return (registrar) -> registrar.addFixedDelayTask(reconciliation::run, properties.reconciliation().interval());
	}

}
