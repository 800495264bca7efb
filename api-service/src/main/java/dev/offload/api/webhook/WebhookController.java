package dev.offload.api.webhook;

import java.net.URI;
import java.util.UUID;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;

import dev.offload.model.Owner;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * The caller's webhook endpoints: register one (its signing secret is shown once), list,
 * read and delete them, read an endpoint's delivery log and send a delivered or failed
 * event again. The {@link Owner} is always the authenticated caller.
 */
@RestController
@RequestMapping(WebhookController.BASE_PATH)
@Tag(name = "Webhooks", description = "Endpoints told about the caller's finished reports and batches")
class WebhookController {

	static final String BASE_PATH = "/api/webhooks";

	static final int MAX_PAGE_SIZE = 100;

	private final WebhookService webhookService;

	WebhookController(WebhookService webhookService) {
		this.webhookService = webhookService;
	}

	@Operation(summary = "Register a webhook endpoint (201; the answer holds its signing secret, shown only once)")
	@PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
	ResponseEntity<WebhookEndpointView> create(@RequestBody CreateWebhookRequest request, Owner owner) {
		WebhookEndpoint endpoint = this.webhookService.create(owner, request);
		return ResponseEntity.created(URI.create(BASE_PATH + "/" + endpoint.id()))
			.body(WebhookEndpointView.of(endpoint, true));
	}

	@Operation(summary = "The caller's webhook endpoints, oldest first")
	@GetMapping
	WebhookEndpointView.Page list(Owner owner) {
		return new WebhookEndpointView.Page(this.webhookService.list(owner)
			.stream()
			.map((endpoint) -> WebhookEndpointView.of(endpoint, false))
			.toList());
	}

	@Operation(summary = "A webhook endpoint (without its secret)")
	@GetMapping("/{id}")
	WebhookEndpointView get(@PathVariable UUID id, Owner owner) {
		return WebhookEndpointView.of(this.webhookService.get(owner, id), false);
	}

	@Operation(summary = "Delete a webhook endpoint and its delivery log")
	@DeleteMapping("/{id}")
	@ResponseStatus(HttpStatus.NO_CONTENT)
	void delete(@PathVariable UUID id, Owner owner) {
		this.webhookService.delete(owner, id);
	}

	@Operation(summary = "An endpoint's delivery log, newest first",
			description = "Each delivery: event id and type, status (PENDING, DELIVERED, FAILED), attempts, the last "
					+ "response status or error, timestamps and the next attempt.")
	@GetMapping("/{id}/deliveries")
	WebhookDeliveryView.Page deliveries(@PathVariable UUID id,
			@RequestParam(defaultValue = "50") @Min(1) @Max(MAX_PAGE_SIZE) int limit, Owner owner) {
		return new WebhookDeliveryView.Page(this.webhookService.deliveries(owner, id, limit)
			.stream()
			.map((delivery) -> WebhookDeliveryView.of(id, delivery))
			.toList());
	}

	@Operation(summary = "Send a delivery's event again (202): a new delivery with the same event id and body")
	@PostMapping(path = "/{id}/deliveries/{deliveryId}/redeliver", produces = MediaType.APPLICATION_JSON_VALUE)
	ResponseEntity<WebhookDeliveryView> redeliver(@PathVariable UUID id, @PathVariable UUID deliveryId, Owner owner) {
		return ResponseEntity.accepted()
			.body(WebhookDeliveryView.of(id, this.webhookService.redeliver(owner, id, deliveryId)));
	}

}
