package dev.offload.worker;

import java.util.ArrayList;
import java.util.List;

import dev.offload.model.config.RequiredSetting;
import dev.offload.model.config.RequiredSettingsCheck;

/**
 * The settings report-worker does not start without (see {@link RequiredSettingsCheck}):
 * those both services need, and where its emails go and what they link to.
 */
public class WorkerSettingsCheck extends RequiredSettingsCheck {

	public WorkerSettingsCheck() {
		super("report-worker", workerSettings());
	}

	private static List<RequiredSetting> workerSettings() {
		List<RequiredSetting> settings = new ArrayList<>(common());
		settings.add(RequiredSetting.of("spring.mail.host", "the SMTP server emails are handed to"));
		settings.add(RequiredSetting.of("offload.worker.email.from", "the sender address of Offload's emails"));
		settings.add(RequiredSetting.of("offload.worker.email.download-base-url",
				"the public address of api-service that download links in emails point at"));
		return settings;
	}

}
