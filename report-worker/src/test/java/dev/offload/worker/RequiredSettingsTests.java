package dev.offload.worker;

import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

import dev.offload.model.config.MissingSettingsException;
import dev.offload.model.config.RequiredSetting;
import dev.offload.testsupport.CommittedConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.SpringApplication;
import org.springframework.core.env.StandardEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The committed configuration holds credentials, the mail server and the link address
 * under the {@code local} profile only. Started with any other profile (or none), the
 * worker refuses to start unless the deployment supplies each required setting, and names
 * every one it lacks.
 */
class RequiredSettingsTests {

	private static final Map<String, Object> DEPLOYMENT = Map.of("spring.datasource.url",
			"jdbc:postgresql://db.example:5432/offload", "spring.datasource.username", "offload",
			"spring.rabbitmq.username", "offload-worker", "spring.rabbitmq.password", "broker-password",
			"offload.download-links.secret", "a-deployment-secret-of-32-characters!", "spring.mail.host",
			"smtp.example.com", "offload.worker.email.from", "reports@example.com",
			"offload.worker.email.download-base-url", "https://reports.example.com");

	private final WorkerSettingsCheck check = new WorkerSettingsCheck();

	@Test
	void theLocalProfileHasEverySettingAndADeploymentThatSetsThemAllNeedsNone() {
		assertThat(this.check.missingFrom(CommittedConfiguration.load(Map.of(), "local"))).isEmpty();
		assertThat(this.check.missingFrom(CommittedConfiguration.load(DEPLOYMENT, "production"))).isEmpty();
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "prod", "production", "staging" })
	void withoutTheLocalProfileNoCommittedCredentialOrAddressApplies(String profile) {
		StandardEnvironment environment = CommittedConfiguration.load(Map.of(), profile);

		assertThat(environment.getProperty("spring.rabbitmq.password")).isNull();
		assertThat(environment.getProperty("spring.mail.host")).isNull();
		assertThat(environment.getProperty("offload.worker.email.download-base-url")).isNull();
		assertThat(this.check.missingFrom(environment)).hasSize(8);
	}

	static Stream<String> settings() {
		return DEPLOYMENT.keySet().stream().sorted();
	}

	@ParameterizedTest
	@MethodSource("settings")
	void startUpFailsNamingTheSettingLeftOut(String leftOut) {
		Map<String, Object> settings = new HashMap<>(DEPLOYMENT);
		settings.remove(leftOut);
		SpringApplication application = new SpringApplication(WorkerApplication.class);

		assertThatExceptionOfType(MissingSettingsException.class)
			.isThrownBy(() -> application.run(CommittedConfiguration.arguments(settings, "production")))
			.satisfies((ex) -> assertThat(ex.getMissing()).singleElement()
				.satisfies((missing) -> assertThat(missing.anyOf()).containsExactly(leftOut)))
			.withMessageContaining(RequiredSetting.environmentVariable(leftOut));
	}

}
