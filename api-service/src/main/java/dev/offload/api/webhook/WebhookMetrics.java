package dev.offload.api.webhook;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.stereotype.Component;

/**
 * {@code offload.webhooks.attempts} (tagged {@code result}: {@code success},
 * {@code failure}): every HTTP call to a receiver, and every delivery refused before one;
 * {@code offload.webhooks.deliveries} (tagged {@code outcome}: {@code delivered},
 * {@code failed}): deliveries that reached an end, failed ones after their last attempt.
 */
@Component
class WebhookMetrics {

	static final String ATTEMPTS = "offload.webhooks.attempts";

	static final String DELIVERIES = "offload.webhooks.deliveries";

	private final Counter succeededAttempts;

	private final Counter failedAttempts;

	private final Counter delivered;

	private final Counter failed;

	WebhookMetrics(MeterRegistry meters) {
		this.succeededAttempts = Counter.builder(ATTEMPTS)
			.tag("result", "success")
			.description("Webhook delivery attempts answered 2xx")
			.register(meters);
		this.failedAttempts = Counter.builder(ATTEMPTS)
			.tag("result", "failure")
			.description("Webhook delivery attempts that failed (no 2xx, no answer, refused address)")
			.register(meters);
		this.delivered = Counter.builder(DELIVERIES)
			.tag("outcome", "delivered")
			.description("Webhook deliveries the receiver took")
			.register(meters);
		this.failed = Counter.builder(DELIVERIES)
			.tag("outcome", "failed")
			.description("Webhook deliveries given up on after their last attempt")
			.register(meters);
	}

	void delivered() {
		this.succeededAttempts.increment();
		this.delivered.increment();
	}

	void attemptFailed(boolean givenUp) {
		this.failedAttempts.increment();
		if (givenUp) {
			this.failed.increment();
		}
	}

}
