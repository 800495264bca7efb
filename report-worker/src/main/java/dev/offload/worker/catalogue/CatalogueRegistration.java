package dev.offload.worker.catalogue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Offers this worker's report types in the catalogue api-service serves: one row per type
 * in {@code report_type_offers}, written when the worker starts, before its listeners
 * consume (an earlier lifecycle phase), renewed every
 * {@code offload.worker.catalogue.heartbeat}, and deleted when it stops, after its
 * listeners. A database outage only delays a renewal; the API keeps the offers of a
 * worker it saw recently.
 */
@Component
class CatalogueRegistration implements SmartLifecycle {

	private final Object offersLock = new Object();

	private static final Logger logger = LoggerFactory.getLogger(CatalogueRegistration.class);

	private final Catalogue catalogue;

	private final JdbcClient jdbc;

	private final JsonMapper json;

	private final String workerId;

	private volatile boolean running;

	CatalogueRegistration(Catalogue catalogue, JdbcClient jdbc, JsonMapper json,
			@Value("${offload.worker.id:}") String workerId) {
		this.catalogue = catalogue;
		this.jdbc = jdbc;
		this.json = json;
		this.workerId = workerId.isBlank() ? hostName() + "-" + UUID.randomUUID().toString().substring(0, 8) : workerId;
	}

	@Override
	public void start() {
		register();
		this.running = true;
		logger.info("Offering {} report types as worker {}", this.catalogue.definitions().size(), this.workerId);
	}

	@Override
	public void stop() {
		// Under the lock: a heartbeat already renewing the offers finishes first, so
		// the withdrawal is the last word and no renewal brings the offers back.
		synchronized (this.offersLock) {
			this.running = false;
			withdraw();
		}
	}

	private void withdraw() {
		try {
			this.jdbc.sql("DELETE FROM report_type_offers WHERE worker_id = :worker")
				.param("worker", this.workerId)
				.update();
		}
		catch (DataAccessException ex) {
			logger.warn("Could not withdraw this worker's offers; they expire: {}", ex.getMessage());
		}
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	/** Before the listener containers (which start in the default, last phase). */
	@Override
	public int getPhase() {
		return 0;
	}

	@Scheduled(fixedDelayString = "${offload.worker.catalogue.heartbeat:10s}",
			initialDelayString = "${offload.worker.catalogue.heartbeat:10s}")
	void heartbeat() {
		synchronized (this.offersLock) {
			if (!this.running) {
				return;
			}
			try {
				register();
			}
			catch (DataAccessException ex) {
				logger.warn("Could not renew this worker's catalogue offers (will try again): {}", ex.getMessage());
			}
		}
	}

	private void register() {
		for (ReportDefinition definition : this.catalogue.definitions()) {
			this.jdbc.sql("""
					INSERT INTO report_type_offers (worker_id, type, version, descriptor)
					VALUES (:worker, :type, :version, CAST(:descriptor AS jsonb))
					ON CONFLICT (worker_id, type) DO UPDATE
					   SET version = EXCLUDED.version, descriptor = EXCLUDED.descriptor, seen_at = now()
					""")
				.param("worker", this.workerId)
				.param("type", definition.descriptor().name())
				.param("version", definition.descriptor().version())
				.param("descriptor", this.json.writeValueAsString(definition.descriptor()))
				.update();
		}
	}

	String workerId() {
		return this.workerId;
	}

	private static String hostName() {
		try {
			return InetAddress.getLocalHost().getHostName();
		}
		catch (UnknownHostException ex) {
			return "worker";
		}
	}

}
