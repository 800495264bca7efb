package dev.offload.worker;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import dev.offload.model.TopologyDeclarations;
import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How a report worker consumes and builds reports ({@code offload.worker.*}).
 * <p>
 * A worker holds at most {@code prefetch × (concurrency + bulk-concurrency)} report tasks
 * at a time; every other task stays in the queue for another worker. Scale by adding
 * workers rather than raising the prefetch: a prefetched task waits behind a running
 * report while an idle worker could have taken it.
 * <p>
 * The settings are checked together at start-up: a worker whose timeouts contradict each
 * other, or the broker's {@code consumer_timeout}, does not start.
 *
 * @param prefetch how many unacknowledged tasks the broker may hand each consumer; 1
 * means a consumer takes the next task only after finishing the current one
 * @param concurrency how many interactive reports (the ones people just asked for, queue
 * {@code reports.generate}) one worker builds at the same time (one consumer each). More
 * than the cores a worker has: a consumer spends most of a short report waiting on the
 * broker (its outcome event's confirm, then its acknowledgement and the next delivery)
 * and on PostgreSQL, and with prefetch 1 it takes no other task meanwhile. On a slow
 * 2-core benchmark machine (figure 6, 100 short reports per s) 2 consumers built 92 per s
 * and fell behind, while 4 kept up (POST to SUCCEEDED p50 43 ms, p99 227 ms); on one
 * about four times faster both kept up. Heavy reports share the cores and load the
 * reports' database harder (README, figure 3)
 * @param bulkConcurrency how many bulk reports (created by schedules and batches, queue
 * {@code reports.generate.bulk}) one worker builds at the same time, on consumers of
 * their own: however deep the bulk queue, the interactive consumers stay free for
 * interactive reports. The database pools must cover both
 * @param leaseDuration how long a claimed report stays owned by its worker without a sign
 * of life (claim or progress update); after that another worker may take it over. Must be
 * longer than {@code progress-interval}
 * @param progressInterval the least time between two progress updates of one report (a
 * database update and a PROGRESS event each)
 * @param publishConfirmTimeout how long to wait for the broker to confirm a published
 * event, retry or dead letter before treating the publish as failed
 * @param reportTimeout the longest one report may take to build; a report still running
 * after that is stopped and fails for good (it would take as long again). Enforced in the
 * generator's progress callback and as PostgreSQL's {@code statement_timeout} on its
 * query
 * @param brokerConsumerTimeout the broker's {@code consumer_timeout}: RabbitMQ closes the
 * channel of a delivery left unacknowledged this long. It must equal the broker's setting
 * ({@code k8s/base/rabbitmq/rabbitmq.conf}, 30 minutes);
 * {@code prefetch × (report-timeout
 * + 2 × publish-confirm-timeout)} must stay below it, because a prefetched task waits
 * behind the ones before it and its outcome still has to be published before the ack
 * @param shutdownGracePeriod how long a stopping worker waits for the reports in hand
 * before leaving them unacknowledged for redelivery to another worker; must be shorter
 * than {@code spring.lifecycle.timeout-per-shutdown-phase}
 * @param retry the delayed retries of reports that failed for a transient reason
 * @param email the notification emails
 * @param announcements announcing outcomes whose event never reached the email sender
 * @param skipWebhooksQueue whether the outcome of a report whose owner had no webhook
 * endpoint when it was claimed is recorded with its email, in one transaction, and
 * published for the fanout's subscribers alone (routing key
 * {@code SUCCEEDED.mailed.no-webhook}, which no durable queue binds, so it needs no
 * binding), not to the email queue, whose listener would only record the same email, nor
 * to the webhooks queue, where api-service would find nothing to record. Set false, every
 * outcome goes to both queues with its plain key and the email listener records its
 * email, as before this setting.
 */
