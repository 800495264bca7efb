package dev.offload.api.batch;

import io.micrometer.core.instrument.MeterRegistry;

import dev.offload.api.ApiProperties;
import dev.offload.api.report.ReportIntake;
import dev.offload.api.webhook.WebhookEvents;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** Schedules {@link BatchPreparation} on every replica. */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
class BatchConfiguration {

	@Bean
	BatchPreparation batchPreparation(Batches batches, ReportIntake intake,
			PlatformTransactionManager transactionManager, ApiProperties properties, MeterRegistry meters,
			WebhookEvents webhooks) {
		return new BatchPreparation(batches, intake, new TransactionTemplate(transactionManager), properties, meters,
				webhooks);
	}

	@Bean
	SchedulingConfigurer batchSchedule(BatchPreparation preparation, ApiProperties properties) {
		return (registrar) -> registrar.addFixedDelayTask(preparation::run, properties.batches().interval());
	}

}
