package dev.offload.model.config;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A service was started without settings a deployment must supply. Its message names
 * every missing one, not just the first.
 */
public class MissingSettingsException extends IllegalStateException {

	private final String service;

	private final List<RequiredSetting> missing;

	/**
	 * Creates the exception.
	 * @param service the service that refuses to start
	 * @param missing the settings it lacks, at least one
	 */
	public MissingSettingsException(String service, List<RequiredSetting> missing) {
		super(service + " is missing " + missing.size() + " required setting(s): "
				+ missing.stream().map(RequiredSetting::describe).collect(Collectors.joining(", "))
				+ ". Committed defaults exist only under the 'local' profile.");
		this.service = service;
		this.missing = List.copyOf(missing);
	}

	/**
	 * The service that refuses to start.
	 * @return its name
	 */
	public String getService() {
		return this.service;
	}

	/**
	 * The settings it lacks.
	 * @return at least one
	 */
	public List<RequiredSetting> getMissing() {
		return this.missing;
	}

}
