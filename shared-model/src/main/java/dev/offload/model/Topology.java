package dev.offload.model;

import java.time.Duration;
import java.util.Objects;

/**
 * The names of every RabbitMQ exchange, queue and routing key Offload uses, in one place.
 * The services declare what they use from these names at start-up; operators get the same
 * names as RabbitMQ definitions.
 * <p>
 * A prefix puts a whole topology beside another on one broker: tests use a prefix per
 * run; production uses {@link #DEFAULT}, which has none.
 *
 * @param prefix prepended to every exchange and queue name; empty in production
 */
public record Topology(String prefix) {

	/** The topology without a prefix, as deployed. */
	public static final Topology DEFAULT = new Topology("");

	/** Checks the prefix holds only characters safe in a RabbitMQ name. */
	public Topology {
		Objects.requireNonNull(prefix, "prefix");
		if (!prefix.matches("[A-Za-z0-9._-]*")) {
			throw new IllegalArgumentException(
					"Topology prefix may hold only letters, digits, '.', '_' and '-', was '" + prefix + "'");
		}
	}

	/**
	 * The direct exchange the API publishes report tasks to.
	 * @return {@code reports.tasks}
	 */
	public String tasksExchange() {
		return this.prefix + "reports.tasks";
	}

	/**
	 * The routing key binding {@link #generateQueue()} to {@link #tasksExchange()}.
	 * @return {@code reports.generate}
	 */
	public String generateRoutingKey() {
		return "reports.generate";
	}

	/**
	 * The durable quorum queue workers consume report tasks from.
	 * @return {@code reports.generate}
	 */
	public String generateQueue() {
		return this.prefix + "reports.generate";
	}

	/**
	 * The fanout exchange that carries report events to every subscriber.
	 * @return {@code reports.events}
	 */
	/**
	 * The routing key of a task in a lane.
	 * @param priority the lane
	 * @return {@link #generateRoutingKey()} for interactive tasks, its {@code .bulk} form
	 * for bulk ones
	 */
	public String generateRoutingKey(ReportPriority priority) {
		return (priority == ReportPriority.BULK) ? generateRoutingKey() + ".bulk" : generateRoutingKey();
	}

	/**
	 * The queue of the bulk lane: tasks of reports that schedules and batches created.
	 * Workers consume it beside {@link #generateQueue()} with consumers of their own, so
	 * a pile of bulk tasks never holds up an interactive one.
	 * @return the queue's name
	 */
	public String bulkQueue() {
		return this.prefix + generateRoutingKey(ReportPriority.BULK);
	}

	/**
	 * The task queue of a lane.
	 * @param priority the lane
	 * @return {@link #generateQueue()} or {@link #bulkQueue()}
	 */
	public String generateQueue(ReportPriority priority) {
		return (priority == ReportPriority.BULK) ? bulkQueue() : generateQueue();
	}

	/**
	 * The fanout every report event is published to: every subscriber bound here hears
	 * every event (live status, audit). Events are published with their type as the
	 * routing key ({@link #eventRoutingKey}), or an outcome of an owner without a webhook
	 * endpoint with {@link #eventRoutingKeyMailedWithoutWebhook} (or, from workers of the
	 * version before, {@link #eventRoutingKeyWithoutWebhook}), which a fanout ignores and
	 * {@link #outcomesExchange()} routes on.
	 * @return {@code reports.events}
	 */
	public String eventsExchange() {
		return this.prefix + "reports.events";
	}

	/**
	 * A direct exchange bound to {@link #eventsExchange()} (exchange to exchange), for
	 * subscribers that act on outcomes only (the email sender, webhooks): their durable
	 * queues bind here with the outcome types' routing keys, so RUNNING and PROGRESS
	 * events (one a second for a long report) are never written to them.
	 * @return {@code reports.events.outcomes}
	 */
	public String outcomesExchange() {
		return this.prefix + "reports.events.outcomes";
	}

	/**
	 * The routing key an event is published with.
	 * @param type the event's type
	 * @return its name, for example {@code SUCCEEDED}
	 */
	public String eventRoutingKey(ReportEvent.Type type) {
		return type.name();
	}

	/**
	 * The routing key with which workers of the version before
	 * {@link #eventRoutingKeyMailedWithoutWebhook} published an outcome whose owner had
	 * no webhook endpoint when its report was claimed: {@link #outcomesExchange()} routes
	 * it to {@link #emailQueue()} and not to {@link #webhooksQueue()}, whose consumer
	 * would only have found it had nothing to record. Still bound, for such workers
	 * during a rolling upgrade; this version's publish none. Any other event, and an
	 * outcome whose publisher cannot tell (an outcome announced again, a publisher older
	 * than this key), goes with {@link #eventRoutingKey} and reaches both.
	 * @param type the event's type, an outcome
	 * @return for example {@code SUCCEEDED.no-webhook}
	 */
	public String eventRoutingKeyWithoutWebhook(ReportEvent.Type type) {
		return type.name() + ".no-webhook";
	}

	/**
	 * The routing key of an outcome whose owner had no webhook endpoint when its report
	 * was claimed and whose email was recorded in the transaction that recorded the
	 * outcome: nothing binds it to {@link #outcomesExchange()}, so neither
	 * {@link #emailQueue()} nor {@link #webhooksQueue()} takes a copy that their
	 * consumers would only find had nothing to record. The subscribers of
	 * {@link #eventsExchange()} (live status, audit) hear it as they hear every event; a
	 * publisher of this key must not require it to reach a queue, as none may be bound
	 * there.
	 * @param type the event's type, an outcome
	 * @return for example {@code SUCCEEDED.mailed.no-webhook}
	 */
	public String eventRoutingKeyMailedWithoutWebhook(ReportEvent.Type type) {
		return type.name() + ".mailed.no-webhook";
	}

