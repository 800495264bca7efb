package dev.offload.worker.generation;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

import dev.offload.model.ReportStatus;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The worker's view of the {@code reports} table: claiming a report and moving it through
 * its lifecycle. Every status change is a conditional update that names the status it
 * expects, and, once claimed, the attempt that claimed it: the attempt number is the
 * fencing token that keeps a worker whose lease ran out from overwriting the work of the
 * one that took the report over.
 */
@Repository
class Reports {

	private final JdbcClient jdbc;

	private final TransactionTemplate transactions;

	private final TransactionTemplate separateTransactions;

	Reports(JdbcClient jdbc, PlatformTransactionManager transactionManager) {
		this.jdbc = jdbc;
		this.transactions = new TransactionTemplate(transactionManager);
		this.separateTransactions = new TransactionTemplate(transactionManager);
		this.separateTransactions.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
	}

	/**
	 * Claims a report for this worker: a QUEUED report, or a RUNNING one whose lease has
	 * run out (its worker died), or, for a delivery that says so, a RUNNING one whose
	 * worker let go of it.
	 * <p>
	 * The report's {@code attempts} becomes at least the delivery's attempt number, so it
	 * also counts attempts that failed before they could claim the report (with
	 * PostgreSQL unreachable); it only ever grows, so it stays a fencing token.
	 * @param reportId the report
	 * @param lease how long the claim holds without a sign of life
	 * @param delivery how the task came: a redelivered task may take over any RUNNING
	 * report (the consumer that held it lost its channel), a retried one the claim it
	 * abandoned
	 * @return the claim, or empty if the report is not there to be claimed
	 */
	Optional<Claim> claim(UUID reportId, Duration lease, TaskDelivery delivery) {
		return this.jdbc.sql("""
				UPDATE reports
				   SET status = 'RUNNING', started_at = now(), attempts = GREATEST(attempts + 1, :attempt),
				       lease_until = now() + :leaseMillis * interval '1 millisecond',
				       progress = 0, error = NULL, updated_at = now()
				 WHERE id = :id
				   AND (status = 'QUEUED'
				        OR (status = 'RUNNING'
				            AND (lease_until < now() OR :takeOver OR attempts = :abandonedClaim)))
				RETURNING attempts
				""")
			.param("id", reportId)
			.param("attempt", delivery.attempt())
			.param("leaseMillis", lease.toMillis())
			.param("takeOver", delivery.redelivered())
			.param("abandonedClaim", delivery.abandonedClaim())
			.query((rs, row) -> new Claim(reportId, rs.getInt("attempts")))
			.optional();
	}

	/**
	 * Hands a claimed report back to QUEUED after a transient failure, so the retry of
	 * its task can claim it at once.
	 * @param claim the claim
	 * @param error what went wrong, kept until the next attempt starts
	 * @return {@code false} if the claim was lost (cancelled or taken over)
	 */
	boolean handBack(Claim claim, String error) {
		return this.jdbc.sql("""
				UPDATE reports
				   SET status = 'QUEUED', error = :error, lease_until = NULL, progress = 0, updated_at = now()
				 WHERE id = :id AND status = 'RUNNING' AND attempts = :attempt
				""")
			.param("error", error)
			.param("id", claim.reportId())
			.param("attempt", claim.attempt())
			.update() == 1;
	}

	/**
	 * Marks a report FAILED for good without having claimed it: its last attempt failed
	 * before the claim (PostgreSQL was unreachable then).
	 * @param reportId the report
	 * @param delivery the last delivery; a RUNNING report is failed only if it is the
	 * claim this task abandoned
	 * @param error a summary of what went wrong, shown to the report's owner
	 * @return {@code false} if the report is finished, unknown, or owned by a live worker
	 */
	boolean failUnclaimed(UUID reportId, TaskDelivery delivery, String error) {
		return this.jdbc.sql("""
				UPDATE reports
				   SET status = 'FAILED', error = :error, finished_at = now(), updated_at = now(),
				       lease_until = NULL, attempts = GREATEST(attempts, :attempt)
				 WHERE id = :id
				   AND (status = 'QUEUED' OR (status = 'RUNNING' AND attempts = :abandonedClaim))
				""")
			.param("error", error)
			.param("attempt", delivery.attempt())
			.param("id", reportId)
			.param("abandonedClaim", delivery.abandonedClaim())
			.update() == 1;
	}

