package dev.offload.api.outbox;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import dev.offload.api.ApiProperties;
import dev.offload.model.ReportPriority;
import dev.offload.model.ReportTransition;
import dev.offload.model.Topology;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.amqp.AmqpException;
import org.springframework.amqp.core.AmqpAdmin;
import org.springframework.amqp.core.QueueInformation;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Finds reports whose task the broker no longer holds and hands them back to the relay,
 * which publishes their task again; consumers are idempotent, so a task published twice
 * is built once. Without it, a task the broker lost after confirming it (a lost node or
 * disk, a purged queue, a delivery limit, a deleted dead letter) would leave its report
 * QUEUED or RUNNING forever, holding its owner's quota of unfinished reports.
 * <p>
 * Three kinds, each logged with the report id and counted in
 * {@code offload.reports.recovered} (tag {@code reason}):
 * <ul>
 * <li>{@code lease-expired}: RUNNING, and its worker's lease ran out more than
 * {@code offload.api.reconciliation.grace} ago (the worker died, and its delivery may be
 * gone with the broker's).</li>
 * <li>{@code task-lost}: QUEUED and published more than {@code grace} ago, while the task
 * queue holds fewer ready tasks than there are such reports. The queue is first in, first
 * out, so the tasks missing are those of the oldest reports; as many of those are
 * republished as are missing. A count read while the queue moves to another node can be
 * briefly wrong, so a report is recovered only when two sweeps at least {@code grace}
 * apart both found it missing.</li>
 * <li>{@code retry-lost}: QUEUED after a transient failure (handed back for a delayed
 * retry) and not taken up again for {@code offload.api.reconciliation.retry-age}, longer
 * than the longest retry delay.</li>
 * </ul>
 * Every replica runs it; a PostgreSQL advisory lock lets one at a time do the work.
 */
public class Reconciliation {

	private static final Logger logger = LoggerFactory.getLogger(Reconciliation.class);

	/** The metric counting recovered reports. */
	public static final String RECOVERED = "offload.reports.recovered";

	/** The advisory lock key: "offload reconciliation". */
	private static final long LOCK = 0x6f66666c6f616401L;

	private final JdbcClient jdbc;

	private final TransactionTemplate transactions;

	private final AmqpAdmin admin;

	private final Topology topology;

	private final TaskRelay relay;

	private final MeterRegistry meters;

	private final ApiProperties.Reconciliation settings;

	/**
	 * Reports a sweep found missing from the queue, and when first: recovered once seen
	 * again.
	 */
	private final Map<ReportPriority, Map<UUID, Instant>> suspects = new EnumMap<>(Map.of(ReportPriority.INTERACTIVE,
			new ConcurrentHashMap<>(), ReportPriority.BULK, new ConcurrentHashMap<>()));

	Reconciliation(JdbcClient jdbc, TransactionTemplate transactions, AmqpAdmin admin, Topology topology,
			TaskRelay relay, MeterRegistry meters, ApiProperties properties) {
		this.jdbc = jdbc;
		this.transactions = transactions;
		this.admin = admin;
		this.topology = topology;
		this.relay = relay;
		this.meters = meters;
		this.settings = properties.reconciliation();
	}

	/**
	 * One sweep; never throws, so the schedule goes on.
	 * @return the reports handed back to the relay
	 */
	public List<UUID> run() {
		try {
			Map<ReportPriority, Long> ready = readyTasks();
			List<UUID> recovered = this.transactions.execute((status) -> sweep(ready));
			if (recovered != null && !recovered.isEmpty()) {
				this.relay.wakeUp();
				return recovered;
			}
		}
		catch (RuntimeException ex) {
			logger.warn("Reconciliation did not run (will try again): {}", ex.getMessage());
		}
		return List.of();
	}

	private List<UUID> sweep(Map<ReportPriority, Long> readyTasks) {
		Boolean locked = this.jdbc.sql("SELECT pg_try_advisory_xact_lock(:lock)")
			.param("lock", LOCK)
			.query(Boolean.class)
			.single();
		if (!Boolean.TRUE.equals(locked)) {
			return List.of();
		}
		List<UUID> recovered = new ArrayList<>();
		recovered.addAll(requeue("lease-expired", lock("""
				SELECT id FROM reports
				 WHERE status = 'RUNNING' AND lease_until < now() - :ageMillis * interval '1 millisecond'
				 ORDER BY lease_until
				 LIMIT :limit
				   FOR UPDATE SKIP LOCKED""", this.settings.grace(), this.settings.batchSize())));
		recovered.addAll(requeue("retry-lost", lock("""
				SELECT id FROM reports
				 WHERE status = 'QUEUED' AND error IS NOT NULL AND task_published_at IS NOT NULL
				   AND updated_at < now() - :ageMillis * interval '1 millisecond'
				 ORDER BY updated_at
				 LIMIT :limit
				   FOR UPDATE SKIP LOCKED""", this.settings.retryAge(), this.settings.batchSize())));
		// Each lane's queue holds the tasks of that lane's reports.
		readyTasks.forEach((priority, ready) -> recovered.addAll(requeue("task-lost", confirmedLost(priority, ready))));
		return recovered;
	}

	/**
	 * The oldest QUEUED reports beyond what the task queue holds, locked, that the
	 * previous sweeps also found missing at least {@code grace} ago.
	 */
	private List<UUID> confirmedLost(ReportPriority priority, long readyTasks) {
		Map<UUID, Instant> suspects = this.suspects.get(priority);
		long expected = this.jdbc
			.sql("""
					SELECT count(*) FROM reports
					 WHERE status = 'QUEUED' AND error IS NULL AND task_published_at IS NOT NULL AND priority = :priority""")
			.param("priority", priority.name())
			.query(Long.class)
			.single();
		long missing = Math.min(expected - readyTasks, this.settings.batchSize());
		if (missing <= 0) {
			suspects.clear();
			return List.of();
		}
		List<UUID> missingNow = this.jdbc.sql("""
				SELECT id FROM reports
				 WHERE status = 'QUEUED' AND error IS NULL AND priority = :priority
				   AND task_published_at < now() - :ageMillis * interval '1 millisecond'
				 ORDER BY task_published_at, id
				 LIMIT :limit
				   FOR UPDATE SKIP LOCKED""")
			.param("ageMillis", this.settings.grace().toMillis())
			.param("limit", (int) missing)
			.param("priority", priority.name())
			.query(UUID.class)
			.list();
		Instant now = Instant.now();
		Instant confirmedBefore = now.minus(this.settings.grace());
		List<UUID> confirmed = missingNow.stream()
			.filter((id) -> suspects.getOrDefault(id, now).isBefore(confirmedBefore))
			.toList();
		suspects.keySet().retainAll(missingNow);
		missingNow.forEach((id) -> suspects.putIfAbsent(id, now));
		confirmed.forEach(suspects::remove);
		return confirmed;
	}

	private List<UUID> lock(String select, Duration age, int limit) {
		return this.jdbc.sql(select).param("ageMillis", age.toMillis()).param("limit", limit).query(UUID.class).list();
	}

	/** Queues locked reports again, unpublished, so the relay publishes their tasks. */
	private List<UUID> requeue(String reason, List<UUID> ids) {
		if (ids.isEmpty()) {
			return ids;
		}
		this.jdbc.sql("""
				UPDATE reports
				   SET status = 'QUEUED', task_published_at = NULL, lease_until = NULL, progress = 0, updated_at = now()
				 WHERE id IN (:ids) AND %s
				""".formatted(ReportTransition.RECOVER.guard())).param("ids", ids).update();
		for (UUID id : ids) {
			logger.warn("Recovered report {} ({}): its task is published again", id, reason);
		}
		this.meters.counter(RECOVERED, "reason", reason).increment(ids.size());
		return ids;
	}

	/**
	 * The ready tasks in each lane's task queue; a lane whose queue the broker cannot
	 * tell about now is left out (its lost-task check waits for the next sweep).
	 */
	private Map<ReportPriority, Long> readyTasks() {
		Map<ReportPriority, Long> ready = new EnumMap<>(ReportPriority.class);
		for (ReportPriority priority : ReportPriority.values()) {
			try {
				QueueInformation info = this.admin.getQueueInfo(this.topology.generateQueue(priority));
				if (info != null) {
					ready.put(priority, (long) info.getMessageCount());
				}
			}
			catch (AmqpException ex) {
				logger.debug("Could not read the depth of the {} task queue: {}", priority, ex.getMessage());
			}
		}
		return ready;
	}

}
