package dev.offload.api.admin;

import java.util.List;
import java.util.Set;
import java.util.UUID;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Operators' view of the tasks parked in the dead letter queue, and their replay. Only
 * for the ADMIN role ({@code SecurityConfiguration}).
 */
@RestController
@RequestMapping("/api/admin/dead-letters")
class DeadLetterController {

	private final DeadLetters deadLetters;

	DeadLetterController(DeadLetters deadLetters) {
		this.deadLetters = deadLetters;
	}

	/**
	 * The oldest parked tasks; they stay in the queue.
	 * @param limit how many at most (1 to 500)
	 * @return the queue's depth and the tasks
	 */
	@GetMapping
	DeadLetterList list(@RequestParam(defaultValue = "50") @Min(1) @Max(500) int limit) {
		return new DeadLetterList(this.deadLetters.depth(), this.deadLetters.list(limit));
	}

	/**
	 * Replays parked tasks: their reports are queued again.
	 * @param request which reports (none named: every parked task, up to the limit)
	 * @param limit how many messages to look at at most (1 to 10,000)
	 * @return what was replayed, dropped and kept
	 */
	// produces: refuse a client that cannot take JSON before replaying, not after.
	@PostMapping(path = "/replay", produces = MediaType.APPLICATION_JSON_VALUE)
	DeadLetterReplay replay(@RequestBody(required = false) ReplayRequest request,
			@RequestParam(defaultValue = "1000") @Min(1) @Max(10_000) int limit) {
		Set<UUID> only = (request != null && request.reportIds() != null) ? Set.copyOf(request.reportIds()) : Set.of();
		return this.deadLetters.replay(only, limit);
	}

	/**
	 * Replays the report events parked in the email dead letter queue: each is published
	 * again, and its outcome mailed unless it was meanwhile.
	 * @param limit how many messages to look at at most (1 to 10,000)
	 * @return the reports whose events were replayed, and how many messages were kept
	 */
	@PostMapping(path = "/emails/replay", produces = MediaType.APPLICATION_JSON_VALUE)
	DeadLetters.EmailReplay replayEmails(@RequestParam(defaultValue = "1000") @Min(1) @Max(10_000) int limit) {
		return this.deadLetters.replayEmails(limit);
	}

	/**
	 * The dead letter queue.
	 *
	 * @param depth how many tasks are parked
	 * @param tasks the oldest of them
	 */
	record DeadLetterList(long depth, List<DeadLetter> tasks) {

	}

	/**
	 * Which parked tasks to replay.
	 *
	 * @param reportIds the reports; absent or empty for all
	 */
	record ReplayRequest(List<UUID> reportIds) {

	}

}
