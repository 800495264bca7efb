package dev.offload.api.admin;

import java.time.Instant;
import java.util.UUID;

/**
 * A task parked in {@code reports.generate.dlq}, as an operator sees it.
 *
 * @param reportId the report the task is for, or {@code null} if the message cannot be
 * read
 * @param reportType the report's type, if readable
 * @param ownerId who asked for the report, if readable
 * @param attempts how many attempts were made ({@code x-offload-attempts}), if the worker
 * parked it after its last retry
 * @param reason why it was parked: the worker's {@code x-offload-failure-reason}, or the
 * broker's dead-lettering reason (such as {@code rejected} for a message no worker could
 * read)
 * @param failedAt when it was parked ({@code x-offload-failed-at}), if known
 * @param readable whether the message is a task this version can read; an unreadable one
 * is never replayed
 */
record DeadLetter(UUID reportId, String reportType, String ownerId, Integer attempts, String reason, Instant failedAt,
		boolean readable) {

}
