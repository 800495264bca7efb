package dev.offload.api.report;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import dev.offload.model.ReportFormat;
import dev.offload.model.ReportPriority;
import dev.offload.model.ReportStatus;

/**
 * A report as stored in the {@code reports} table.
 *
 * @param id the report's id
 * @param ownerId who asked for it
 * @param type the report type
 * @param format the file format
 * @param parameters the parameters by name
 * @param status where it is in its lifecycle
 * @param progress how far a running report is, 0 to 100
 * @param attempts how many times a worker started it
 * @param error why it failed, if it did
 * @param idempotencyKey the client's {@code Idempotency-Key}, if it sent one
 * @param createdAt when it was accepted
 * @param startedAt when a worker first started it
 * @param finishedAt when it reached an end state
 * @param fileSize the stored file's size in bytes, once it succeeded
 * @param priority the lane its task travels in
 * @param batchId the batch it belongs to, or {@code null}
 */
record Report(UUID id, String ownerId, String type, ReportFormat format, Map<String, String> parameters,
		ReportStatus status, int progress, int attempts, String error, String idempotencyKey, Instant createdAt,
		Instant startedAt, Instant finishedAt, Long fileSize, ReportPriority priority, UUID batchId) {

	/**
	 * Whether this report was created from the given request, so that a replay of the
	 * same {@code Idempotency-Key} may return it.
	 * @param specification the replayed request
	 * @return {@code true} if type, format and parameters are the same
	 */
	boolean isFor(ReportSpecification specification) {
		return this.type.equals(specification.type()) && this.format == specification.format()
				&& this.parameters.equals(specification.parameters());
	}

}
