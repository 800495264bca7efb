package dev.offload.api.batch;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.offload.model.ReportStatus;

/**
 * One report of a batch, as {@code GET /api/batches/{id}/reports} lists it.
 *
 * @param id the report's id
 * @param item its number in the batch, from 1
 * @param status its status
 * @param parameters its parameters
 * @param error why it failed, for a failed report
 * @param finishedAt when it finished
 * @param links the report, and its file once it succeeded
 */
record BatchReportView(UUID id, int item, ReportStatus status, Map<String, String> parameters,
		@JsonInclude(JsonInclude.Include.NON_NULL) String error,
		@JsonInclude(JsonInclude.Include.NON_NULL) Instant finishedAt, Links links) {

	static BatchReportView of(UUID id, int item, ReportStatus status, Map<String, String> parameters, String error,
			Instant finishedAt) {
		String self = "/api/reports/" + id;
		return new BatchReportView(id, item, status, parameters, error, finishedAt,
				new Links(self, (status == ReportStatus.SUCCEEDED) ? self + "/file" : null));
	}

	/**
	 * Links to the report's resources.
	 *
	 * @param self the report
	 * @param file its file, once it succeeded
	 */
	record Links(String self, @JsonInclude(JsonInclude.Include.NON_NULL) String file) {

	}

}
