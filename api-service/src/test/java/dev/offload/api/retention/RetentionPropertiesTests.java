package dev.offload.api.retention;

import dev.offload.api.ApiProperties;
import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code offload.api.retention.*} is checked while it is bound: a setting that would
 * delete a report's row before its file, or a sent email while its signed link still
 * works, stops the service at start-up, naming the property.
 */
class RetentionPropertiesTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withUserConfiguration(PropertiesConfiguration.class);

	@Test
	void defaultsKeepReportsLongerThanFilesAndSentEmailsLongerThanTheirLinks() {
		this.runner.run((context) -> {
			assertThat(context).hasNotFailed();
			ApiProperties.Retention retention = context.getBean(ApiProperties.class).retention();
			assertThat(retention.keepReportsFor()).hasDays(400);
			assertThat(retention.keepSentEmailsFor()).hasDays(30);
			assertThat(retention.keepIdempotencyKeysFor()).hasDays(7);
		});
	}

	@Test
	void reportRowsKeptShorterThanTheirFilesFailStartUp() {
		this.runner
			.withPropertyValues("offload.api.retention.keep-files-for=30d",
					"offload.api.retention.keep-reports-for=20d")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("offload.api.retention")
				.hasMessageContaining("keep-reports-for must be at least keep-files-for"));
	}

	@Test
	void sentEmailsKeptShorterThanTheLinksValidityFailStartUp() {
		this.runner.withPropertyValues("offload.api.retention.keep-sent-emails-for=6d")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("retention.keepSentEmailsFor")
				.hasMessageContaining("must be longer than or equal to 7 days"));
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(ApiProperties.class)
	static class PropertiesConfiguration {

	}

}
