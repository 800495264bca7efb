package dev.offload.model;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * The work order the API publishes to {@code reports.generate}: build this report. It
 * carries what a worker needs to build it; the report row in PostgreSQL stays the source
 * of truth for its status.
 *
 * @param reportId the report's id, also the message id used for de-duplication
 * @param type the report type's name in the catalogue, for example {@code SALES_SUMMARY}
 * @param parameters the type's parameters, by name, as strings (dates in ISO-8601)
 * @param owner who asked for it
 * @param requestedAt when the API accepted the request
 * @param format the file format to write
 * @param priority the lane the task travels in; {@link ReportPriority#INTERACTIVE} when a
 * message from an earlier version has none
 */
public record ReportTask(UUID reportId, String type, Map<String, String> parameters, Owner owner, Instant requestedAt,
		ReportFormat format, ReportPriority priority) {

	/**
	 * An interactive task.
	 * @param reportId the report's id
	 * @param type the report type
	 * @param parameters the parameters
	 * @param owner who asked for it
	 * @param requestedAt when the API accepted it
	 * @param format the file format
	 */
	public ReportTask(UUID reportId, String type, Map<String, String> parameters, Owner owner, Instant requestedAt,
			ReportFormat format) {
		this(reportId, type, parameters, owner, requestedAt, format, ReportPriority.INTERACTIVE);
	}

	/** Checks that every field is present, so a task is never half-read. */
	public ReportTask {
		Objects.requireNonNull(reportId, "reportId");
		Objects.requireNonNull(type, "type");
		if (type.isBlank()) {
			throw new IllegalArgumentException("type must not be blank");
		}
		Objects.requireNonNull(owner, "owner");
		Objects.requireNonNull(requestedAt, "requestedAt");
		Objects.requireNonNull(format, "format");
		parameters = (parameters != null) ? Map.copyOf(parameters) : Map.of();
		priority = (priority != null) ? priority : ReportPriority.INTERACTIVE;
	}

}