@ConfigurationProperties("offload.worker")
@Validated
public record WorkerProperties(@DefaultValue("1") @Min(1) @Max(100) int prefetch,
		@DefaultValue("4") @Min(1) @Max(64) int concurrency, @DefaultValue("2") @Min(1) @Max(64) int bulkConcurrency,
		@DefaultValue("15m") @NotNull Duration leaseDuration, @DefaultValue("1s") @NotNull Duration progressInterval,
		@DefaultValue("10s") @NotNull Duration publishConfirmTimeout,
		@DefaultValue("10m") @NotNull Duration reportTimeout,
		@DefaultValue("30m") @NotNull Duration brokerConsumerTimeout,
		@DefaultValue("25s") @NotNull Duration shutdownGracePeriod, @DefaultValue @Valid Retry retry,
		@DefaultValue @Valid Email email, @DefaultValue @Valid Announcements announcements,
		@DefaultValue("true") boolean skipWebhooksQueue) {

	/**
	 * The longest a delivery can stay unacknowledged: the reports prefetched before it,
	 * its own, and publishing its outcome (an event and possibly a dead letter).
	 * @return the worst case
	 */
	public Duration longestUnacknowledged() {
		return this.reportTimeout.plus(this.publishConfirmTimeout.multipliedBy(2)).multipliedBy(this.prefetch);
	}

	@AssertTrue(message = "offload.worker.prefetch × (offload.worker.report-timeout + 2 × "
			+ "offload.worker.publish-confirm-timeout) must be shorter than offload.worker.broker-consumer-timeout "
			+ "(the broker's consumer_timeout): a delivery held longer makes RabbitMQ close the channel and "
			+ "redeliver the task. Lower report-timeout or prefetch, or raise the broker's consumer_timeout "
			+ "together with broker-consumer-timeout")
	boolean isReportTimeoutWithinBrokerConsumerTimeout() {
		return anyNull(this.reportTimeout, this.publishConfirmTimeout, this.brokerConsumerTimeout)
				|| longestUnacknowledged().compareTo(this.brokerConsumerTimeout) < 0;
	}

	@AssertTrue(message = "offload.worker.lease-duration must be longer than offload.worker.progress-interval: "
			+ "a report's lease is renewed at most once per progress interval, so a shorter lease runs out while "
			+ "its worker is alive and another worker takes the report over")
	boolean isLeaseLongerThanProgressInterval() {
		return anyNull(this.leaseDuration, this.progressInterval)
				|| this.leaseDuration.compareTo(this.progressInterval) > 0;
	}

	@AssertTrue(message = "offload.worker.report-timeout, lease-duration, publish-confirm-timeout and "
			+ "shutdown-grace-period must be positive")
	boolean isEveryTimeoutPositive() {
		return anyNull(this.reportTimeout, this.leaseDuration, this.publishConfirmTimeout, this.shutdownGracePeriod)
				|| (isPositive(this.reportTimeout) && isPositive(this.leaseDuration)
						&& isPositive(this.publishConfirmTimeout) && isPositive(this.shutdownGracePeriod));
	}

	private static boolean isPositive(Duration duration) {
		return !duration.isNegative() && !duration.isZero();
	}

	private static boolean anyNull(Object... values) {
		for (Object value : values) {
			if (value == null) {
				return true;
			}
		}
		return false;
	}

	/**
	 * The delayed retries of a report that failed for a transient reason (database,
	 * broker or I/O unavailable) ({@code offload.worker.retry.*}). The task waits out
	 * each delay in a retry queue of its own on the broker, never on a worker's thread.
	 *
	 * @param delays the delay before each retry, in order (default 5s, 30s, 2m, 10m); a
	 * report is tried once more than there are delays, then fails and its task is parked
	 * in {@code reports.generate.dlq}. An empty list means no retries
	 */
	public record Retry(List<Duration> delays) {

		public Retry {
			delays = (delays != null) ? List.copyOf(delays) : TopologyDeclarations.DEFAULT_RETRY_DELAYS;
		}

		@AssertTrue(message = "offload.worker.retry.delays must each be positive and at most 24 days "
				+ "(a queue's message TTL)")
		boolean isEveryDelayUsable() {
			return this.delays.stream().allMatch((delay) -> isPositive(delay) && delay.toMillis() <= Integer.MAX_VALUE);
		}

	}

	/**
	 * The emails telling users that their report is ready or has failed
	 * ({@code offload.worker.email.*}). Emails are written to an outbox in PostgreSQL
	 * first and sent from there, so an SMTP outage delays them and never loses them.
	 *
	 * @param from the sender address
	 * @param downloadBaseUrl the public base URL of api-service, where the links in the
	 * emails point (the link is {@code <downloadBaseUrl>/api/reports/<id>/file})
	 * @param pollInterval how often the outbox is checked for emails due to be sent
	 * @param retry the back-off of an email the SMTP server did not take
	 * @param connections how many SMTP connections send at once while more emails are due
	 * than one transaction takes (1 to 32): SMTP waits for the server's reply to each
	 * command, so one connection sends a few hundred emails a second at most, fewer than
	 * a worker builds cheap reports
	 */
	public record Email(@NotBlank @jakarta.validation.constraints.Email String from, @NotNull URI downloadBaseUrl,
			@DefaultValue("1s") @NotNull Duration pollInterval, @DefaultValue @Valid EmailRetry retry,
			@DefaultValue("4") @Min(1) @Max(32) int connections) {

		@AssertTrue(message = "offload.worker.email.poll-interval must be positive")
		boolean isPollIntervalPositive() {
			return this.pollInterval == null || isPositive(this.pollInterval);
		}

	}

	/**
	 * The back-off of an email that could not be sent
	 * ({@code offload.worker.email.retry.*}): the n-th retry waits
	 * {@code initial-interval × multiplier^(n-1)}, at most {@code max-interval}. Emails
	 * are retried until they are sent; none is dropped.
	 *
	 * @param initialInterval the wait before the first retry
	 * @param multiplier how much longer each further wait is
	 * @param maxInterval the longest wait
	 */
	public record EmailRetry(@DefaultValue("5s") @NotNull Duration initialInterval,
			@DefaultValue("2") @DecimalMin("1.0") double multiplier,
			@DefaultValue("5m") @NotNull Duration maxInterval) {

		/**
		 * The wait after the given number of failed attempts.
		 * @param failedAttempts how many attempts failed so far, at least 1
		 * @return the wait before the next attempt
		 */
		public Duration backoff(int failedAttempts) {
			double millis = this.initialInterval.toMillis()
					* Math.pow(this.multiplier, Math.max(0, failedAttempts - 1));
			return (millis >= this.maxInterval.toMillis()) ? this.maxInterval : Duration.ofMillis((long) millis);
		}

		@AssertTrue(message = "offload.worker.email.retry.initial-interval must be positive and at most "
				+ "offload.worker.email.retry.max-interval")
		boolean isIntervalsOrdered() {
			return this.initialInterval == null || this.maxInterval == null
					|| (isPositive(this.initialInterval) && this.initialInterval.compareTo(this.maxInterval) <= 0);
		}

	}

	/**
	 * A finished report whose outcome email was never recorded (its SUCCEEDED or FAILED
	 * event was lost between the worker and the email sender) is announced again
	 * ({@code offload.worker.announcements.*}). One worker at a time sweeps (an advisory
	 * lock); the email outbox mails each outcome once however often it is announced.
	 *
	 * @param enabled whether this worker sweeps
	 * @param interval how often it sweeps
	 * @param grace how long after a report finished its email must have been recorded
	 * @param window how far back it looks (older reports are left alone)
	 */
	public record Announcements(@DefaultValue("true") boolean enabled, @DefaultValue("1m") @NotNull Duration interval,
			@DefaultValue("2m") @NotNull Duration grace, @DefaultValue("3d") @NotNull Duration window) {

	}

}
