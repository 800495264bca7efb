package dev.offload.worker.catalogue;

import com.zaxxer.hikari.HikariDataSource;
import dev.offload.worker.WorkerProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.jdbc.autoconfigure.DataSourceProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;

/**
 * Two data sources: the primary one ({@code spring.datasource.*}) holds the report
 * records (status, claims, email outbox); the report data source ({@value #REPORT_DATA},
 * {@code offload.report-data.*}) is what reports read. Point
 * {@code offload.report-data.url} (and {@code username}, {@code password}) at a read
 * replica; left unset, reports read the primary database through a small pool of their
 * own, so a month-end burst of reports cannot take the connections the pipeline needs.
 * <p>
 * A report holds one connection of that pool while it is built, so the pool needs one per
 * consumer and one for the health check (Hikari's default of 10 has 3 more than the
 * default 4 + 2 consumers need). With fewer, under full load the health check (and with
 * fewer than one per consumer, a report) waits for a connection, up to Hikari's
 * {@code connection-timeout}, after which the report's attempt fails and is retried.
 */
@Configuration(proxyBeanMethods = false)
class ReportDataConfiguration {

	private static final Logger logger = LoggerFactory.getLogger(ReportDataConfiguration.class);

	static final String REPORT_DATA = "reportDataSource";

	@Bean
	@Primary
	@ConfigurationProperties("spring.datasource")
	DataSourceProperties dataSourceProperties() {
		return new DataSourceProperties();
	}

	@Bean
	@Primary
	@ConfigurationProperties("spring.datasource.hikari")
	HikariDataSource dataSource(DataSourceProperties dataSourceProperties) {
		return dataSourceProperties.initializeDataSourceBuilder().type(HikariDataSource.class).build();
	}

	@Bean
	@ConfigurationProperties("offload.report-data")
	DataSourceProperties reportDataSourceProperties(DataSourceProperties dataSourceProperties) {
		// Defaults; offload.report-data.* binds over them.
		DataSourceProperties properties = new DataSourceProperties();
		properties.setUrl(dataSourceProperties.getUrl());
		properties.setUsername(dataSourceProperties.getUsername());
		properties.setPassword(dataSourceProperties.getPassword());
		return properties;
	}

	@Bean(REPORT_DATA)
	@ConfigurationProperties("offload.report-data.hikari")
	HikariDataSource reportDataSource(
			@Qualifier("reportDataSourceProperties") DataSourceProperties reportDataSourceProperties) {
		HikariDataSource dataSource = reportDataSourceProperties.initializeDataSourceBuilder()
			.type(HikariDataSource.class)
			.build();
		dataSource.setPoolName("report-data");
		dataSource.setReadOnly(true);
		return dataSource;
	}

	@Bean
	ReportData reportData(@Qualifier(REPORT_DATA) HikariDataSource reportDataSource, WorkerProperties worker) {
		int consumers = worker.concurrency() + worker.bulkConcurrency();
		if (reportDataSource.getMaximumPoolSize() < consumers + 1) {
			logger.warn(
					"The report data pool's {} connections are fewer than {} consumers and the health check "
							+ "need: under full load the health check or a report waits for a connection (set "
							+ "offload.report-data.hikari.maximum-pool-size to {} or more)",
					reportDataSource.getMaximumPoolSize(), consumers, consumers + 1);
		}
		return ReportData.of(reportDataSource);
	}

}
