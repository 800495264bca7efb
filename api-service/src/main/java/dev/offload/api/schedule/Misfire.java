package dev.offload.api.schedule;

/**
 * What a schedule does with runs that fell due while no api-service replica was sweeping
 * (all of them stopped, or the database unreachable).
 */
enum Misfire {

	/**
	 * Each missed run creates its report, once, up to
	 * {@code offload.api.schedules.catch-up-limit} of the most recent ones.
	 */
	CATCH_UP,

	/**
	 * Missed runs are recorded as skipped and create nothing; the latest one still runs
	 * if it is at most {@code offload.api.schedules.misfire-grace} late.
	 */
	SKIP

}
