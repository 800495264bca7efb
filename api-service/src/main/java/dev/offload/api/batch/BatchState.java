package dev.offload.api.batch;

/**
 * Where a batch is in its life: its reports are selected (for a selector batch), then
 * created in chunks, then built; it completes when every report has finished, or is
 * cancelled.
 */
enum BatchState {

	/** A worker-side selector has not yet picked the batch's reports. */
	SELECTING,

	/** Its reports are being created, a chunk at a time. */
	CREATING,

	/** Every report exists; some are still queued or running. */
	RUNNING,

	/** Every report has finished: the summary email and webhook go out. */
	COMPLETED,

	/** Cancelled by its owner: its queued reports were cancelled with it. */
	CANCELLED,

	/** Its reports could not be selected. */
	FAILED;

	boolean isOpen() {
		return this == SELECTING || this == CREATING || this == RUNNING;
	}

}
