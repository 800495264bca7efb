package dev.offload.worker.pipeline;

/**
 * How a task reached this worker, read from the delivery and its headers.
 *
 * @param attempt which attempt at the report this delivery is, from 1; the
 * {@value dev.offload.model.TaskHeaders#ATTEMPT} header, absent on the first
 * @param redelivered whether the broker delivered this message before: RabbitMQ does so
 * only after the consumer that held it lost its channel, so a RUNNING report it names was
 * abandoned by that consumer and may be taken over at once instead of after its lease
 * @param abandonedClaim the claim (the report's attempt number) a failed attempt held and
 * let go of, so a retry may take the report over even if handing it back failed; 0 if
 * none (the {@value dev.offload.model.TaskHeaders#ABANDONED_CLAIM} header)
 */
record TaskDelivery(int attempt, boolean redelivered, int abandonedClaim) {

	TaskDelivery {
		attempt = Math.max(1, attempt);
	}

	/**
	 * A first delivery that no earlier attempt touched.
	 * @return the delivery
	 */
	static TaskDelivery first() {
		return new TaskDelivery(1, false, 0);
	}

}
