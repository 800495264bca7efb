package dev.offload.worker.catalogue;

import com.zaxxer.hikari.HikariDataSource;
import dev.offload.worker.WorkerProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The report data pool's size against the reports a worker builds at once: one connection
 * per consumer and one for the health check, or a warning at start-up that names the
 * setting. No connection is opened.
 */
@ExtendWith(OutputCaptureExtension.class)
class ReportDataConfigurationTests {

	private static final String WARNING = "The report data pool's";

	private final ApplicationContextRunner contexts = new ApplicationContextRunner()
		.withUserConfiguration(Settings.class, ReportDataConfiguration.class)
		.withPropertyValues("spring.datasource.url=jdbc:postgresql://127.0.0.1:5432/unused",
				"offload.worker.email.from=reports@example.com",
				"offload.worker.email.download-base-url=https://reports.example.com");

	@Test
	void theDefaultPoolHoldsTheDefaultConsumersAndTheHealthCheck(CapturedOutput output) {
		this.contexts.run((context) -> {
			assertThat(context).hasNotFailed();
			HikariDataSource pool = context.getBean(ReportDataConfiguration.REPORT_DATA, HikariDataSource.class);
			assertThat(pool.getMaximumPoolSize()).isEqualTo(10);
			assertThat(pool.isReadOnly()).isTrue();
			assertThat(context).hasSingleBean(ReportData.class);
		});
		assertThat(output).doesNotContain(WARNING);
	}

	@Test
	void aPoolOfOnePerConsumerAndOneMoreIsEnough(CapturedOutput output) {
		this.contexts
			.withPropertyValues("offload.worker.concurrency=4", "offload.worker.bulk-concurrency=2",
					"offload.report-data.hikari.maximum-pool-size=7")
			.run((context) -> assertThat(context).hasSingleBean(ReportData.class));
		assertThat(output).doesNotContain(WARNING);
	}

	@Test
	void aSmallerPoolIsAWarningThatSaysWhatItNeeds(CapturedOutput output) {
		this.contexts
			.withPropertyValues("offload.worker.concurrency=4", "offload.worker.bulk-concurrency=2",
					"offload.report-data.hikari.maximum-pool-size=6")
			.run((context) -> assertThat(context).hasSingleBean(ReportData.class));
		assertThat(output).contains(WARNING + " 6 connections are fewer than 6 consumers and the health check need")
			.contains("offload.report-data.hikari.maximum-pool-size to 7 or more");
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(WorkerProperties.class)
	static class Settings {

	}

}
