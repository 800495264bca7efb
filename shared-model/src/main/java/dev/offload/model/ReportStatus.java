package dev.offload.model;

import java.util.EnumSet;
import java.util.Set;

/**
 * The lifecycle of a report, with every allowed transition kept in this one place.
 * PostgreSQL holds the current status; every status change in SQL is a conditional update
 * that names the status it expects, so two processes can never both make the same move.
 */
public enum ReportStatus {

	/** Accepted and recorded; its task is on (or on its way to) the queue. */
	QUEUED,

	/** Claimed by a worker, which is building it. */
	RUNNING,

	/** Built and stored; the file can be downloaded. */
	SUCCEEDED,

	/** Given up on: a permanent error or the last retry failed. */
	FAILED,

	/** Cancelled by its owner before it finished. */
	CANCELLED;

	/**
	 * Whether a report may move from this status to {@code next}.
	 * @param next the status to move to
	 * @return {@code true} if the move is allowed
	 */
	public boolean canMoveTo(ReportStatus next) {
		return allowedNext().contains(next);
	}

	/**
	 * The statuses a report may move to from this one.
	 * @return the allowed next statuses; only an operator's replay moves a finished
	 * (FAILED) report on
	 */
	public Set<ReportStatus> allowedNext() {
		return switch (this) {
			// QUEUED -> QUEUED: its task is published again (replay, reconciliation).
			case QUEUED -> EnumSet.of(QUEUED, RUNNING, FAILED, CANCELLED);
			// RUNNING -> RUNNING: another worker takes over a report whose worker died
			// (its lease ran out) or let go of it.
			// RUNNING -> QUEUED hands a report back for a retry after a transient
			// failure.
			case RUNNING -> EnumSet.of(RUNNING, QUEUED, SUCCEEDED, FAILED, CANCELLED);
			// FAILED -> QUEUED: an operator replays the task parked in the dead letter
			// queue after its last attempt.
			case FAILED -> EnumSet.of(QUEUED);
			case SUCCEEDED, CANCELLED -> EnumSet.noneOf(ReportStatus.class);
		};
	}

	/**
	 * Whether the report has reached an end state and will never change again.
	 * @return {@code true} for SUCCEEDED, FAILED and CANCELLED
	 */
	public boolean isFinished() {
		return this == SUCCEEDED || this == FAILED || this == CANCELLED;
	}

}