	/**
	 * The durable queue the worker's email sender consumes events from.
	 * @return {@code reports.events.email}
	 */
	public String emailQueue() {
		return this.prefix + "reports.events.email";
	}

	/**
	 * The durable queue api-service consumes report events from to record webhooks: one
	 * queue shared by every replica (competing consumers), so each event is recorded
	 * once, not once per replica.
	 * @return {@code reports.events.webhooks}
	 */
	public String webhooksQueue() {
		return this.prefix + "reports.events.webhooks";
	}

	/**
	 * The queue of one api-service replica's own that receives every event of
	 * {@link #eventsExchange()} while a browser watches that replica, and pushes it to
	 * the replica's browsers (live status): it is bound to the exchange only while a live
	 * status stream is open there. It is exclusive and auto-delete: it lives as long as
	 * the replica's connection, so a stopped replica leaves nothing behind.
	 * @param replicaId a name unique to the replica, for example a random id
	 * @return {@code reports.events.live.<replicaId>}
	 */
	public String liveStatusQueue(String replicaId) {
		if (!replicaId.matches("[A-Za-z0-9._-]+")) {
			throw new IllegalArgumentException(
					"A replica id may hold only letters, digits, '.', '_' and '-', was '" + replicaId + "'");
		}
		return this.prefix + "reports.events.live." + replicaId;
	}

	/**
	 * The direct exchange that dead-lettered messages go to.
	 * @return {@code reports.dlx}
	 */
	public String deadLetterExchange() {
		return this.prefix + "reports.dlx";
	}

	/**
	 * The queue where report tasks that cannot be processed are parked.
	 * @return {@code reports.generate.dlq}
	 */
	public String generateDeadLetterQueue() {
		return this.prefix + "reports.generate.dlq";
	}

	/**
	 * The routing key binding {@link #generateDeadLetterQueue()} to
	 * {@link #deadLetterExchange()}.
	 * @return {@code reports.generate.dlq}
	 */
	public String generateDeadLetterRoutingKey() {
		return "reports.generate.dlq";
	}

	/**
	 * The queue where events the email sender cannot read are parked.
	 * @return {@code reports.events.email.dlq}
	 */
	public String emailDeadLetterQueue() {
		return this.prefix + "reports.events.email.dlq";
	}

	/**
	 * The routing key binding {@link #emailDeadLetterQueue()} to
	 * {@link #deadLetterExchange()}.
	 * @return {@code reports.events.email.dlq}
	 */
	public String emailDeadLetterRoutingKey() {
		return "reports.events.email.dlq";
	}

	/**
	 * The queue where events the webhook recorder cannot read are parked.
	 * @return {@code reports.events.webhooks.dlq}
	 */
	public String webhooksDeadLetterQueue() {
		return this.prefix + "reports.events.webhooks.dlq";
	}

	/**
	 * The routing key binding {@link #webhooksDeadLetterQueue()} to
	 * {@link #deadLetterExchange()}.
	 * @return {@code reports.events.webhooks.dlq}
	 */
	public String webhooksDeadLetterRoutingKey() {
		return "reports.events.webhooks.dlq";
	}

	/**
	 * The direct exchange that failed tasks are published to for a delayed retry.
	 * @return {@code reports.retry}
	 */
	public String retryExchange() {
		return this.prefix + "reports.retry";
	}

	/**
	 * The routing key of the retry queue that holds a task for {@code delay}.
	 * @param delay the queue's message TTL
	 * @return for example {@code retry.30s}
	 */
	public String retryRoutingKey(Duration delay) {
		return "retry." + label(delay);
	}

	/**
	 * The queue that holds a failed task for {@code delay}, then dead-letters it back to
	 * {@link #tasksExchange()}. The delay is part of the name, because RabbitMQ cannot
	 * change a queue's TTL once it is declared.
	 * @param delay the queue's message TTL
	 * @return for example {@code reports.generate.retry.30s}
	 */
	public String retryQueue(Duration delay) {
		return this.prefix + "reports.generate." + retryRoutingKey(delay);
	}

	/**
	 * The routing key of a delayed retry in a lane: a bulk task waits in queues of its
	 * own and returns to the bulk queue, so retries keep their lane.
	 * @param priority the lane
	 * @param delay the retry's delay
	 * @return the routing key
	 */
	public String retryRoutingKey(ReportPriority priority, Duration delay) {
		return (priority == ReportPriority.BULK) ? "bulk." + retryRoutingKey(delay) : retryRoutingKey(delay);
	}

	/**
	 * The queue of a delayed retry in a lane.
	 * @param priority the lane
	 * @param delay the retry's delay
	 * @return the queue's name
	 */
	public String retryQueue(ReportPriority priority, Duration delay) {
		return this.prefix + "reports.generate." + retryRoutingKey(priority, delay);
	}

	private static String label(Duration delay) {
		long millis = delay.toMillis();
		if (millis <= 0) {
			throw new IllegalArgumentException("A retry delay must be positive, was " + delay);
		}
		if (millis % 3_600_000 == 0) {
			return (millis / 3_600_000) + "h";
		}
		if (millis % 60_000 == 0) {
			return (millis / 60_000) + "m";
		}
		if (millis % 1000 == 0) {
			return (millis / 1000) + "s";
		}
		return millis + "ms";
	}

}
