package dev.offload.model.config;

import java.util.stream.Collectors;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports missing settings as a start-up failure with one line per setting instead of a
 * stack trace.
 */
class MissingSettingsFailureAnalyzer extends AbstractFailureAnalyzer<MissingSettingsException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, MissingSettingsException cause) {
		String description = cause.getService() + " cannot start; these required settings are missing:\n"
				+ cause.getMissing()
					.stream()
					.map((setting) -> "    - " + setting.describe() + ": " + setting.purpose())
					.collect(Collectors.joining("\n"));
		String action = "Set each of them (a Kubernetes Secret, the docker compose .env file or the environment). "
				+ "For local development only, run with --spring.profiles.active=" + RequiredSettingsCheck.LOCAL_PROFILE
				+ ", which holds committed development credentials.";
		return new FailureAnalysis(description, action, cause);
	}

}
