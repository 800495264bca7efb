package dev.offload.model;

/**
 * The headers a report task may carry besides its body: set by report-worker when it
 * retries or parks a task, read by api-service's dead letter operations.
 */
public final class TaskHeaders {

	/**
	 * Which attempt at its report a task is, from 1; absent on the first delivery.
	 */
	public static final String ATTEMPT = "x-offload-attempt";

	/**
	 * The claim (the report's attempt number) a failed attempt held, so its retry may
	 * take over a report left RUNNING when handing it back failed.
	 */
	public static final String ABANDONED_CLAIM = "x-offload-abandoned-claim";

	/** On a parked task: why its report failed, for operators. */
	public static final String FAILURE_REASON = "x-offload-failure-reason";

	/** On a parked task: how many attempts were made. */
	public static final String ATTEMPTS = "x-offload-attempts";

	/** On a parked task: when it was given up on (ISO-8601). */
	public static final String FAILED_AT = "x-offload-failed-at";

	private TaskHeaders() {
	}

}
