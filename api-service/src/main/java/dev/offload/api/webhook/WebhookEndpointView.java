package dev.offload.api.webhook;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.swagger.v3.oas.annotations.media.Schema;

/**
 * A webhook endpoint as its owner sees it.
 *
 * @param id the endpoint's id
 * @param url where events are posted
 * @param events the event types it receives
 * @param description the owner's note
 * @param createdAt when it was registered
 * @param secret the signing secret, only in the answer to the registration
 * @param links the endpoint and its delivery log
 */
record WebhookEndpointView(UUID id, String url, List<String> events,
		@JsonInclude(JsonInclude.Include.NON_NULL) String description, Instant createdAt,
		@Schema(description = "The signing secret (whsec_...): only in the answer to the registration, never again") @JsonInclude(JsonInclude.Include.NON_NULL) String secret,
		Links links) {

	static WebhookEndpointView of(WebhookEndpoint endpoint, boolean withSecret) {
		String self = WebhookController.BASE_PATH + "/" + endpoint.id();
		return new WebhookEndpointView(endpoint.id(), endpoint.url(), endpoint.events(), endpoint.description(),
				endpoint.createdAt(), withSecret ? endpoint.secret() : null, new Links(self, self + "/deliveries"));
	}

	/**
	 * Links to the endpoint's resources.
	 *
	 * @param self the endpoint
	 * @param deliveries its delivery log
	 */
	// Named for the document: springdoc names schemas by simple name, and other views
	// have their own Links.
	@Schema(name = "WebhookEndpointLinks")
	record Links(String self, String deliveries) {

	}

	/**
	 * The caller's endpoints, oldest first.
	 *
	 * @param items the endpoints
	 */
	@Schema(name = "WebhookEndpointPage")
	record Page(List<WebhookEndpointView> items) {

	}

}
