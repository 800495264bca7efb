package dev.offload.api.webhook;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.swagger.v3.oas.annotations.media.Schema;

import dev.offload.api.webhook.WebhookOutbox.Delivery;

/**
 * One delivery in an endpoint's log.
 *
 * @param id the delivery's id
 * @param eventId the event's id, sent as {@code webhook-id}; the same for every delivery
 * of the event
 * @param eventType the event's type
 * @param status PENDING, DELIVERED or FAILED
 * @param attempts how many attempts were made
 * @param lastResponseStatus the receiver's HTTP status in the last attempt, if it
 * answered
 * @param lastError why the last attempt failed, if it did
 * @param createdAt when it was queued
 * @param lastAttemptAt when it was last tried
 * @param nextAttemptAt when it will be tried next, while PENDING
 * @param deliveredAt when the receiver took it
 * @param links where to ask for it to be sent again
 */
record WebhookDeliveryView(UUID id, String eventId, String eventType, DeliveryStatus status, int attempts,
		@JsonInclude(JsonInclude.Include.NON_NULL) Integer lastResponseStatus,
		@JsonInclude(JsonInclude.Include.NON_NULL) String lastError, Instant createdAt,
		@JsonInclude(JsonInclude.Include.NON_NULL) Instant lastAttemptAt,
		@JsonInclude(JsonInclude.Include.NON_NULL) Instant nextAttemptAt,
		@JsonInclude(JsonInclude.Include.NON_NULL) Instant deliveredAt, Links links) {

	static WebhookDeliveryView of(UUID endpointId, Delivery delivery) {
		String redeliver = WebhookController.BASE_PATH + "/" + endpointId + "/deliveries/" + delivery.id()
				+ "/redeliver";
		return new WebhookDeliveryView(delivery.id(), delivery.eventId(), delivery.eventType(), delivery.status(),
				delivery.attempts(), delivery.lastResponseStatus(), delivery.lastError(), delivery.createdAt(),
				delivery.lastAttemptAt(), delivery.nextAttemptAt(), delivery.deliveredAt(), new Links(redeliver));
	}

	/**
	 * Links of a delivery.
	 *
	 * @param redeliver {@code POST} here to send its event again
	 */
	// Named for the document: springdoc names schemas by simple name, and other views
	// have their own Links.
	@Schema(name = "WebhookDeliveryLinks")
	record Links(String redeliver) {

	}

	/**
	 * An endpoint's deliveries, newest first.
	 *
	 * @param items the deliveries
	 */
	@Schema(name = "WebhookDeliveryPage")
	record Page(List<WebhookDeliveryView> items) {

	}

}
