package dev.offload.model;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ReportStatusTests {

	@Test
	void queuedReportCanStartFailOrBeCancelledButNotSucceedUnstarted() {
		assertThat(ReportStatus.QUEUED.allowedNext()).containsExactlyInAnyOrder(ReportStatus.RUNNING,
				ReportStatus.FAILED, ReportStatus.CANCELLED);
		assertThat(ReportStatus.QUEUED.canMoveTo(ReportStatus.SUCCEEDED)).isFalse();
	}

	@Test
	void runningReportCanFinishInAnyWayOrGoBackToTheQueueForARetry() {
		assertThat(ReportStatus.RUNNING.allowedNext()).containsExactlyInAnyOrder(ReportStatus.QUEUED,
				ReportStatus.SUCCEEDED, ReportStatus.FAILED, ReportStatus.CANCELLED);
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

}
