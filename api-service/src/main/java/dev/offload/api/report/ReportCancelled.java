package dev.offload.api.report;

import java.util.UUID;

import dev.offload.model.Owner;
import dev.offload.model.ReportFormat;

/**
 * A report was cancelled by its owner; published inside the cancelling transaction and
 * announced on {@code reports.events} once it has committed.
 *
 * @param reportId the report
 * @param owner its owner
 * @param type its type
 * @param format its format
 */
public record ReportCancelled(UUID reportId, Owner owner, String type, ReportFormat format) {

}
