package dev.offload.model;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ReportStatusTests {

	@Test
	void queuedReportCanStartFailBeCancelledOrBePublishedAgainButNotSucceedUnstarted() {
		assertThat(ReportStatus.QUEUED.allowedNext()).containsExactlyInAnyOrder(ReportStatus.QUEUED,
				ReportStatus.RUNNING, ReportStatus.FAILED, ReportStatus.CANCELLED);
		assertThat(ReportStatus.QUEUED.canMoveTo(ReportStatus.SUCCEEDED)).isFalse();
	}

	@Test
	void runningReportCanFinishInAnyWayGoBackToTheQueueForARetryOrBeTakenOver() {
		assertThat(ReportStatus.RUNNING.allowedNext()).containsExactlyInAnyOrder(ReportStatus.RUNNING,
				ReportStatus.QUEUED, ReportStatus.SUCCEEDED, ReportStatus.FAILED, ReportStatus.CANCELLED);
	}

	@Test
	void finishedReportsChangeOnlyWhenAnOperatorReplaysAFailedOne() {
		for (ReportStatus finished : new ReportStatus[] { ReportStatus.SUCCEEDED, ReportStatus.FAILED,
				ReportStatus.CANCELLED }) {
			assertThat(finished.isFinished()).isTrue();
			for (ReportStatus next : ReportStatus.values()) {
				boolean replay = finished == ReportStatus.FAILED && next == ReportStatus.QUEUED;
				assertThat(finished.canMoveTo(next)).as("%s -> %s", finished, next).isEqualTo(replay);
			}
		}
		assertThat(ReportStatus.QUEUED.isFinished()).isFalse();
		assertThat(ReportStatus.RUNNING.isFinished()).isFalse();
	}

	@Test
	void everyTransitionStartsOnlyFromStatusesTheLifecycleAllowsAndGuardsOnExactlyThem() {
		for (ReportTransition transition : ReportTransition.values()) {
			assertThat(transition.from()).as("%s", transition).isNotEmpty();
			for (ReportStatus start : transition.from()) {
				assertThat(start.canMoveTo(transition.to())).as("%s: %s -> %s", transition, start, transition.to())
					.isTrue();
			}
			String guard = transition.guard();
			assertThat(guard).startsWith("status IN (");
			for (ReportStatus status : ReportStatus.values()) {
				assertThat(guard.contains("'" + status.name() + "'")).as("%s guards on %s", transition, status)
					.isEqualTo(transition.from().contains(status));
			}
		}
	}

	@Test
	void succeededAndCancelledReportsAreNeverTheStartOfAnyTransition() {
		for (ReportTransition transition : ReportTransition.values()) {
			assertThat(transition.from()).doesNotContain(ReportStatus.SUCCEEDED, ReportStatus.CANCELLED);
		}
		assertThat(ReportTransition.CANCEL.guard()).isEqualTo("status IN ('QUEUED', 'RUNNING')");
	}

}
