package dev.offload.worker.email;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import dev.offload.model.ReportEvent;

import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The email outbox ({@code sent_emails}): one row per report outcome to be mailed,
 * PENDING until the SMTP server has taken it, then SENT. The primary key (report,
 * outcome) keeps a redelivered or republished event from mailing twice.
 */
@Repository
class EmailOutbox {

	private static final int MAX_ERROR_LENGTH = 1000;

	/** The outcome under which a batch's summary email is kept. */
	static final String BATCH_SUMMARY = "BATCH_SUMMARY";

	private final JdbcClient jdbc;

	EmailOutbox(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/**
	 * Records emails to be sent now, in one statement, skipping those of outcomes
	 * recorded before, of reports that no longer exist, and of reports in a batch (whose
	 * owner gets one summary instead of an email per report).
	 * @param emails the emails
	 * @return the emails recorded now
	 */
	Set<OutcomeEmail> recordAll(List<OutcomeEmail> emails) {
		if (emails.isEmpty()) {
			return Set.of();
		}
		List<Object[]> rows = emails.stream()
			.map((email) -> new Object[] { email.reportId(), email.outcome().name(), email.recipient(), email.subject(),
					email.body() })
			.toList();
		Set<String> recorded = new HashSet<>(this.jdbc.sql("""
				INSERT INTO sent_emails (report_id, outcome, recipient, subject, body, status, next_attempt_at)
				SELECT r.id, e.outcome, e.recipient, e.subject, e.body, 'PENDING', now()
				  FROM (VALUES :rows) AS e (report_id, outcome, recipient, subject, body)
				  JOIN reports r ON r.id = e.report_id AND r.batch_id IS NULL
				ON CONFLICT (report_id, outcome) DO NOTHING
				RETURNING report_id, outcome
				""")
			.param("rows", rows)
			.query((rs, row) -> rs.getObject("report_id") + ":" + rs.getString("outcome"))
			.list());
		Set<OutcomeEmail> result = new HashSet<>();
		for (OutcomeEmail email : emails) {
			if (recorded.contains(email.reportId() + ":" + email.outcome().name())) {
				result.add(email);
			}
		}
		return result;
	}

	/**
	 * Records the summary email of a completed batch, kept with the batch's first report
	 * (the outbox's rows belong to reports), as outcome {@value #BATCH_SUMMARY}.
	 * @param firstReportId the batch's first report
	 * @param recipient where it goes
	 * @param subject its subject
	 * @param body its text
	 * @return {@code false} if it was recorded before
	 */
	boolean recordBatchSummary(UUID firstReportId, String recipient, String subject, String body) {
		return this.jdbc.sql("""
				INSERT INTO sent_emails (report_id, outcome, recipient, subject, body, status, next_attempt_at)
				VALUES (:id, :outcome, :recipient, :subject, :body, 'PENDING', now())
				ON CONFLICT (report_id, outcome) DO NOTHING
				""")
			.param("id", firstReportId)
			.param("outcome", BATCH_SUMMARY)
			.param("recipient", recipient)
			.param("subject", subject)
			.param("body", body)
			.update() == 1;
	}

	/**
	 * Locks the next emails due to be sent, skipping those another sender holds. The
	 * locks last until the caller's transaction ends, so call this in one.
	 * @param limit at most this many
	 * @return the emails, the longest due first; empty if none is due
	 */
	List<PendingEmail> lockDue(int limit) {
		// The limit written into the statement, not bound: bound, PostgreSQL planned the
		// statement again on every run (a generic plan looks dearer for a limit it does
		// not know), 0.3 ms each time. The sender always takes the same number.
		return this.jdbc.sql("""
				SELECT report_id, outcome, recipient, subject, body, attempts
				  FROM sent_emails
				 WHERE status = 'PENDING' AND next_attempt_at <= now()
				 ORDER BY next_attempt_at, created_at
				 LIMIT %d
				   FOR UPDATE SKIP LOCKED
				""".formatted(limit))
			.query((rs, row) -> new PendingEmail((UUID) rs.getObject("report_id"), rs.getString("outcome"),
					rs.getString("recipient"), rs.getString("subject"), rs.getString("body"), rs.getInt("attempts")))
			.list();
	}

	/**
	 * How many emails wait to be sent, for the {@code offload.emails.pending} gauge.
	 * @return the count, or NaN if PostgreSQL cannot be read
	 */
	double pendingCount() {
		try {
			return this.jdbc.sql("SELECT count(*) FROM sent_emails WHERE status = 'PENDING'")
				.query(Long.class)
				.single();
		}
		catch (DataAccessException ex) {
			return Double.NaN;
		}
	}

	/**
	 * Marks emails as taken by the SMTP server, in one statement.
	 * @param emails the emails
	 */
	void markSent(List<PendingEmail> emails) {
		if (emails.isEmpty()) {
			return;
		}
		this.jdbc.sql("""
				UPDATE sent_emails
				   SET status = 'SENT', sent_at = now(), attempts = attempts + 1, next_attempt_at = NULL
				 WHERE (report_id, outcome) IN (:emails) AND status = 'PENDING'
				""")
			.param("emails",
					emails.stream().map((email) -> new Object[] { email.reportId(), email.outcome() }).toList())
			.update();
	}

	/**
	 * Counts a failed attempt and sets when to try again.
	 * @param email the email
	 * @param retryIn the wait before the next attempt
	 * @param error why it failed
	 */
	void postpone(PendingEmail email, Duration retryIn, String error) {
		String truncated = (error.length() > MAX_ERROR_LENGTH) ? error.substring(0, MAX_ERROR_LENGTH) : error;
		this.jdbc.sql("""
				UPDATE sent_emails
				   SET attempts = attempts + 1, last_error = :error,
				       next_attempt_at = now() + :retryMillis * interval '1 millisecond'
				 WHERE report_id = :id AND outcome = :outcome AND status = 'PENDING'
				""")
			.param("error", truncated)
			.param("retryMillis", retryIn.toMillis())
			.param("id", email.reportId())
			.param("outcome", email.outcome())
			.update();
	}

	/**
	 * An email telling a report's owner its outcome, to be recorded.
	 *
	 * @param reportId the report
	 * @param outcome the outcome it tells
	 * @param recipient where it goes
	 * @param subject its subject
	 * @param body its text
	 */
	record OutcomeEmail(UUID reportId, ReportEvent.Type outcome, String recipient, String subject, String body) {

	}

	/**
	 * An email waiting to be sent.
	 *
	 * @param reportId the report
	 * @param outcome the outcome it tells
	 * @param recipient where it goes
	 * @param subject its subject
	 * @param body its text
	 * @param attempts how many attempts failed so far
	 */
	record PendingEmail(UUID reportId, String outcome, String recipient, String subject, String body, int attempts) {

	}

}
