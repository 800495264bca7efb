package dev.offload.api.batch;

import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;

import dev.offload.api.ApiProperties;
import dev.offload.api.report.ReportIntake;

import org.springframework.beans.factory.ObjectProvider;
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
			ObjectProvider<BatchPreparation.BatchCompletionListener> listeners) {
		return new BatchPreparation(batches, intake, new TransactionTemplate(transactionManager), properties, meters,
				List.copyOf(listeners.orderedStream().toList()));
	}

	@Bean
	SchedulingConfigurer batchSchedule(BatchPreparation preparation, ApiProperties properties) {
		return (registrar) -> registrar.addFixedDelayTask(preparation::run, properties.batches().interval());
	}

}
