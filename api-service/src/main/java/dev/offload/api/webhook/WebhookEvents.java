package dev.offload.api.webhook;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

import dev.offload.model.Messages;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Records webhook events for other features: the event, and a delivery to each of the
 * owner's endpoints that subscribe to its type, in the caller's transaction (or one of
 * its own), so an event is queued exactly when what it tells about is committed. The
 * sender posts the deliveries afterwards.
 * <p>
 * An event's id is derived from its owner, type and key, so recording the same event
 * twice (a redelivered message, a retried transaction) records nothing new, and every
 * delivery and redelivery of it carries the same {@code webhook-id} and the same body:
 * <pre>
 * {"id": "evt_…", "type": "batch.completed", "created": "2026-…Z", "data": {…}}
 * </pre>
 */
@Component
public class WebhookEvents {

	private static final Logger logger = LoggerFactory.getLogger(WebhookEvents.class);

	private final WebhookOutbox outbox;

	private final ApplicationEventPublisher events;

	WebhookEvents(WebhookOutbox outbox, ApplicationEventPublisher events) {
		this.outbox = outbox;
		this.events = events;
	}

	/**
	 * Records an event that happened now, for the owner's subscribed endpoints.
	 * @param ownerId whose event it is (the owner id of {@code dev.offload.model.Owner})
	 * @param type one of {@code report.succeeded}, {@code report.failed},
	 * {@code batch.completed}
	 * @param eventKey what makes the event unique for its owner and type, such as the
	 * batch's id; the same key records nothing new
	 * @param data the event's {@code data}: JSON-serialisable values (strings, numbers,
	 * maps, lists), with the API paths of what it is about under {@code links}
	 * @return the event's id
	 * @throws IllegalArgumentException if the type is not an event type
	 */
	@Transactional
	public String publish(String ownerId, String type, String eventKey, Map<String, Object> data) {
		WebhookEventType eventType = WebhookEventType.of(type)
			.orElseThrow(() -> new IllegalArgumentException(
					"Unknown webhook event type '" + type + "'; one of " + WebhookEventType.names()));
		return record(ownerId, eventType, eventKey, Instant.now(), data);
	}

	@Transactional
	String record(String ownerId, WebhookEventType type, String eventKey, Instant created, Map<String, Object> data) {
		Objects.requireNonNull(ownerId, "ownerId");
		Objects.requireNonNull(eventKey, "eventKey");
		String id = eventId(ownerId, type, eventKey);
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("id", id);
		body.put("type", type.type());
		body.put("created", created.toString());
		body.put("data", data);
		int deliveries = this.outbox.record(id, ownerId, type.type(), Messages.json().writeValueAsString(body));
		if (deliveries > 0) {
			logger.debug("Webhook event {} ({}) queued for {} endpoint(s)", id, type.type(), deliveries);
			this.events.publishEvent(new WebhookEventRecorded(id));
		}
		return id;
	}

	/**
	 * The stable id of an event: {@code evt_} and a name-based UUID of its owner, type
	 * and key.
	 * @param ownerId the owner
	 * @param type the type
	 * @param eventKey the key
	 * @return the id
	 */
	static String eventId(String ownerId, WebhookEventType type, String eventKey) {
		String name = ownerId + "\n" + type.type() + "\n" + eventKey;
		return "evt_" + UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString().replace("-", "");
	}

	/**
	 * An event was recorded with at least one delivery; the sender is woken once the
	 * transaction commits.
	 *
	 * @param eventId the event
	 */
	record WebhookEventRecorded(String eventId) {

	}

}
