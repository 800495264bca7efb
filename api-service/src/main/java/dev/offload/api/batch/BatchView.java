package dev.offload.api.batch;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.offload.model.ReportFormat;
import dev.offload.model.ReportStatus;

/**
 * A batch and its progress, as the API shows it.
 *
 * @param id its id
 * @param type the report type of its reports
 * @param format their format
 * @param parameters the parameters they share
 * @param selector the selector that picked them, or absent for a list
 * @param state where the batch is
 * @param total how many reports it has, once known
 * @param created how many of them exist so far
 * @param counts how many are in each status
 * @param progress the share of its reports that have finished, 0 to 100
 * @param error why it failed, for a failed batch
 * @param createdAt when it was accepted
 * @param completedAt when its last report finished, or it was cancelled
 * @param links the batch and its reports
 */
record BatchView(UUID id, String type, ReportFormat format, Map<String, String> parameters,
		@JsonInclude(JsonInclude.Include.NON_NULL) String selector, BatchState state, Integer total, int created,
		Map<ReportStatus, Long> counts, int progress, @JsonInclude(JsonInclude.Include.NON_NULL) String error,
		Instant createdAt, @JsonInclude(JsonInclude.Include.NON_NULL) Instant completedAt, Links links) {

	static BatchView of(Batch batch, Map<ReportStatus, Long> counts) {
		long finished = counts.getOrDefault(ReportStatus.SUCCEEDED, 0L) + counts.getOrDefault(ReportStatus.FAILED, 0L)
				+ counts.getOrDefault(ReportStatus.CANCELLED, 0L);
		int progress;
		if (batch.state() == BatchState.COMPLETED) {
			progress = 100;
		}
		else if (batch.total() == null || batch.total() == 0) {
			progress = 0;
		}
		else {
			progress = (int) Math.min(99, finished * 100 / batch.total());
		}
		String self = BatchController.BASE_PATH + "/" + batch.id();
		return new BatchView(batch.id(), batch.type(), batch.format(), batch.parameters(), batch.selector(),
				batch.state(), batch.total(), batch.created(), counts, progress, batch.error(), batch.createdAt(),
				batch.completedAt(), new Links(self, self + "/reports"));
	}

	/**
	 * Links to the batch's resources.
	 *
	 * @param self the batch
	 * @param reports its reports, a page at a time
	 */
	record Links(String self, String reports) {

	}

}
