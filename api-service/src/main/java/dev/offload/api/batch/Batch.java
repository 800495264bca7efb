package dev.offload.api.batch;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import dev.offload.model.ReportFormat;

/**
 * A batch as stored.
 *
 * @param id its id
 * @param ownerId whose it is
 * @param ownerEmail where its summary goes, or {@code null}
 * @param type the report type of all its reports
 * @param format their file format
 * @param parameters the parameters they share
 * @param selector the selector picking its reports, or {@code null} for a list
 * @param total how many reports it has, once known
 * @param created how many of them exist so far
 * @param state where it is
 * @param error why it failed, for a {@link BatchState#FAILED} batch
 * @param createdAt when it was accepted
 * @param completedAt when its last report finished, or it was cancelled
 */
record Batch(UUID id, String ownerId, String ownerEmail, String type, ReportFormat format,
		Map<String, String> parameters, String selector, Integer total, int created, BatchState state, String error,
		Instant createdAt, Instant completedAt) {

}
