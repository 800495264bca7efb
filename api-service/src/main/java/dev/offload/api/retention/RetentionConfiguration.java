package dev.offload.api.retention;

import dev.offload.api.ApiProperties;
import dev.offload.model.files.FileStores;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.FixedDelayTask;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Runs {@link ReportFileRetention}, then {@link RecordRetention}, every
 * {@code offload.api.retention.interval}, the first time {@code initial-delay} after
 * start-up (not while a replica is still warming up): one task, so a report's file is
 * deleted before its row can be.
 */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
class RetentionConfiguration {

	@Bean
	ReportFileRetention reportFileRetention(JdbcClient jdbc, PlatformTransactionManager transactionManager,
			ApiProperties properties, FileStores files) {
		return new ReportFileRetention(jdbc, new TransactionTemplate(transactionManager), properties, files);
	}

	@Bean
	RecordRetention recordRetention(JdbcClient jdbc, PlatformTransactionManager transactionManager,
			ApiProperties properties, MeterRegistry meters) {
		return new RecordRetention(jdbc, new TransactionTemplate(transactionManager), properties, meters);
	}

	@Bean
	SchedulingConfigurer retentionSchedule(ReportFileRetention files, RecordRetention records,
			ApiProperties properties) {
		return (registrar) -> registrar.addFixedDelayTask(new FixedDelayTask(() -> {
			files.run();
			records.run();
		}, properties.retention().interval(), properties.retention().initialDelay()));
	}

}
