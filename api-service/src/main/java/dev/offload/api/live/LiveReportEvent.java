package dev.offload.api.live;

import java.time.Instant;
import java.util.UUID;

import dev.offload.model.ReportEvent;
import dev.offload.model.ReportStatus;

/**
 * A report event as a browser receives it on the live status stream (the data of an SSE
 * event named {@code report}). It says what changed; the report itself, as {@code GET
 * /api/reports/{id}} shows it, stays the truth.
 *
 * @param reportId the report's id
 * @param event what happened
 * @param status the report's status after it
 * @param progress how far the report is, 0 to 100
 * @param occurredAt when it happened
 * @param fileSize the file's size in bytes, once it succeeded
 * @param error why it failed, if it did
 */
record LiveReportEvent(UUID reportId, ReportEvent.Type event, ReportStatus status, int progress, Instant occurredAt,
		Long fileSize, String error) {

	static LiveReportEvent of(ReportEvent event) {
		return new LiveReportEvent(event.reportId(), event.type(), status(event.type()), event.progress(),
				event.occurredAt(), event.fileSize(), event.error());
	}

	private static ReportStatus status(ReportEvent.Type type) {
		return switch (type) {
			case RUNNING, PROGRESS -> ReportStatus.RUNNING;
			case SUCCEEDED -> ReportStatus.SUCCEEDED;
			case FAILED -> ReportStatus.FAILED;
			case CANCELLED -> ReportStatus.CANCELLED;
		};
	}

}
