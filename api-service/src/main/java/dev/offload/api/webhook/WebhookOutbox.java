package dev.offload.api.webhook;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.SqlArrayValue;
import org.springframework.stereotype.Repository;

/**
 * The webhook outbox: events ({@code webhook_events}, one per event with its body) and
 * deliveries ({@code webhook_deliveries}, one per event and endpoint, plus one per
 * redelivery). Recording happens in the caller's transaction; the sender takes due
 * deliveries with {@code FOR UPDATE SKIP LOCKED}, so replicas share them.
 */
@Repository
class WebhookOutbox {

	private static final int MAX_ERROR_LENGTH = 300;

	private final JdbcClient jdbc;

	WebhookOutbox(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/**
	 * Which of these owners have an endpoint subscribed to which event types, in one
	 * query: what an event needs before it is worth recording.
	 * @param ownerIds the owners
	 * @return each owner's subscribed types, as {@code owner + "\n" + type}; owners
	 * without an endpoint are not in it
	 */
	Set<String> subscriptions(Collection<String> ownerIds) {
		if (ownerIds.isEmpty()) {
			return Set.of();
		}
		return new HashSet<>(this.jdbc.sql("""
				SELECT DISTINCT e.owner_id, t.type
				  FROM webhook_endpoints e, unnest(e.events) AS t (type)
				 WHERE e.owner_id = ANY (:owners)
				""")
			.param("owners", new SqlArrayValue("text", ownerIds.toArray()))
			.query((rs, row) -> rs.getString("owner_id") + "\n" + rs.getString("type"))
			.list());
	}

	/**
	 * Records an event and a delivery to each of the owner's endpoints that subscribe to
	 * its type. Nothing is recorded when the event was recorded before (a redelivered
	 * message, the same batch twice) or when no endpoint wants it.
	 * @param id the event's stable id
	 * @param ownerId whose event it is
	 * @param type its type
	 * @param body its JSON body, sent as is with every delivery
	 * @return how many deliveries were queued
	 */
	int record(String id, String ownerId, String type, String body) {
		int inserted = this.jdbc.sql("""
				INSERT INTO webhook_events (id, owner_id, type, body)
				SELECT :id, :owner, :type, :body
				 WHERE EXISTS (SELECT 1 FROM webhook_endpoints WHERE owner_id = :owner AND :type = ANY (events))
				ON CONFLICT (id) DO NOTHING
				""").param("id", id).param("owner", ownerId).param("type", type).param("body", body).update();
		if (inserted == 0) {
			return 0;
		}
		return this.jdbc.sql("""
				INSERT INTO webhook_deliveries (id, event_id, endpoint_id, next_attempt_at)
				SELECT gen_random_uuid(), :id, e.id, now()
				  FROM webhook_endpoints e
				 WHERE e.owner_id = :owner AND :type = ANY (e.events)
				""").param("id", id).param("owner", ownerId).param("type", type).update();
	}

	/**
	 * Takes due deliveries for sending: each one's next attempt moves on by the lease and
	 * the statement commits at once, so no transaction stays open while a receiver is
	 * called, and a sender that dies leaves the delivery to another once the lease ends.
	 * @param limit how many at most
	 * @param lease how long they are left to this sender
	 * @return the deliveries, with what sending them needs
	 */
	List<DueDelivery> claimDue(int limit, Duration lease) {
		return this.jdbc.sql("""
				UPDATE webhook_deliveries d
				   SET next_attempt_at = now() + :leaseMillis * interval '1 millisecond'
				  FROM webhook_events ev, webhook_endpoints ep
				 WHERE d.id IN (SELECT id FROM webhook_deliveries
				                 WHERE status = 'PENDING' AND next_attempt_at <= now()
				                 ORDER BY next_attempt_at
				                 LIMIT :limit
				                   FOR UPDATE SKIP LOCKED)
				   AND ev.id = d.event_id AND ep.id = d.endpoint_id
				RETURNING d.id, d.event_id, d.attempts, ev.body, ep.url, ep.secret
				""")
			.param("leaseMillis", lease.toMillis())
			.param("limit", limit)
			.query((rs, row) -> new DueDelivery(rs.getObject("id", UUID.class), rs.getString("event_id"),
					rs.getInt("attempts"), rs.getString("body"), rs.getString("url"), rs.getString("secret")))
			.list();
	}

	/**
	 * Records a 2xx answer. Fenced by the attempts counted when it was taken, so a sender
	 * whose lease ran out cannot overwrite a later attempt's result.
	 * @param delivery the delivery as taken
	 * @param status the receiver's status
	 * @return whether it was recorded
	 */
	boolean delivered(DueDelivery delivery, int status) {
		return this.jdbc.sql("""
				UPDATE webhook_deliveries
				   SET status = 'DELIVERED', attempts = attempts + 1, last_status = :status, last_error = NULL,
				       last_attempt_at = now(), delivered_at = now(), next_attempt_at = NULL
				 WHERE id = :id AND status = 'PENDING' AND attempts = :attempts
				""")
			.param("status", status)
			.param("id", delivery.id())
			.param("attempts", delivery.attempts())
			.update() == 1;
	}

	/**
	 * Records a failed attempt: the next one after {@code retryIn}, or FAILED when that
	 * would be later than {@code maxAge} after the delivery was queued.
	 * @param delivery the delivery as taken
	 * @param status the receiver's status, or {@code null} without an answer
	 * @param error a short summary of what went wrong
	 * @param retryIn the wait before the next attempt
	 * @param maxAge how long after it was queued a delivery is retried
	 * @return the delivery's status now, or empty if another sender recorded it first
	 */
	Optional<DeliveryStatus> failed(DueDelivery delivery, Integer status, String error, Duration retryIn,
			Duration maxAge) {
		String summary = (error.length() > MAX_ERROR_LENGTH) ? error.substring(0, MAX_ERROR_LENGTH) : error;
		return this.jdbc.sql("""
				UPDATE webhook_deliveries
				   SET attempts = attempts + 1, last_status = :status, last_error = :error, last_attempt_at = now(),
				       status = CASE WHEN now() + :retryMillis * interval '1 millisecond'
				                          > created_at + :maxAgeMillis * interval '1 millisecond'
				                     THEN 'FAILED' ELSE 'PENDING' END,
				       next_attempt_at = CASE WHEN now() + :retryMillis * interval '1 millisecond'
				                                   > created_at + :maxAgeMillis * interval '1 millisecond'
				                              THEN NULL ELSE now() + :retryMillis * interval '1 millisecond' END
				 WHERE id = :id AND status = 'PENDING' AND attempts = :attempts
				RETURNING status
				""")
			.param("status", status, Types.INTEGER)
			.param("error", summary)
			.param("retryMillis", retryIn.toMillis())
			.param("maxAgeMillis", maxAge.toMillis())
			.param("id", delivery.id())
			.param("attempts", delivery.attempts())
			.query((rs, row) -> DeliveryStatus.valueOf(rs.getString("status")))
			.optional();
	}

	/**
	 * The delivery log of one endpoint, newest first.
	 * @param endpointId the endpoint
	 * @param limit how many at most
	 * @return the deliveries
	 */
	List<Delivery> deliveries(UUID endpointId, int limit) {
		return this.jdbc.sql(SELECT_DELIVERY + """
				 WHERE d.endpoint_id = :endpoint
				 ORDER BY d.created_at DESC, d.id
				 LIMIT :limit
				""").param("endpoint", endpointId).param("limit", limit).query(WebhookOutbox::delivery).list();
	}

	Optional<Delivery> delivery(UUID endpointId, UUID deliveryId) {
		return this.jdbc.sql(SELECT_DELIVERY + " WHERE d.endpoint_id = :endpoint AND d.id = :id")
			.param("endpoint", endpointId)
			.param("id", deliveryId)
			.query(WebhookOutbox::delivery)
			.optional();
	}

	/**
	 * Queues the event of a delivery again, to the same endpoint, as a new delivery: same
	 * event id, same body.
	 * @param endpointId the endpoint
	 * @param deliveryId the delivery to repeat
	 * @return the new delivery's id, or empty if the endpoint has no such delivery
	 */
	Optional<UUID> redeliver(UUID endpointId, UUID deliveryId) {
		UUID id = UUID.randomUUID();
		int inserted = this.jdbc.sql("""
				INSERT INTO webhook_deliveries (id, event_id, endpoint_id, next_attempt_at)
				SELECT :newId, event_id, endpoint_id, now() FROM webhook_deliveries
				 WHERE id = :id AND endpoint_id = :endpoint
				""").param("newId", id).param("id", deliveryId).param("endpoint", endpointId).update();
		return (inserted == 1) ? Optional.of(id) : Optional.empty();
	}

	private static final String SELECT_DELIVERY = """
			SELECT d.id, d.event_id, ev.type, d.status, d.attempts, d.last_status, d.last_error, d.created_at,
			       d.last_attempt_at, d.next_attempt_at, d.delivered_at
			  FROM webhook_deliveries d JOIN webhook_events ev ON ev.id = d.event_id
			""";

	private static Delivery delivery(ResultSet rs, int row) throws SQLException {
		DeliveryStatus status = DeliveryStatus.valueOf(rs.getString("status"));
		Object lastStatus = rs.getObject("last_status");
		return new Delivery(rs.getObject("id", UUID.class), rs.getString("event_id"), rs.getString("type"), status,
				rs.getInt("attempts"), (lastStatus != null) ? ((Number) lastStatus).intValue() : null,
				rs.getString("last_error"), instant(rs, "created_at"), instant(rs, "last_attempt_at"),
				(status == DeliveryStatus.PENDING) ? instant(rs, "next_attempt_at") : null,
				instant(rs, "delivered_at"));
	}

	private static Instant instant(ResultSet rs, String column) throws SQLException {
		OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
		return (value != null) ? value.toInstant() : null;
	}

	/**
	 * A delivery taken for sending.
	 *
	 * @param id the delivery
	 * @param eventId the event's id ({@code webhook-id})
	 * @param attempts the attempts made before this one
	 * @param body the event's body
	 * @param url the endpoint's URL
	 * @param secret the endpoint's signing secret
	 */
	record DueDelivery(UUID id, String eventId, int attempts, String body, String url, String secret) {

	}

	/**
	 * A delivery as its endpoint's owner sees it in the log.
	 *
	 * @param id the delivery
	 * @param eventId the event's id
	 * @param eventType the event's type
	 * @param status where it is
	 * @param attempts how many attempts were made
	 * @param lastResponseStatus the receiver's HTTP status of the last attempt, if it
	 * answered
	 * @param lastError what went wrong in the last attempt, if it failed
	 * @param createdAt when it was queued
	 * @param lastAttemptAt when it was last tried
	 * @param nextAttemptAt when it will be tried next, while PENDING
	 * @param deliveredAt when the receiver took it
	 */
	record Delivery(UUID id, String eventId, String eventType, DeliveryStatus status, int attempts,
			Integer lastResponseStatus, String lastError, Instant createdAt, Instant lastAttemptAt,
			Instant nextAttemptAt, Instant deliveredAt) {

	}

}
