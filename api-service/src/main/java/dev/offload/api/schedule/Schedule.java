package dev.offload.api.schedule;

import java.time.Instant;
import java.util.UUID;

import dev.offload.model.Owner;

/**
 * A stored schedule.
 *
 * @param id its id
 * @param owner whom its reports are for: the user who created it, with the email address
 * they had then
 * @param definition what and when
 * @param paused whether it is paused
 * @param nextRunAt the next run not yet handled, or {@code null} if there is none
 * @param createdAt when it was created
 */
record Schedule(UUID id, Owner owner, ScheduleDefinition definition, boolean paused, Instant nextRunAt,
		Instant createdAt) {

}
