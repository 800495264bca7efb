package dev.offload.api.retention;

import java.time.Duration;
import java.util.function.IntSupplier;

import dev.offload.api.ApiProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Keeps what PostgreSQL holds per user bounded: deletes the rows of reports that finished
 * longer ago than {@code offload.api.retention.keep-reports-for} (with their sent
 * emails), the rows of emails sent longer ago than {@code keep-sent-emails-for} (they
 * hold signed download links), and forgets idempotency keys older than
 * {@code keep-idempotency-keys-for}, so the key may be used again, and deletes webhook
 * events recorded longer ago than {@code keep-webhook-events-for} with their deliveries
 * (the delivery log), unless one is still pending, and the run history of schedules
 * ({@code schedule_runs}) older than {@code keep-reports-for}.
 * <p>
 * A report is deleted only once it has finished, its file is gone from its store (the
 * file retention has run, or it never had one) and no email about it waits to be sent;
 * deleting it deletes its {@code sent_emails} and legacy {@code report_files} rows with
 * it ({@code ON DELETE CASCADE}). Like {@link ReportFileRetention}, every api-service
 * replica runs this, in batches of one transaction each, and rows another replica is
 * working on are skipped ({@code FOR UPDATE SKIP LOCKED}), so replicas share the work and
 * never delete the same row twice. Counted in {@code offload.retention.deleted} by kind.
 */
class RecordRetention {

	/** The metric counting rows deleted (or keys forgotten), tagged {@code kind}. */
	static final String DELETED = "offload.retention.deleted";

	private static final Logger logger = LoggerFactory.getLogger(RecordRetention.class);

	private final JdbcClient jdbc;

	private final TransactionTemplate transactions;

	private final ApiProperties.Retention settings;

	private final Counter reportsDeleted;

	private final Counter sentEmailsDeleted;

	private final Counter idempotencyKeysForgotten;

	private final Counter webhookEventsDeleted;

	private final Counter batchesDeleted;

	private final Counter scheduleRunsDeleted;

	RecordRetention(JdbcClient jdbc, TransactionTemplate transactions, ApiProperties properties, MeterRegistry meters) {
		this.jdbc = jdbc;
		this.transactions = transactions;
		this.settings = properties.retention();
		this.reportsDeleted = counter(meters, "reports", "Finished report rows deleted by retention");
		this.sentEmailsDeleted = counter(meters, "sent-emails", "Sent email rows deleted by retention");
		this.idempotencyKeysForgotten = counter(meters, "idempotency-keys", "Idempotency keys forgotten by retention");
		this.webhookEventsDeleted = counter(meters, "webhook-events",
				"Webhook events deleted by retention, with their deliveries");
		this.batchesDeleted = counter(meters, "batches",
				"Finished batches deleted by retention once their reports were");
		this.scheduleRunsDeleted = counter(meters, "schedule-runs", "Schedule run history rows deleted by retention");
	}

	private static Counter counter(MeterRegistry meters, String kind, String description) {
		return Counter.builder(DELETED).tag("kind", kind).description(description).register(meters);
	}

	/**
	 * One run of the job: report rows, then batches, then sent emails, then idempotency
	 * keys, then webhook events, then schedule runs.
	 */
	void run() {
		deleteExpiredReports();
		deleteExpiredBatches();
		deleteExpiredSentEmails();
		forgetExpiredIdempotencyKeys();
		deleteExpiredWebhookEvents();
		deleteExpiredScheduleRuns();
	}

	/**
	 * Deletes the history of schedule runs that fell due longer ago than
	 * {@code keep-reports-for}, as their reports go. A run's row is what makes it create
	 * its report once; only runs before their schedule's {@code next_run_at} are deleted,
	 * and the sweep never looks at those again.
	 * @return how many run rows were deleted
	 */
	int deleteExpiredScheduleRuns() {
		return inBatches("schedule runs", this.settings.keepReportsFor(), this.scheduleRunsDeleted,
				() -> this.jdbc.sql("""
						DELETE FROM schedule_runs
						 WHERE (schedule_id, scheduled_for) IN (
						       SELECT r.schedule_id, r.scheduled_for
						         FROM schedule_runs r JOIN report_schedules s ON s.id = r.schedule_id
						        WHERE r.scheduled_for < now() - :ageMillis * interval '1 millisecond'
						          AND r.scheduled_for < s.next_run_at
						        ORDER BY r.scheduled_for
						        LIMIT :batch
						          FOR UPDATE OF r SKIP LOCKED)
						""")
					.param("ageMillis", this.settings.keepReportsFor().toMillis())
					.param("batch", this.settings.batchSize())
					.update());
	}

	/**
	 * Deletes every batch that ended longer ago than {@code keep-reports-for} once none
	 * of its reports is left (they go by the same age, each when it may).
	 * @return how many batches were deleted
	 */
	int deleteExpiredBatches() {
		return inBatches("batches", this.settings.keepReportsFor(), this.batchesDeleted,
				() -> this.jdbc.sql("""
						DELETE FROM report_batches
						 WHERE id IN (SELECT b.id FROM report_batches b
						               WHERE b.state IN ('COMPLETED', 'CANCELLED', 'FAILED')
						                 AND b.completed_at < now() - :ageMillis * interval '1 millisecond'
						                 AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.batch_id = b.id)
						               ORDER BY b.completed_at
						               LIMIT :batch
						                 FOR UPDATE SKIP LOCKED)
						""")
					.param("ageMillis", this.settings.keepReportsFor().toMillis())
					.param("batch", this.settings.batchSize())
					.update());
	}

