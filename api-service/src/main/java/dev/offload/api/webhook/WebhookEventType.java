package dev.offload.api.webhook;

import java.util.Arrays;
import java.util.Optional;

/**
 * The kinds of event an endpoint can subscribe to, by the name they carry in an event's
 * {@code type}.
 */
enum WebhookEventType {

	/** A report's file is stored and can be downloaded. */
	REPORT_SUCCEEDED("report.succeeded"),

	/** A report failed for good. */
	REPORT_FAILED("report.failed"),

	/** Every report of a batch has finished. */
	BATCH_COMPLETED("batch.completed");

	private final String type;

	WebhookEventType(String type) {
		this.type = type;
	}

	/**
	 * The name in events and in an endpoint's subscriptions.
	 * @return for example {@code report.succeeded}
	 */
	String type() {
		return this.type;
	}

	static Optional<WebhookEventType> of(String type) {
		return Arrays.stream(values()).filter((candidate) -> candidate.type.equals(type)).findFirst();
	}

	static String names() {
		return String.join(", ", Arrays.stream(values()).map(WebhookEventType::type).toList());
	}

}
