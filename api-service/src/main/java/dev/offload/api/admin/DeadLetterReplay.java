package dev.offload.api.admin;

import java.util.List;
import java.util.UUID;

/**
 * What a replay of dead-lettered tasks did.
 *
 * @param replayed the reports queued again; the relay publishes their tasks
 * @param discarded tasks taken off the dead letter queue without replaying them, because
 * their report has finished otherwise, is being built, or no longer exists
 * @param kept how many messages were left in the dead letter queue (unreadable, or not
 * asked for)
 */
record DeadLetterReplay(List<UUID> replayed, List<Discarded> discarded, int kept) {

	/**
	 * A dead-lettered task that was dropped rather than replayed.
	 *
	 * @param reportId the report
	 * @param reason why
	 */
	record Discarded(UUID reportId, String reason) {

	}

}
