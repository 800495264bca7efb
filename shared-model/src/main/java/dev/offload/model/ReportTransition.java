package dev.offload.model;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Every status change a service makes to a report, each with the statuses it may start
 * from. The SQL of each change guards on {@link #guard()}, so the statuses a statement
 * accepts are the ones named here, and each is checked against
 * {@link ReportStatus#allowedNext()} when this class loads: a change the lifecycle does
 * not allow cannot be written.
 */
public enum ReportTransition {

	/** A worker claims a queued report, or takes over one whose worker died. */
	CLAIM(ReportStatus.RUNNING, ReportStatus.QUEUED, ReportStatus.RUNNING),

	/** A worker hands a report back for a retry after a transient failure. */
	HAND_BACK(ReportStatus.QUEUED, ReportStatus.RUNNING),

	/** A worker stored the file. */
	SUCCEED(ReportStatus.SUCCEEDED, ReportStatus.RUNNING),

	/** A worker gives up on a report it holds. */
	FAIL(ReportStatus.FAILED, ReportStatus.RUNNING),

	/** The last attempt failed before it could claim the report. */
	FAIL_UNCLAIMED(ReportStatus.FAILED, ReportStatus.QUEUED, ReportStatus.RUNNING),

	/** Its owner cancels a report that has not finished. */
	CANCEL(ReportStatus.CANCELLED, ReportStatus.QUEUED, ReportStatus.RUNNING),

	/**
	 * An operator replays a parked task: its report is queued and published again; a
	 * RUNNING report qualifies only once its lease has expired (its worker is gone).
	 */
	REPLAY(ReportStatus.QUEUED, ReportStatus.FAILED, ReportStatus.QUEUED, ReportStatus.RUNNING),

	/**
	 * Reconciliation: a report whose task the broker no longer holds (its worker's lease
	 * expired, or its task was lost after it was confirmed) is queued and published
	 * again.
	 */
	RECOVER(ReportStatus.QUEUED, ReportStatus.QUEUED, ReportStatus.RUNNING);

	private final ReportStatus to;

	private final Set<ReportStatus> from;

	private final String guard;

	ReportTransition(ReportStatus to, ReportStatus... from) {
		this.to = to;
		this.from = EnumSet.copyOf(Arrays.asList(from));
		for (ReportStatus start : this.from) {
			if (!start.canMoveTo(to)) {
				throw new IllegalStateException(name() + ": the lifecycle does not allow " + start + " -> " + to);
			}
		}
		this.guard = this.from.stream()
			.map((status) -> "'" + status.name() + "'")
			.collect(Collectors.joining(", ", "status IN (", ")"));
	}

	/**
	 * The status this change moves a report to.
	 * @return the status
	 */
	public ReportStatus to() {
		return this.to;
	}

	/**
	 * The statuses this change may start from.
	 * @return the statuses
	 */
	public Set<ReportStatus> from() {
		return this.from;
	}

	/**
	 * The SQL condition on the {@code status} column that this change's statement must
	 * include, for example {@code status IN ('QUEUED', 'RUNNING')}; made of enum names
	 * only, so it is safe to put into SQL text.
	 * @return the condition
	 */
	public String guard() {
		return this.guard;
	}

}
