package dev.offload.model.config;

import java.util.Arrays;
import java.util.List;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.PropertyResolver;

/**
 * Stops a service at start-up, before it connects to anything, when a setting a
 * deployment must supply is missing. Nothing secret has a committed default outside the
 * {@code local} profile, so a deployment whose profile is named {@code production},
 * {@code staging} or nothing at all fails here, naming every missing setting, rather than
 * starting with local credentials. Each service lists its settings in a subclass
 * registered in its {@code META-INF/spring.factories}.
 */
public abstract class RequiredSettingsCheck implements EnvironmentPostProcessor, Ordered {

	/** The profile under which the committed local credentials and defaults apply. */
	public static final String LOCAL_PROFILE = "local";

	private static final String FILES_STORE = "offload.files.store";

	private final String service;

	private final List<RequiredSetting> settings;

	protected RequiredSettingsCheck(String service, List<RequiredSetting> settings) {
		this.service = service;
		this.settings = List.copyOf(settings);
	}

	/**
	 * The settings both services need: their database, their broker user, the secret
	 * download links are signed with, and the object store's bucket and credentials when
	 * files are kept in S3.
	 * @return the settings
	 */
	protected static List<RequiredSetting> common() {
		return List.of(RequiredSetting.of("spring.datasource.url", "the PostgreSQL database (a JDBC URL)"),
				RequiredSetting.of("spring.datasource.username", "the database user"),
				RequiredSetting.of("spring.rabbitmq.username", "this service's own broker user (never guest)"),
				RequiredSetting.of("spring.rabbitmq.password", "that broker user's password"),
				RequiredSetting.of("offload.download-links.secret",
						"the secret download links are signed with, shared by both services (32+ random characters)"),
				RequiredSetting.of("offload.files.s3.bucket", "the bucket report files are kept in")
					.when(RequiredSetting.propertyIs(FILES_STORE, "s3", false)),
				new RequiredSetting(List.of("offload.files.s3.access-key", "offload.files.s3.default-credentials"),
						"the object store's access key (with offload.files.s3.secret-key), or "
								+ "default-credentials=true for the pod's IAM role",
						RequiredSetting.propertyIs(FILES_STORE, "s3", false)));
	}

	/**
	 * The settings this service needs.
	 * @return the settings
	 */
	public List<RequiredSetting> settings() {
		return this.settings;
	}

	/**
	 * The settings the configuration leaves out.
	 * @param environment the configuration
	 * @return the missing settings, in the order they are listed
	 */
	public List<RequiredSetting> missingFrom(PropertyResolver environment) {
		return this.settings.stream().filter((setting) -> setting.isMissingFrom(environment)).toList();
	}

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		List<RequiredSetting> missing = missingFrom(environment);
		if (!missing.isEmpty()) {
			throw new MissingSettingsException(
					this.service + " (profiles " + Arrays.toString(environment.getActiveProfiles()) + ")", missing);
		}
	}

	/** After the configuration files and every other source have been loaded. */
	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

}
