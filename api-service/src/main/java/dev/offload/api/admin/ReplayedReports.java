package dev.offload.api.admin;

import dev.offload.model.ReportTransition;
import java.util.Optional;
import java.util.UUID;

import dev.offload.model.ReportStatus;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

/**
 * Queues a report again for an operator's replay of its parked task.
 */
@Repository
class ReplayedReports {

	private final JdbcClient jdbc;

	ReplayedReports(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/**
	 * Moves a FAILED report back to QUEUED with its task unpublished, so the relay
	 * publishes it again; a report still QUEUED (its last attempt could not even mark it
	 * FAILED) is republished too, and so is a RUNNING one whose lease has expired (its
	 * worker died and its task was parked: nobody else would ever build it). The FAILED
	 * email's record goes, so the new outcome is mailed whatever it is. The attempt count
	 * stays: it only ever grows.
	 * @param reportId the report
	 * @return what happened
	 */
	@Transactional
	Outcome requeue(UUID reportId) {
		int updated = this.jdbc.sql("""
				UPDATE reports
				   SET status = 'QUEUED', task_published_at = NULL, error = NULL, lease_until = NULL,
				       progress = 0, finished_at = NULL, updated_at = now()
				 WHERE id = :id AND %s AND (status <> 'RUNNING' OR lease_until < now())
				""".formatted(ReportTransition.REPLAY.guard())).param("id", reportId).update();
		if (updated == 1) {
			this.jdbc.sql("DELETE FROM sent_emails WHERE report_id = :id AND outcome = 'FAILED'")
				.param("id", reportId)
				.update();
			return Outcome.REQUEUED;
		}
		Optional<ReportStatus> status = this.jdbc.sql("SELECT status FROM reports WHERE id = :id")
			.param("id", reportId)
			.query((rs, row) -> ReportStatus.valueOf(rs.getString("status")))
			.optional();
		return status.map((current) -> (current == ReportStatus.RUNNING) ? Outcome.RUNNING : Outcome.FINISHED)
			.orElse(Outcome.UNKNOWN);
	}

	enum Outcome {

		REQUEUED("queued again"), FINISHED("the report has finished otherwise"), RUNNING("the report is being built"),
		UNKNOWN("no such report (deleted?)");

		private final String reason;

		Outcome(String reason) {
			this.reason = reason;
		}

		String reason() {
			return this.reason;
		}

	}

}
