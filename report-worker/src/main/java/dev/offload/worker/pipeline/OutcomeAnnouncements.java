package dev.offload.worker.pipeline;

import java.util.List;

import dev.offload.model.Owner;
import dev.offload.model.ReportEvent;
import dev.offload.model.ReportFormat;
import dev.offload.worker.WorkerProperties;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.amqp.AmqpException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Announces again the outcome of finished reports whose email was never recorded: their
 * SUCCEEDED or FAILED event was published and then lost (a broker node or disk, a purged
 * or deleted queue), or never published by an attempt that died in between. The event
 * goes to the events fanout, so the email sender, the webhooks queue, the live status and
 * any other subscriber hear of it; the email outbox mails each outcome once. Counted in
 * {@code offload.reports.announced.again} and logged with the report id.
 * <p>
 * An outcome the worker recorded with its email (an owner without a webhook endpoint) is
 * never found here, as no durable queue needed its event; nor is one of a report in a
 * batch, whose owner gets one summary, nor one of an owner with neither an address (who
 * gets no email, so it would be found again every time) nor a webhook endpoint.
 */
public class OutcomeAnnouncements {

	/** The metric counting outcomes announced again. */
	public static final String ANNOUNCED_AGAIN = "offload.reports.announced.again";

	private static final Logger logger = LoggerFactory.getLogger(OutcomeAnnouncements.class);

	/** The advisory lock key: "offload announcements". */
	private static final long LOCK = 0x6f66666c6f616402L;

	private static final int BATCH = 200;

	private final JdbcClient jdbc;

	private final TransactionTemplate transactions;

	private final ReportEventPublisher events;

	private final MeterRegistry meters;

	private final WorkerProperties.Announcements settings;

	OutcomeAnnouncements(JdbcClient jdbc, TransactionTemplate transactions, ReportEventPublisher events,
			MeterRegistry meters, WorkerProperties properties) {
		this.jdbc = jdbc;
		this.transactions = transactions;
		this.events = events;
		this.meters = meters;
		this.settings = properties.announcements();
	}

	/**
	 * One sweep; never throws, so the schedule goes on.
	 * @return how many outcomes were announced again
	 */
	public int run() {
		try {
			Integer announced = this.transactions.execute((status) -> sweep());
			return (announced != null) ? announced : 0;
		}
		catch (RuntimeException ex) {
			logger.warn("Could not look for unannounced outcomes (will try again): {}", ex.getMessage());
			return 0;
		}
	}

	private int sweep() {
		Boolean locked = this.jdbc.sql("SELECT pg_try_advisory_xact_lock(:lock)")
			.param("lock", LOCK)
			.query(Boolean.class)
			.single();
		if (!Boolean.TRUE.equals(locked)) {
			return 0;
		}
		List<ReportEvent> unannounced = this.jdbc.sql("""
				SELECT r.id, r.status, r.finished_at, r.owner_id, r.owner_email, r.type, r.format, r.file_size, r.error
				  FROM reports r
				 WHERE r.status IN ('SUCCEEDED', 'FAILED') AND r.batch_id IS NULL
				   AND (r.owner_email IS NOT NULL
				        OR EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.owner_id = r.owner_id))
				   AND r.finished_at < now() - :graceMillis * interval '1 millisecond'
				   AND r.finished_at > now() - :windowMillis * interval '1 millisecond'
				   AND NOT EXISTS (SELECT 1 FROM sent_emails s WHERE s.report_id = r.id AND s.outcome = r.status)
				 ORDER BY r.finished_at
				 LIMIT :batch""")
			.param("graceMillis", this.settings.grace().toMillis())
			.param("windowMillis", this.settings.window().toMillis())
			.param("batch", BATCH)
			.query((rs, row) -> {
				boolean succeeded = rs.getString("status").equals("SUCCEEDED");
				return new ReportEvent(rs.getObject("id", java.util.UUID.class),
						succeeded ? ReportEvent.Type.SUCCEEDED : ReportEvent.Type.FAILED, succeeded ? 100 : 0,
						rs.getTimestamp("finished_at").toInstant(),
						new Owner(rs.getString("owner_id"), rs.getString("owner_email")), rs.getString("type"),
						ReportFormat.valueOf(rs.getString("format")), (Long) rs.getObject("file_size"),
						rs.getString("error"));
			})
			.list();
		int announced = 0;
		for (ReportEvent event : unannounced) {
			try {
				this.events.publish(event);
			}
			catch (AmqpException ex) {
				logger.warn("Could not announce the outcome of report {} again (will try again): {}", event.reportId(),
						ex.getMessage());
				break;
			}
			logger.warn("Announced the {} outcome of report {} again: its email had not been recorded {} after it "
					+ "finished", event.type(), event.reportId(), this.settings.grace());
			this.meters.counter(ANNOUNCED_AGAIN, "outcome", event.type().name()).increment();
			announced++;
		}
		return announced;
	}

}
