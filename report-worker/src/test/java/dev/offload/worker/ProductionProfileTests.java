package dev.offload.worker;

import org.junit.jupiter.api.Test;

import org.springframework.boot.context.config.ConfigDataEnvironmentPostProcessor;
import org.springframework.core.env.StandardEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The committed configuration carries local credentials and secrets for local runs and
 * tests only: with the {@code prod} profile they are gone, and the ones a deployment must
 * supply cannot be resolved, so the service does not start without them.
 */
class ProductionProfileTests {

	@Test
	void localRunsHaveLocalDefaults() {
		StandardEnvironment environment = environment();

		assertThat(environment.getProperty("spring.rabbitmq.username")).isEqualTo("guest");
		assertThat(environment.getProperty("offload.download-links.secret")).startsWith("local-");
	}

	@Test
	void prodProfileHasNoCommittedCredentialsOrSecrets() {
		StandardEnvironment environment = environment("prod");

		assertThatIllegalArgumentException().isThrownBy(() -> environment.getProperty("spring.rabbitmq.username"))
			.withMessageContaining("SPRING_RABBITMQ_USERNAME");
		assertThatIllegalArgumentException().isThrownBy(() -> environment.getProperty("spring.rabbitmq.password"))
			.withMessageContaining("SPRING_RABBITMQ_PASSWORD");
		assertThatIllegalArgumentException().isThrownBy(() -> environment.getProperty("offload.download-links.secret"))
			.withMessageContaining("OFFLOAD_DOWNLOAD_LINKS_SECRET");
	}

	private static StandardEnvironment environment(String... profiles) {
		StandardEnvironment environment = new StandardEnvironment();
		// Only the committed files count here, not this machine's environment.
		environment.getPropertySources().remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
		environment.setActiveProfiles(profiles);
		ConfigDataEnvironmentPostProcessor.applyTo(environment);
		return environment;
	}

}