	/**
	 * Deletes the rows of every report past {@code keep-reports-for}, with their sent
	 * emails.
	 * @return how many reports were deleted
	 */
	int deleteExpiredReports() {
		return inBatches("report rows", this.settings.keepReportsFor(), this.reportsDeleted,
				() -> this.jdbc.sql("""
						DELETE FROM reports
						 WHERE id IN (SELECT r.id FROM reports r
						               WHERE r.status IN ('SUCCEEDED', 'FAILED', 'CANCELLED')
						                 AND r.finished_at < now() - :ageMillis * interval '1 millisecond'
						                 AND (r.file_key IS NULL OR r.file_deleted_at IS NOT NULL)
						                 AND NOT EXISTS (SELECT 1 FROM sent_emails e
						                                  WHERE e.report_id = r.id AND e.status = 'PENDING')
						               ORDER BY r.finished_at
						               LIMIT :batch
						                 FOR UPDATE SKIP LOCKED)
						""")
					.param("ageMillis", this.settings.keepReportsFor().toMillis())
					.param("batch", this.settings.batchSize())
					.update());
	}

	/**
	 * Deletes the rows of every email sent longer ago than {@code keep-sent-emails-for}.
	 * An email still to be sent is never deleted.
	 * @return how many were deleted
	 */
	int deleteExpiredSentEmails() {
		return inBatches("sent emails", this.settings.keepSentEmailsFor(), this.sentEmailsDeleted,
				() -> this.jdbc.sql("""
						DELETE FROM sent_emails
						 WHERE (report_id, outcome) IN (SELECT report_id, outcome FROM sent_emails
						                                 WHERE status = 'SENT'
						                                   AND sent_at < now() - :ageMillis * interval '1 millisecond'
						                                 ORDER BY sent_at
						                                 LIMIT :batch
						                                   FOR UPDATE SKIP LOCKED)
						""")
					.param("ageMillis", this.settings.keepSentEmailsFor().toMillis())
					.param("batch", this.settings.batchSize())
					.update());
	}

	/**
	 * Forgets the {@code Idempotency-Key} of every report requested longer ago than
	 * {@code keep-idempotency-keys-for}: a request with the same key then creates a new
	 * report. The report itself stays.
	 * @return how many keys were forgotten
	 */
	int forgetExpiredIdempotencyKeys() {
		return inBatches("idempotency keys", this.settings.keepIdempotencyKeysFor(), this.idempotencyKeysForgotten,
				() -> this.jdbc.sql("""
						UPDATE reports SET idempotency_key = NULL
						 WHERE id IN (SELECT id FROM reports
						               WHERE idempotency_key IS NOT NULL
						                 AND created_at < now() - :ageMillis * interval '1 millisecond'
						               ORDER BY created_at
						               LIMIT :batch
						                 FOR UPDATE SKIP LOCKED)
						""")
					.param("ageMillis", this.settings.keepIdempotencyKeysFor().toMillis())
					.param("batch", this.settings.batchSize())
					.update());
	}

	/**
	 * Deletes the webhook events recorded longer ago than
	 * {@code keep-webhook-events-for}, with their deliveries ({@code ON DELETE CASCADE}).
	 * An event with a delivery still pending (a recent redelivery) stays.
	 * @return how many events were deleted
	 */
	int deleteExpiredWebhookEvents() {
		return inBatches("webhook events", this.settings.keepWebhookEventsFor(), this.webhookEventsDeleted,
				() -> this.jdbc.sql("""
						DELETE FROM webhook_events
						 WHERE id IN (SELECT ev.id FROM webhook_events ev
						               WHERE ev.created_at < now() - :ageMillis * interval '1 millisecond'
						                 AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d
						                                  WHERE d.event_id = ev.id AND d.status = 'PENDING')
						               ORDER BY ev.created_at
						               LIMIT :batch
						                 FOR UPDATE SKIP LOCKED)
						""")
					.param("ageMillis", this.settings.keepWebhookEventsFor().toMillis())
					.param("batch", this.settings.batchSize())
					.update());
	}

	/**
	 * Runs one batch per transaction until a batch comes back short; never throws, so the
	 * schedule goes on (what is left is deleted on the next run).
	 */
	private int inBatches(String what, Duration age, Counter counter, IntSupplier batch) {
		int total = 0;
		try {
			int deleted;
			do {
				Integer done = this.transactions.execute((status) -> batch.getAsInt());
				deleted = (done != null) ? done : 0;
				total += deleted;
				counter.increment(deleted);
			}
			while (deleted == this.settings.batchSize());
		}
		catch (RuntimeException ex) {
			logger.warn("Could not delete expired {} (will try again): {}", what, ex.getMessage());
		}
		if (total > 0) {
			logger.info("Deleted {} {} older than {}", total, what, age);
		}
		return total;
	}

}
