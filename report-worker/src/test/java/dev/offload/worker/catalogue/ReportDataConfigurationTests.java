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
 * Both pools' sizes against the worker's threads that can hold one of their connections
 * at once: left unset, a pool is sized for them; set smaller, it is a warning at start-up
 * that names the setting and what it needs. No connection is opened.
 */
@ExtendWith(OutputCaptureExtension.class)
class ReportDataConfigurationTests {

	private static final String WARNING = "fewer connections than";

	private final ApplicationContextRunner contexts = new ApplicationContextRunner()
		.withUserConfiguration(Settings.class, ReportDataConfiguration.class)
		.withPropertyValues("spring.datasource.url=jdbc:postgresql://127.0.0.1:5432/unused",
				"offload.worker.email.from=reports@example.com",
				"offload.worker.email.download-base-url=https://reports.example.com");

	@Test
	void unsetPoolsHoldTheDefaultConsumersSendersListenerAndHealthCheck(CapturedOutput output) {
		this.contexts.run((context) -> {
			assertThat(context).hasNotFailed();
			HikariDataSource reportData = context.getBean(ReportDataConfiguration.REPORT_DATA, HikariDataSource.class);
			// 4 + 2 consumers and the health check: Hikari's 10 is more.
			assertThat(reportData.getMaximumPoolSize()).isEqualTo(10);
			assertThat(reportData.isReadOnly()).isTrue();
			// 4 + 2 consumers, 4 SMTP connections, the email listener and the health
			// check.
			assertThat(context.getBean("dataSource", HikariDataSource.class).getMaximumPoolSize()).isEqualTo(12);
			assertThat(context).hasSingleBean(ReportData.class);
		});
		assertThat(output).doesNotContain(WARNING);
	}

	@Test
	void unsetPoolsGrowWithTheConsumersAndSenders(CapturedOutput output) {
		this.contexts
			.withPropertyValues("offload.worker.concurrency=16", "offload.worker.bulk-concurrency=3",
					"offload.worker.email.connections=1")
			.run((context) -> {
				assertThat(context.getBean(ReportDataConfiguration.REPORT_DATA, HikariDataSource.class)
					.getMaximumPoolSize()).isEqualTo(20);
				assertThat(context.getBean("dataSource", HikariDataSource.class).getMaximumPoolSize()).isEqualTo(22);
			});
		assertThat(output).doesNotContain(WARNING);
	}

	@Test
	void poolsSetJustLargeEnoughAreKeptWithoutAWarning(CapturedOutput output) {
		this.contexts
			.withPropertyValues("offload.worker.concurrency=4", "offload.worker.bulk-concurrency=2",
					"offload.worker.email.connections=2", "offload.report-data.hikari.maximum-pool-size=7",
					"spring.datasource.hikari.maximum-pool-size=10")
			.run((context) -> {
				assertThat(context.getBean(ReportDataConfiguration.REPORT_DATA, HikariDataSource.class)
					.getMaximumPoolSize()).isEqualTo(7);
				assertThat(context.getBean("dataSource", HikariDataSource.class).getMaximumPoolSize()).isEqualTo(10);
			});
		assertThat(output).doesNotContain(WARNING);
	}

	@Test
	void aSmallerReportDataPoolIsAWarningThatSaysWhatItNeeds(CapturedOutput output) {
		this.contexts
			.withPropertyValues("offload.worker.concurrency=4", "offload.worker.bulk-concurrency=2",
					"offload.report-data.hikari.maximum-pool-size=6")
			.run((context) -> assertThat(
					context.getBean(ReportDataConfiguration.REPORT_DATA, HikariDataSource.class).getMaximumPoolSize())
				.isEqualTo(6));
		assertThat(output)
			.contains("offload.report-data.hikari.maximum-pool-size is 6, " + WARNING
					+ " 6 consumers and the health check can hold at once")
			.contains("(set it to 7 or more)")
			.doesNotContain("spring.datasource.hikari.maximum-pool-size is");
	}

	@Test
	void aSmallerRecordsPoolIsAWarningThatSaysWhatItNeedsHoweverTheSettingIsSpelled(CapturedOutput output) {
		this.contexts
			.withPropertyValues("offload.worker.concurrency=4", "offload.worker.bulk-concurrency=2",
					"spring.datasource.hikari.maximumPoolSize=9")
			.run((context) -> assertThat(context.getBean("dataSource", HikariDataSource.class).getMaximumPoolSize())
				.isEqualTo(9));
		assertThat(output)
			.contains("spring.datasource.hikari.maximum-pool-size is 9, " + WARNING
					+ " 6 consumers, 4 SMTP connections, the email listener and the health check can hold at once")
			.contains("(set it to 12 or more)");
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(WorkerProperties.class)
	static class Settings {

	}

}
