package dev.offload.api.webhook;

/**
 * Where a webhook delivery is. PENDING moves to DELIVERED (a 2xx answer) or FAILED (no
 * success within {@code offload.api.webhooks.max-attempts-age}); both are final, and
 * every status change in SQL names PENDING as the status it expects. A redelivery is a
 * new PENDING delivery of the same event.
 */
enum DeliveryStatus {

	/** Waiting for its next attempt (or being sent). */
	PENDING,

	/** The receiver answered 2xx. */
	DELIVERED,

	/** Given up on after the last attempt. */
	FAILED

}
