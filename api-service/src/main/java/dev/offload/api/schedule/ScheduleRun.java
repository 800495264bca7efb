package dev.offload.api.schedule;

import java.time.Instant;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.offload.model.ReportStatus;

/**
 * One handled run of a schedule, as its history shows it.
 *
 * @param scheduledFor when it was due
 * @param state what became of it
 * @param reportId the report it created, or {@code null}
 * @param reportStatus that report's status now, or {@code null} (none created, or deleted
 * by retention)
 * @param error why no report was created, for FAILED and SKIPPED runs
 * @param handledAt when a replica handled it
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record ScheduleRun(Instant scheduledFor, RunState state, UUID reportId, ReportStatus reportStatus, String error,
		Instant handledAt) {

}
