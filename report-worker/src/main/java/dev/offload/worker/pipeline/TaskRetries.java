package dev.offload.worker.pipeline;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.offload.model.ReportTask;
import dev.offload.model.TaskHeaders;
import dev.offload.model.Topology;
import dev.offload.worker.WorkerProperties;

import org.springframework.amqp.AmqpException;
import org.springframework.stereotype.Component;

/**
 * Sends a task that failed for a transient reason on its way again: to a retry queue that
 * holds it for the next delay and then dead-letters it back to the tasks exchange, or,
 * after the last delay, to {@code reports.generate.dlq} with the reason in its headers.
 * Both wait for the broker's confirm, so the delivery in hand is acknowledged only once
 * its successor is safe on the broker.
 */
@Component
class TaskRetries {

	private static final int MAX_HEADER_LENGTH = 1000;

	private final ConfirmedPublisher publisher;

	private final Topology topology;

	private final List<Duration> delays;

	TaskRetries(ConfirmedPublisher publisher, Topology topology, WorkerProperties properties) {
		this.publisher = publisher;
		this.topology = topology;
		this.delays = properties.retry().delays();
	}

	/**
	 * The delay before the attempt after this one.
	 * @param delivery the failed attempt
	 * @return the delay, or empty if that was the last attempt
	 */
	Optional<Duration> delayAfter(TaskDelivery delivery) {
		return (delivery.attempt() <= this.delays.size()) ? Optional.of(this.delays.get(delivery.attempt() - 1))
				: Optional.empty();
	}

	/**
	 * Whether an attempt is the last one, after which the report fails.
	 * @param delivery the attempt
	 * @return {@code true} if no retry follows it
	 */
	boolean isLast(TaskDelivery delivery) {
		return delayAfter(delivery).isEmpty();
	}

	/**
	 * Publishes the task to the retry queue of the given delay, as the next attempt.
	 * @param task the task
	 * @param delivery the failed attempt
	 * @param delay the delay
	 * @param abandonedClaim the claim the failed attempt held, or 0
	 * @throws AmqpException if the broker did not take the retry
	 */
	void retryLater(ReportTask task, TaskDelivery delivery, Duration delay, int abandonedClaim) {
		this.publisher.publish(this.topology.retryExchange(), this.topology.retryRoutingKey(task.priority(), delay),
				task, "retry " + (delivery.attempt() + 1) + " of task " + task.reportId(), (message) -> {
					message.getMessageProperties().setHeader(TaskHeaders.ATTEMPT, delivery.attempt() + 1);
					if (abandonedClaim > 0) {
						message.getMessageProperties().setHeader(TaskHeaders.ABANDONED_CLAIM, abandonedClaim);
					}
					return message;
				});
	}

	/**
	 * Parks the task in {@code reports.generate.dlq}, with why and when it was given up
	 * on, for operators to inspect or replay.
	 * @param task the task
	 * @param delivery the last attempt
	 * @param reason why it failed
	 * @throws AmqpException if the broker did not take the dead letter
	 */
	void park(ReportTask task, TaskDelivery delivery, String reason) {
		String header = (reason.length() > MAX_HEADER_LENGTH) ? reason.substring(0, MAX_HEADER_LENGTH) : reason;
		this.publisher.publish(this.topology.deadLetterExchange(), this.topology.generateDeadLetterRoutingKey(), task,
				"dead letter of task " + task.reportId(), (message) -> {
					message.getMessageProperties().setHeader(TaskHeaders.ATTEMPT, delivery.attempt());
					message.getMessageProperties().setHeader(TaskHeaders.FAILURE_REASON, header);
					message.getMessageProperties().setHeader(TaskHeaders.ATTEMPTS, delivery.attempt());
					message.getMessageProperties().setHeader(TaskHeaders.FAILED_AT, Instant.now().toString());
					return message;
				});
	}

}
