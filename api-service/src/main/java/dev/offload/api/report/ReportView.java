package dev.offload.api.report;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.offload.model.ReportFormat;
import dev.offload.model.ReportPriority;
import dev.offload.model.ReportStatus;

/**
 * A report as the API shows it to its owner.
 *
 * @param id the report's id
 * @param type the report type
 * @param format the file format
 * @param parameters the parameters it was requested with
 * @param status where it is in its lifecycle
 * @param progress how far it is, 0 to 100
 * @param attempts how many times a worker started it
 * @param error why it failed, if it did
 * @param createdAt when it was accepted
 * @param startedAt when a worker first started it
 * @param finishedAt when it reached an end state
 * @param fileSize the file's size in bytes, once it succeeded
 * @param priority {@code INTERACTIVE} for a report someone asked for, {@code BULK} for
 * one a schedule or a batch created
 * @param batchId the batch it belongs to; absent for a report outside a batch
 * @param links where to find the report and, once it succeeded, its file
 */
record ReportView(UUID id, String type, ReportFormat format, Map<String, String> parameters, ReportStatus status,
		int progress, int attempts, String error, Instant createdAt, Instant startedAt, Instant finishedAt,
		Long fileSize, ReportPriority priority, @JsonInclude(JsonInclude.Include.NON_NULL) UUID batchId, Links links) {

	static ReportView of(Report report) {
		String self = ReportLinks.self(report.id());
		String file = (report.status() == ReportStatus.SUCCEEDED) ? ReportLinks.file(report.id()) : null;
		return new ReportView(report.id(), report.type(), report.format(), report.parameters(), report.status(),
				report.progress(), report.attempts(), report.error(), report.createdAt(), report.startedAt(),
				report.finishedAt(), report.fileSize(), report.priority(), report.batchId(), new Links(self, file));
	}

	/**
	 * Links to the report's resources.
	 *
	 * @param self the report
	 * @param file its file; only present once the report succeeded
	 */
	record Links(String self, @JsonInclude(JsonInclude.Include.NON_NULL) String file) {

	}

}
