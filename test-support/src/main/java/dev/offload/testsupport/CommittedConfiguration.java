package dev.offload.testsupport;

import java.util.Map;
import java.util.stream.Stream;

import org.springframework.boot.context.config.ConfigDataEnvironmentPostProcessor;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * A service's committed configuration files as a deployment would see them, for tests of
 * what a profile holds and which settings a deployment must supply.
 */
public final class CommittedConfiguration {

	private CommittedConfiguration() {
	}

	/**
	 * The committed configuration files on the class path, with a deployment's settings
	 * on top, without this machine's environment or system properties.
	 * @param settings the deployment's settings
	 * @param profile the active profile, or empty for none
	 * @return the environment
	 */
	public static StandardEnvironment load(Map<String, Object> settings, String profile) {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources().remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
		environment.getPropertySources().remove(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME);
		environment.getPropertySources().addFirst(new MapPropertySource("deployment", settings));
		if (!profile.isEmpty()) {
			environment.setActiveProfiles(profile);
		}
		ConfigDataEnvironmentPostProcessor.applyTo(environment);
		return environment;
	}

	/**
	 * Settings as command-line arguments, which rank above the committed files.
	 * @param settings the settings
	 * @param profile the active profile
	 * @return {@code --name=value} for each, and the profile
	 */
	public static String[] arguments(Map<String, Object> settings, String profile) {
		Stream<String> arguments = settings.entrySet().stream().map((e) -> "--" + e.getKey() + "=" + e.getValue());
		return Stream.concat(arguments, Stream.of("--spring.profiles.active=" + profile)).toArray(String[]::new);
	}

}
