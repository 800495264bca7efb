package dev.offload.api.webhook;

import java.time.Duration;

import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.hibernate.validator.constraints.time.DurationMax;
import org.hibernate.validator.constraints.time.DurationMin;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Webhooks ({@code offload.api.webhooks.*}): which endpoints users may register, and how
 * this replica delivers events to them.
 *
 * @param enabled whether this replica sends due deliveries (every replica may; they share
 * the work). Events are recorded either way, and sent once a replica sends again
 * @param allowHttp whether endpoints may use plain {@code http}; by default only
 * {@code https} is accepted, since the body and its signature would otherwise travel in
 * clear text
 * @param allowPrivateAddresses whether endpoints may resolve to loopback, link-local,
 * private (10/8, 172.16/12, 192.168/16, fc00::/7), carrier-grade NAT (100.64/10) or
 * multicast addresses. Off by default: a user could otherwise make the API call services
 * inside its own network (cloud metadata at 169.254.169.254, the database, the broker's
 * management UI). Only for local runs and tests, or an installation whose receivers are
 * all internal
 * @param maxEndpointsPerUser how many endpoints one user may register
 * @param connectTimeout how long a delivery waits for the receiver's TCP and TLS
 * connection
 * @param readTimeout how long a delivery waits for the receiver's answer; a receiver
 * should acknowledge at once and do its work later
 * @param maxResponseBody the most bytes of a receiver's answer that are read; the rest is
 * dropped (only the status counts)
 * @param maxAttemptsAge how long after a delivery was queued it is retried; a delivery
 * whose next attempt would fall later is marked FAILED (its owner can redeliver it)
 * @param backoff the waits between attempts
 * @param senderInterval how often the sender looks for due deliveries (it is also woken
 * when a new event is recorded)
 * @param batchSize how many due deliveries one sender round takes at most
 * @param concurrency how many deliveries this replica sends at once
 * @param lease how long a taken delivery is left to the replica that took it; another
 * replica may send it again afterwards. Longer than a round takes: {@code batch-size /
 * concurrency} deliveries, each up to {@code connect-timeout + read-timeout}
 * @param linkBaseUrl the API's public address, put before the links in an event's data
 * ({@code https://offload.example.com}); empty gives paths relative to the API
 * ({@code /api/reports/{id}})
 */
@ConfigurationProperties("offload.api.webhooks")
@Validated
record WebhookProperties(@DefaultValue("true") boolean enabled, @DefaultValue("false") boolean allowHttp,
		@DefaultValue("false") boolean allowPrivateAddresses,
		@DefaultValue("20") @Min(1) @Max(1000) int maxEndpointsPerUser,
		@DefaultValue("5s") @NotNull @DurationMin(millis = 100) @DurationMax(minutes = 1) Duration connectTimeout,
		@DefaultValue("10s") @NotNull @DurationMin(millis = 100) @DurationMax(minutes = 2) Duration readTimeout,
		@DefaultValue("4096") @Min(0) @Max(1_048_576) int maxResponseBody,
		@DefaultValue("3d") @NotNull @DurationMin(seconds = 1) Duration maxAttemptsAge,
		@DefaultValue @Valid Backoff backoff,
		@DefaultValue("1s") @NotNull @DurationMin(millis = 10) Duration senderInterval,
		@DefaultValue("20") @Min(1) @Max(1000) int batchSize, @DefaultValue("4") @Min(1) @Max(64) int concurrency,
		@DefaultValue("5m") @NotNull Duration lease, @DefaultValue("") String linkBaseUrl) {

	/**
	 * The lease outlasts the slowest round, so no delivery is taken by two replicas while
	 * the first is still sending it.
	 * @return whether {@code lease} is long enough
	 */
	@AssertTrue(message = "lease must be longer than (batch-size / concurrency) x (connect-timeout + read-timeout)")
	public boolean isLeaseLongEnough() {
		if (this.lease == null || this.connectTimeout == null || this.readTimeout == null) {
			return true;
		}
		long rounds = (this.batchSize + this.concurrency - 1) / this.concurrency;
		return this.lease.compareTo(this.connectTimeout.plus(this.readTimeout).multipliedBy(rounds)) > 0;
	}

	/**
	 * The wait before each further attempt ({@code offload.api.webhooks.backoff.*}):
	 * {@code first-delay}, multiplied by {@code multiplier} after each failed attempt, at
	 * most {@code max-delay}, and each wait drawn at random between half and all of that
	 * (jitter), so deliveries that failed together do not all come back together. With
	 * the defaults a receiver that stays down is tried about 25 times over three days.
	 *
	 * @param firstDelay the wait after the first failed attempt
	 * @param multiplier how much longer each further wait is
	 * @param maxDelay the longest wait
	 */
	record Backoff(@DefaultValue("30s") @NotNull @DurationMin(millis = 1) Duration firstDelay,
			@DefaultValue("2.0") @DecimalMin("1.0") @DecimalMax("10.0") double multiplier,
			@DefaultValue("6h") @NotNull @DurationMin(millis = 1) Duration maxDelay) {

		/**
		 * The longest wait is at least the first.
		 * @return whether {@code max-delay} is at least {@code first-delay}
		 */
		@AssertTrue(message = "max-delay must be at least first-delay")
		public boolean isMaxAtLeastFirst() {
			return this.firstDelay == null || this.maxDelay == null || this.maxDelay.compareTo(this.firstDelay) >= 0;
		}

		/**
		 * The wait before the next attempt, without jitter.
		 * @param failedAttempts how many attempts have failed, at least 1
		 * @return the wait
		 */
		Duration delayAfter(int failedAttempts) {
			double millis = this.firstDelay.toMillis() * Math.pow(this.multiplier, Math.max(0, failedAttempts - 1));
			return (millis >= this.maxDelay.toMillis()) ? this.maxDelay : Duration.ofMillis((long) millis);
		}

	}

}
