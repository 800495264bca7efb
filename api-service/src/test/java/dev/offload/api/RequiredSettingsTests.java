package dev.offload.api;

import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

import dev.offload.model.config.MissingSettingsException;
import dev.offload.model.config.RequiredSetting;
import dev.offload.testsupport.CommittedConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.env.StandardEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The committed configuration holds credentials and users under the {@code local} profile
 * only. Started with any other profile (or none), the API refuses to start unless the
 * deployment supplies each required setting, and names every one it lacks.
 */
@ExtendWith(OutputCaptureExtension.class)
class RequiredSettingsTests {

	/** Everything a deployment in local (HTTP Basic) mode sets. */
	private static final Map<String, Object> LOCAL_MODE = Map.of("spring.datasource.url",
			"jdbc:postgresql://db.example:5432/offload", "spring.datasource.username", "offload",
			"spring.rabbitmq.username", "offload-api", "spring.rabbitmq.password", "broker-password",
			"offload.download-links.secret", "a-deployment-secret-of-32-characters!",
			"offload.api.security.users[0].username", "operator", "offload.api.security.users[0].password",
			"{bcrypt}$2a$10$abcdefghijklmnopqrstuv", "offload.api.security.users[0].email", "ops@example.com");

	private final ApiSettingsCheck check = new ApiSettingsCheck();

	@Test
	void theLocalProfileHasEverySettingAndADeploymentThatSetsThemAllNeedsNone() {
		assertThat(this.check.missingFrom(CommittedConfiguration.load(Map.of(), "local"))).isEmpty();
		assertThat(this.check.missingFrom(CommittedConfiguration.load(LOCAL_MODE, "production"))).isEmpty();
		assertThat(this.check.missingFrom(CommittedConfiguration.load(jwtMode(), "production"))).isEmpty();
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "prod", "production", "staging" })
	void withoutTheLocalProfileNoCommittedCredentialOrUserApplies(String profile) {
		StandardEnvironment environment = CommittedConfiguration.load(Map.of(), profile);

		assertThat(environment.getProperty("spring.rabbitmq.username")).isNull();
		assertThat(environment.getProperty("offload.download-links.secret")).isNull();
		assertThat(environment.getProperty("offload.api.security.users[0].username")).isNull();
		assertThat(this.check.missingFrom(environment)).extracting(RequiredSetting::describe)
			.anyMatch((setting) -> setting.startsWith("spring.datasource.url"))
			.anyMatch((setting) -> setting.startsWith("spring.rabbitmq.username"))
			.anyMatch((setting) -> setting.startsWith("spring.rabbitmq.password"))
			.anyMatch((setting) -> setting.startsWith("offload.download-links.secret"))
			.anyMatch((setting) -> setting.startsWith("offload.api.security.users[0].username"));
	}

	static Stream<Arguments> localModeSettings() {
		return Stream.of("spring.datasource.url", "spring.datasource.username", "spring.rabbitmq.username",
				"spring.rabbitmq.password", "offload.download-links.secret", "offload.api.security.users[0].username")
			.map((setting) -> Arguments.of(LOCAL_MODE, setting));
	}

	static Stream<Arguments> jwtModeSettings() {
		return Stream
			.of("spring.security.oauth2.resourceserver.jwt.issuer-uri",
					"spring.security.oauth2.resourceserver.jwt.audiences")
			.map((setting) -> Arguments.of(jwtMode(), setting));
	}

	static Stream<Arguments> objectStoreSettings() {
		Map<String, Object> s3 = new HashMap<>(LOCAL_MODE);
		s3.put("offload.files.store", "s3");
		s3.put("offload.files.s3.bucket", "reports");
		s3.put("offload.files.s3.access-key", "key");
		s3.put("offload.files.s3.secret-key", "secret");
		return Stream.of("offload.files.s3.bucket", "offload.files.s3.access-key")
			.map((setting) -> Arguments.of(s3, setting));
	}

	@ParameterizedTest(name = "{1}")
	@MethodSource({ "localModeSettings", "jwtModeSettings", "objectStoreSettings" })
	void startUpFailsNamingTheSettingLeftOut(Map<String, Object> complete, String leftOut, CapturedOutput output) {
		Map<String, Object> settings = new HashMap<>(complete);
		settings.remove(leftOut);
		if (leftOut.equals("offload.files.s3.access-key")) {
			settings.remove("offload.files.s3.secret-key");
		}
		SpringApplication application = new SpringApplication(ApiApplication.class);

		assertThatExceptionOfType(MissingSettingsException.class)
			.isThrownBy(() -> application.run(CommittedConfiguration.arguments(settings, "production")))
			.satisfies((ex) -> assertThat(ex.getMissing()).singleElement()
				.satisfies((missing) -> assertThat(missing.anyOf()).contains(leftOut)))
			.withMessageContaining(leftOut)
			.withMessageContaining(RequiredSetting.environmentVariable(leftOut));
		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains("these required settings are missing")
			.contains(leftOut)
			.contains("--spring.profiles.active=local");
	}

	@Test
	void everyMissingSettingIsNamedAtOnce() {
		SpringApplication application = new SpringApplication(ApiApplication.class);

		assertThatExceptionOfType(MissingSettingsException.class)
			.isThrownBy(() -> application.run("--spring.profiles.active=staging",
					"--spring.config.location=" + "classpath:/application.yaml"))
			.satisfies((ex) -> assertThat(ex.getMissing()).hasSizeGreaterThanOrEqualTo(6))
			.withMessageContaining("SPRING_RABBITMQ_PASSWORD")
			.withMessageContaining("OFFLOAD_DOWNLOAD_LINKS_SECRET")
			.withMessageContaining("OFFLOAD_API_SECURITY_USERS_0_USERNAME");
	}

	private static Map<String, Object> jwtMode() {
		Map<String, Object> settings = new HashMap<>(LOCAL_MODE);
		settings.keySet().removeIf((key) -> key.startsWith("offload.api.security.users"));
		settings.put("offload.api.security.mode", "jwt");
		settings.put("spring.security.oauth2.resourceserver.jwt.issuer-uri", "https://login.example.com/");
		settings.put("spring.security.oauth2.resourceserver.jwt.audiences", "offload-api");
		return settings;
	}

}