	/**
	 * A finished report's outcome, to announce it again.
	 * @param reportId the report
	 * @return its status, file size and error, or empty if there is no such report
	 */
	Optional<Outcome> outcome(UUID reportId) {
		return this.jdbc.sql("SELECT status, file_size, error FROM reports WHERE id = :id")
			.param("id", reportId)
			.query((rs, row) -> new Outcome(ReportStatus.valueOf(rs.getString("status")),
					(Long) rs.getObject("file_size"), rs.getString("error")))
			.optional();
	}

	/**
	 * The current status of a report.
	 * @param reportId the report
	 * @return its status, or empty if there is no such report
	 */
	Optional<ReportStatus> status(UUID reportId) {
		return this.jdbc.sql("SELECT status FROM reports WHERE id = :id")
			.param("id", reportId)
			.query((rs, row) -> ReportStatus.valueOf(rs.getString("status")))
			.optional();
	}

	/**
	 * Records progress and renews the claim's lease, as the worker's sign of life.
	 * @param claim the claim
	 * @param percent how far the report is
	 * @param lease the renewed lease
	 * @return {@code false} if the claim was lost (the report was cancelled or taken
	 * over)
	 */
	boolean progress(Claim claim, int percent, Duration lease) {
		// Progress is reported from inside a generator's read-only transaction, which
		// holds its cursor open; the update commits on its own connection at once, so
		// others see it while the report is still being read.
		Integer updated = this.separateTransactions.execute((status) -> this.jdbc.sql("""
				UPDATE reports
				   SET progress = :progress, lease_until = now() + :leaseMillis * interval '1 millisecond',
				       updated_at = now()
				 WHERE id = :id AND status = 'RUNNING' AND attempts = :attempt
				""")
			.param("progress", percent)
			.param("leaseMillis", lease.toMillis())
			.param("id", claim.reportId())
			.param("attempt", claim.attempt())
			.update());
		return updated != null && updated == 1;
	}

	/**
	 * Stores the file and marks the report SUCCEEDED, in one transaction: a report is
	 * never SUCCEEDED without its file, and a file is never stored for a report this
	 * worker no longer owns. A report has at most one file; storing again replaces it.
	 * @param claim the claim
	 * @param report the file
	 * @return {@code false} if the claim was lost, in which case nothing was stored
	 */
	boolean succeed(Claim claim, GeneratedReport report) {
		Boolean succeeded = this.transactions.execute((status) -> {
			int updated = this.jdbc.sql("""
					UPDATE reports
					   SET status = 'SUCCEEDED', progress = 100, finished_at = now(), updated_at = now(),
					       lease_until = NULL, file_size = :size, error = NULL
					 WHERE id = :id AND status = 'RUNNING' AND attempts = :attempt
					""")
				.param("size", report.size())
				.param("id", claim.reportId())
				.param("attempt", claim.attempt())
				.update();
			if (updated == 0) {
				return false;
			}
			this.jdbc.sql("""
					INSERT INTO report_files (report_id, file_name, content_type, content)
					VALUES (:id, :fileName, :contentType, :content)
					ON CONFLICT (report_id) DO UPDATE
					   SET file_name = EXCLUDED.file_name, content_type = EXCLUDED.content_type,
					       content = EXCLUDED.content, created_at = now()
					""")
				.param("id", claim.reportId())
				.param("fileName", report.fileName())
				.param("contentType", report.contentType())
				.param("content", report.content())
				.update();
			return true;
		});
		return Boolean.TRUE.equals(succeeded);
	}

	/**
	 * Marks the report FAILED for good.
	 * @param claim the claim
	 * @param error a summary of what went wrong, shown to the report's owner
	 * @return {@code false} if the claim was lost
	 */
	boolean fail(Claim claim, String error) {
		return this.jdbc.sql("""
				UPDATE reports
				   SET status = 'FAILED', error = :error, finished_at = now(), updated_at = now(),
				       lease_until = NULL
				 WHERE id = :id AND status = 'RUNNING' AND attempts = :attempt
				""")
			.param("error", error)
			.param("id", claim.reportId())
			.param("attempt", claim.attempt())
			.update() == 1;
	}

	/**
	 * What a report's row says about it.
	 *
	 * @param status its status
	 * @param fileSize the stored file's size, once SUCCEEDED
	 * @param error what went wrong, once FAILED
	 */
	record Outcome(ReportStatus status, Long fileSize, String error) {

	}

	/**
	 * A report claimed by this worker.
	 *
	 * @param reportId the report
	 * @param attempt the attempt number the claim set; later updates require it
	 */
	record Claim(UUID reportId, int attempt) {

	}

}
