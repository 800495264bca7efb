package dev.offload.api.retention;

import dev.offload.api.ApiProperties;
import dev.offload.model.files.FileStores;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Runs {@link ReportFileRetention} every {@code offload.api.retention.interval}.
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
	SchedulingConfigurer reportFileRetentionSchedule(ReportFileRetention retention, ApiProperties properties) {
		return (registrar) -> registrar.addFixedDelayTask(retention::run, properties.retention().interval());
	}

}
