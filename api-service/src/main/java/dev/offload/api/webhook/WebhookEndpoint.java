package dev.offload.api.webhook;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * An endpoint a user registered to be told about events.
 *
 * @param id the endpoint's id
 * @param ownerId whose it is
 * @param url where events are posted
 * @param events the event types it receives
 * @param secret the signing secret ({@code whsec_...})
 * @param description the owner's note, if any
 * @param createdAt when it was registered
 */
record WebhookEndpoint(UUID id, String ownerId, String url, List<String> events, String secret, String description,
		Instant createdAt) {

}
