package dev.offload.worker.catalogue;

import com.zaxxer.hikari.HikariDataSource;
import dev.offload.worker.WorkerProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.jdbc.autoconfigure.DataSourceProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.core.env.Environment;

/**
 * Two data sources: the primary one ({@code spring.datasource.*}) holds the report
 * records (status, claims, email outbox); the report data source ({@value #REPORT_DATA},
 * {@code offload.report-data.*}) is what reports read. Point
 * {@code offload.report-data.url} (and {@code username}, {@code password}) at a read
 * replica; left unset, reports read the primary database through a small pool of their
 * own, so a month-end burst of reports cannot take the connections the pipeline needs.
 * <p>
 * Each pool is sized against the worker's threads that can hold one of its connections at
 * once. A report holds one of the report data pool while it is built, so that pool needs
 * one per consumer ({@code concurrency + bulk-concurrency}) and one for the health check.
 * The primary pool needs one per consumer (its claim, progress, file and outcome, one
 * statement at a time), one per SMTP connection
 * ({@code offload.worker.email.connections}: a sender holds its connection, and the locks
 * on the emails it sends, while the SMTP server takes them), one for the email listener
 * and one for the health check (the scheduler's other tasks run on the first sender's
 * thread, one after another). A pool whose {@code maximum-pool-size} is not set gets
 * Hikari's 10 or that many, whichever is more; one set smaller is a warning at start-up,
 * since under full load a thread would wait for a connection, up to Hikari's
 * {@code connection-timeout}, after which its attempt fails and is retried.
 */
@Configuration(proxyBeanMethods = false)
class ReportDataConfiguration {

	private static final Logger logger = LoggerFactory.getLogger(ReportDataConfiguration.class);

	static final String REPORT_DATA = "reportDataSource";

	/** Hikari's own {@code maximumPoolSize} when none is set. */
	private static final int HIKARI_DEFAULT_SIZE = 10;

	@Bean
	@Primary
	@ConfigurationProperties("spring.datasource")
	DataSourceProperties dataSourceProperties() {
		return new DataSourceProperties();
	}

	@Bean
	@Primary
	@ConfigurationProperties("spring.datasource.hikari")
	HikariDataSource dataSource(DataSourceProperties dataSourceProperties, WorkerProperties worker,
			Environment environment) {
		HikariDataSource dataSource = dataSourceProperties.initializeDataSourceBuilder()
			.type(HikariDataSource.class)
			.build();
		int consumers = worker.concurrency() + worker.bulkConcurrency();
		int connections = worker.email().connections();
		size(dataSource, "spring.datasource.hikari", consumers + connections + 2, environment,
				"%d consumers, %d SMTP connections, the email listener and the health check".formatted(consumers,
						connections));
		return dataSource;
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
			@Qualifier("reportDataSourceProperties") DataSourceProperties reportDataSourceProperties,
			WorkerProperties worker, Environment environment) {
		HikariDataSource dataSource = reportDataSourceProperties.initializeDataSourceBuilder()
			.type(HikariDataSource.class)
			.build();
		dataSource.setPoolName("report-data");
		dataSource.setReadOnly(true);
		int consumers = worker.concurrency() + worker.bulkConcurrency();
		size(dataSource, "offload.report-data.hikari", consumers + 1, environment,
				"%d consumers and the health check".formatted(consumers));
		return dataSource;
	}

	@Bean
	ReportData reportData(@Qualifier(REPORT_DATA) HikariDataSource reportDataSource) {
		return ReportData.of(reportDataSource);
	}

	/**
	 * Sizes a pool that is about to be bound to {@code prefix}: to Hikari's default or
	 * {@code needed}, whichever is more, unless {@code prefix.maximum-pool-size} is set
	 * (binding applies it after this), in which case a size below {@code needed} is a
	 * warning.
	 */
	private static void size(HikariDataSource pool, String prefix, int needed, Environment environment,
			String holders) {
		String property = prefix + ".maximum-pool-size";
		Integer configured = Binder.get(environment).bind(property, Integer.class).orElse(null);
		if (configured == null) {
			pool.setMaximumPoolSize(Math.max(HIKARI_DEFAULT_SIZE, needed));
		}
		else if (configured < needed) {
			logger.warn("{} is {}, fewer connections than {} can hold at once: under full load one of them waits "
					+ "for a connection (set it to {} or more)", property, configured, holders, needed);
		}
	}

}
