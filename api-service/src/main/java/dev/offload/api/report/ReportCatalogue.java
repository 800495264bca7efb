package dev.offload.api.report;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import dev.offload.api.ApiProperties;
import dev.offload.model.ReportTypeDescriptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The report catalogue as the workers offer it ({@code report_type_offers}), read at most
 * once per {@code offload.api.catalogue.refresh} and held in memory.
 * <p>
 * The rules, chosen so that no accepted task reaches a worker that cannot build it:
 * <ul>
 * <li>The fleet is the live workers (offers renewed within {@code worker-ttl}). If none
 * is live — the fleet scaled to zero by KEDA, or restarting — it is the workers seen last
 * (within {@code worker-ttl} of the newest renewal, if that is no older than
 * {@code keep-offers}): requests are then accepted and wait in the queue, which is what a
 * queue is for, rather than being refused while workers start.</li>
 * <li>A type is offered when every worker of the fleet offers it. All workers consume one
 * queue, so during a rolling upgrade a type only the new workers know is refused (400,
 * "being rolled out") until the last old worker is gone.</li>
 * <li>When workers offer different versions of a type, the lowest version's descriptor is
 * served and validated against: every worker understands its parameters. The new
 * version's parameters are accepted once no worker of the old one is left.</li>
 * </ul>
 * If PostgreSQL cannot be read, the catalogue read last is kept.
 */
@Component
class ReportCatalogue {

	private static final Logger logger = LoggerFactory.getLogger(ReportCatalogue.class);

	private final JdbcClient jdbc;

	private final JsonMapper json;

	private final ApiProperties.Catalogue settings;

	private final ReportMetrics metrics;

	private volatile Snapshot snapshot = new Snapshot(Map.of(), Map.of(), 0, 0);

	ReportCatalogue(JdbcClient jdbc, JsonMapper json, ApiProperties properties, ReportMetrics metrics) {
		this.jdbc = jdbc;
		this.json = json;
		this.settings = properties.catalogue();
		this.metrics = metrics;
	}

	/**
	 * The types every worker of the fleet offers.
	 * @return the descriptors, by name
	 */
	Map<String, ReportTypeDescriptor> offered() {
		return current().offered();
	}

	/**
	 * A type offered by the fleet.
	 * @param type the type's name
	 * @return its descriptor, or empty
	 */
	Optional<ReportTypeDescriptor> find(String type) {
		return Optional.ofNullable(current().offered().get(type));
	}

	/**
	 * Why a type is not offered although some worker offers it.
	 * @param type the type's name
	 * @return for example "offered by 1 of 3 workers", or empty if no worker offers it
	 */
	Optional<String> partlyOffered(String type) {
		Snapshot current = current();
		Integer workers = current.partial().get(type);
		return (workers != null)
				? Optional.of("is being rolled out: offered by " + workers + " of " + current.workers() + " workers")
				: Optional.empty();
	}

	/** Reads the offers again now, whatever the refresh interval. */
	void refresh() {
		this.snapshot = load();
	}

	private Snapshot current() {
		Snapshot current = this.snapshot;
		if (current.loadedAt() != 0 && System.nanoTime() - current.loadedAt() < this.settings.refresh().toNanos()) {
			return current;
		}
		synchronized (this) {
			current = this.snapshot;
			if (current.loadedAt() == 0
					|| System.nanoTime() - current.loadedAt() >= this.settings.refresh().toNanos()) {
				try {
					current = load();
				}
				catch (DataAccessException ex) {
					logger.warn("Could not read the report catalogue; using the one read before: {}", ex.getMessage());
					current = new Snapshot(current.offered(), current.partial(), current.workers(), System.nanoTime());
				}
				this.snapshot = current;
			}
			return current;
		}
	}

	private Snapshot load() {
		List<Offer> offers = this.jdbc.sql("""
				WITH workers AS (
				    SELECT worker_id, max(seen_at) AS seen FROM report_type_offers GROUP BY worker_id
				), newest AS (
				    SELECT max(seen) AS seen FROM workers
				), fleet AS (
				    SELECT w.worker_id FROM workers w, newest n
				     WHERE w.seen > now() - :ttlMillis * interval '1 millisecond'
				        OR (n.seen <= now() - :ttlMillis * interval '1 millisecond'
				            AND n.seen > now() - :keepMillis * interval '1 millisecond'
				            AND w.seen >= n.seen - :ttlMillis * interval '1 millisecond')
				)
				SELECT o.worker_id, o.type, o.version, o.descriptor::text AS descriptor
				  FROM report_type_offers o JOIN fleet f ON f.worker_id = o.worker_id
				""")
			.param("ttlMillis", this.settings.workerTtl().toMillis())
			.param("keepMillis", this.settings.keepOffers().toMillis())
			.query((rs, row) -> new Offer(rs.getString("worker_id"), rs.getString("type"), rs.getInt("version"),
					rs.getString("descriptor")))
			.list();
		Set<String> workers = new HashSet<>();
		Map<String, List<Offer>> byType = new HashMap<>();
		for (Offer offer : offers) {
			workers.add(offer.workerId());
			byType.computeIfAbsent(offer.type(), (type) -> new ArrayList<>()).add(offer);
		}
		Map<String, ReportTypeDescriptor> offered = new TreeMap<>();
		Map<String, Integer> partial = new HashMap<>();
		for (Map.Entry<String, List<Offer>> type : byType.entrySet()) {
			if (type.getValue().size() < workers.size()) {
				partial.put(type.getKey(), type.getValue().size());
				continue;
			}
			Offer lowest = type.getValue().stream().min(Comparator.comparingInt(Offer::version)).orElseThrow();
			try {
				ReportTypeDescriptor descriptor = this.json.readValue(lowest.descriptor(), ReportTypeDescriptor.class);
				offered.put(type.getKey(), descriptor);
				this.metrics.offered(type.getKey());
			}
			catch (RuntimeException ex) {
				logger.error("Worker {} offers an unreadable descriptor of {}; not offering it: {}", lowest.workerId(),
						type.getKey(), ex.getMessage());
			}
		}
		return new Snapshot(Collections.unmodifiableMap(offered), Map.copyOf(partial), workers.size(),
				System.nanoTime());
	}

	private record Offer(String workerId, String type, int version, String descriptor) {

	}

	private record Snapshot(Map<String, ReportTypeDescriptor> offered, Map<String, Integer> partial, int workers,
			long loadedAt) {

	}

}
