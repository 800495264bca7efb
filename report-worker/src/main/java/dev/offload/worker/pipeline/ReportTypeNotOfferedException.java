package dev.offload.worker.pipeline;

/**
 * A task names a report type this worker does not offer. During a rolling upgrade (or a
 * rollback) another worker may offer it, so this is treated as transient: the task goes
 * through its retries, then the report fails.
 */
class ReportTypeNotOfferedException extends RuntimeException {

	ReportTypeNotOfferedException(String type) {
		super("This worker does not offer " + type + " reports");
	}

}
