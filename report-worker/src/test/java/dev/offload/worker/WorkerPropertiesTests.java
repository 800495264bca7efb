package dev.offload.worker;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The worker's settings: defaults, the email back-off, and settings that contradict each
 * other or the broker stopping start-up with a message that says what to change.
 */
class WorkerPropertiesTests {

	private final ApplicationContextRunner contexts = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
		.withUserConfiguration(Settings.class);

	@Test
	void defaultsMatchTheDocumentedOnes() {
		// The sender and the link address have no default (required settings).
		this.contexts
			.withPropertyValues("offload.worker.email.from=reports@example.com",
					"offload.worker.email.download-base-url=https://reports.example.com")
			.run((context) -> {
				WorkerProperties properties = context.getBean(WorkerProperties.class);
				assertThat(properties.prefetch()).isEqualTo(1);
				assertThat(properties.concurrency()).isEqualTo(4);
				assertThat(properties.bulkConcurrency()).isEqualTo(2);
				assertThat(properties.reportTimeout()).isEqualTo(Duration.ofMinutes(10));
				assertThat(properties.shutdownGracePeriod()).isEqualTo(Duration.ofSeconds(25));
				assertThat(properties.email().connections()).isEqualTo(4);
				assertThat(properties.retry().delays()).containsExactly(Duration.ofSeconds(5), Duration.ofSeconds(30),
						Duration.ofMinutes(2), Duration.ofMinutes(10));
			});
	}

	@Test
	void emailBackoffGrowsExponentiallyUpToItsMaximum() {
		WorkerProperties.EmailRetry retry = new WorkerProperties.EmailRetry(Duration.ofSeconds(5), 2,
				Duration.ofMinutes(1));
		assertThat(retry.backoff(1)).isEqualTo(Duration.ofSeconds(5));
		assertThat(retry.backoff(2)).isEqualTo(Duration.ofSeconds(10));
		assertThat(retry.backoff(4)).isEqualTo(Duration.ofSeconds(40));
		assertThat(retry.backoff(5)).isEqualTo(Duration.ofMinutes(1));
		assertThat(retry.backoff(500)).isEqualTo(Duration.ofMinutes(1));
	}

	@Test
	void reportTimeoutThatCouldOutlastTheBrokersConsumerTimeoutIsRejected() {
		assertRejected(Map.of("offload.worker.report-timeout", "20m", "offload.worker.prefetch", "2"),
				"must be shorter than offload.worker.broker-consumer-timeout");
	}

	@Test
	void leaseNoLongerThanTheProgressIntervalIsRejected() {
		assertRejected(Map.of("offload.worker.lease-duration", "1s", "offload.worker.progress-interval", "2s"),
				"lease-duration must be longer than offload.worker.progress-interval");
	}

	@Test
	void nonPositiveRetryDelayIsRejected() {
		assertRejected(Map.of("offload.worker.retry.delays", "5s,0s"), "retry.delays must each be positive");
	}

	@Test
	void emailConnectionsOutsideOneTo32AreRejectedNamingTheProperty() {
		assertRejected(Map.of("offload.worker.email.connections", "0"), "offload.worker.email.connections");
		assertRejected(Map.of("offload.worker.email.connections", "33"), "offload.worker.email.connections");
		assertRejected(Map.of("offload.worker.email.connections", "many"), "offload.worker.email.connections");
	}

	@Test
	void unreadableDurationIsRejectedNamingTheProperty() {
		assertRejected(Map.of("offload.worker.report-timeout", "ten minutes"), "offload.worker.report-timeout");
	}

	private void assertRejected(Map<String, String> settings, String message) {
		this.contexts
			.withPropertyValues("offload.worker.email.from=reports@example.com",
					"offload.worker.email.download-base-url=https://reports.example.com")
			.withPropertyValues(settings.entrySet()
				.stream()
				.map((entry) -> entry.getKey() + "=" + entry.getValue())
				.toArray(String[]::new))
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).hasStackTraceContaining(message);
			});
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(WorkerProperties.class)
	static class Settings {

	}

}
