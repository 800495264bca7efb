package dev.offload.api.schedule;

/**
 * What became of one run of a schedule. A run is recorded once, in its final state, in
 * the transaction that handles it.
 */
enum RunState {

	/** Its report was created. */
	CREATED,

	/** Missed while no replica swept, and not caught up. */
	SKIPPED,

	/** Its report could not be created (the type is no longer offered, say). */
	FAILED

}
