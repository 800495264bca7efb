package dev.offload.api.report;

import java.util.UUID;

/**
 * Published inside the transaction that accepted a report. Listeners that need the row to
 * be visible (the outbox relay) listen after commit.
 *
 * @param reportId the new report's id
 */
public record ReportAccepted(UUID reportId) {

}
