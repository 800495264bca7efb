package dev.offload.api.webhook;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import dev.offload.api.error.InvalidField;
import dev.offload.api.error.InvalidRequestException;
import dev.offload.model.Owner;

import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The caller's webhook endpoints and their delivery logs. Everything is looked up by
 * owner: another user's endpoint is not found.
 */
@Service
class WebhookService {

	static final int MAX_DESCRIPTION_LENGTH = 200;

	private final WebhookEndpoints endpoints;

	private final WebhookOutbox outbox;

	private final EndpointGuard guard;

	private final WebhookProperties properties;

	private final TransactionTemplate transactions;

	WebhookService(WebhookEndpoints endpoints, WebhookOutbox outbox, EndpointGuard guard, WebhookProperties properties,
			TransactionTemplate transactions) {
		this.endpoints = endpoints;
		this.outbox = outbox;
		this.guard = guard;
		this.properties = properties;
		this.transactions = transactions;
	}

	/**
	 * Registers an endpoint with a new signing secret.
	 * @param owner the caller
	 * @param request what to register
	 * @return the endpoint, with its secret
	 * @throws InvalidRequestException naming each invalid field, or the URL when the
	 * caller has as many endpoints as allowed
	 */
	WebhookEndpoint create(Owner owner, CreateWebhookRequest request) {
		List<InvalidField> errors = new ArrayList<>();
		// Resolved here, outside the transaction: DNS may take a while.
		this.guard.problems(request.url()).forEach((problem) -> errors.add(new InvalidField("url", problem)));
		List<String> events = events(request.events(), errors);
		String description = (request.description() != null && !request.description().isBlank())
				? request.description().strip() : null;
		if (description != null && description.length() > MAX_DESCRIPTION_LENGTH) {
			errors.add(new InvalidField("description", "must be at most " + MAX_DESCRIPTION_LENGTH + " characters"));
		}
		if (!errors.isEmpty()) {
			throw new InvalidRequestException(errors);
		}
		WebhookEndpoint endpoint = new WebhookEndpoint(UUID.randomUUID(), owner.userId(), request.url(), events,
				WebhookSignature.newSecret(), description, Instant.now().truncatedTo(ChronoUnit.MICROS));
		this.transactions.executeWithoutResult((status) -> {
			this.endpoints.lockOwner(owner.userId());
			int max = this.properties.maxEndpointsPerUser();
			if (this.endpoints.countByOwner(owner.userId()) >= max) {
				throw new InvalidRequestException(List.of(new InvalidField("url",
						"you have " + max + " webhook endpoints, the most allowed; delete one first")));
			}
			this.endpoints.insert(endpoint);
		});
		return endpoint;
	}

	private static List<String> events(List<String> requested, List<InvalidField> errors) {
		if (requested == null || requested.isEmpty()) {
			errors.add(new InvalidField("events", "must list at least one of " + WebhookEventType.names()));
			return List.of();
		}
		Set<String> events = new LinkedHashSet<>();
		for (int i = 0; i < requested.size(); i++) {
			String type = requested.get(i);
			if (type == null || WebhookEventType.of(type).isEmpty()) {
				errors.add(new InvalidField("events[" + i + "]",
						"'" + type + "' is not an event type; one of " + WebhookEventType.names()));
			}
			else {
				events.add(type);
			}
		}
		return List.copyOf(events);
	}

	List<WebhookEndpoint> list(Owner owner) {
		return this.endpoints.findByOwner(owner.userId());
	}

	WebhookEndpoint get(Owner owner, UUID id) {
		return this.endpoints.find(owner.userId(), id)
			.orElseThrow(() -> new WebhookNotFoundException("No webhook endpoint " + id + " found"));
	}

	void delete(Owner owner, UUID id) {
		if (!this.endpoints.delete(owner.userId(), id)) {
			throw new WebhookNotFoundException("No webhook endpoint " + id + " found");
		}
	}

	List<WebhookOutbox.Delivery> deliveries(Owner owner, UUID id, int limit) {
		WebhookEndpoint endpoint = get(owner, id);
		return this.outbox.deliveries(endpoint.id(), limit);
	}

	/**
	 * Queues the event of one of the endpoint's deliveries again: same event id, same
	 * body, a new delivery in the log.
	 * @param owner the caller
	 * @param id the endpoint
	 * @param deliveryId the delivery to repeat
	 * @return the new delivery
	 */
	WebhookOutbox.Delivery redeliver(Owner owner, UUID id, UUID deliveryId) {
		WebhookEndpoint endpoint = get(owner, id);
		UUID created = this.outbox.redeliver(endpoint.id(), deliveryId)
			.orElseThrow(
					() -> new WebhookNotFoundException("No delivery " + deliveryId + " of webhook endpoint " + id));
		return this.outbox.delivery(endpoint.id(), created).orElseThrow();
	}

}
