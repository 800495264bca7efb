package dev.offload.api.security;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * A token bucket per user: each holds up to {@code capacity} tokens, a request takes one,
 * and one comes back every {@code refillPeriod}. Buckets that have filled up again are
 * dropped now and then, so the map holds only users who were active lately.
 */
class RateLimiter {

	private static final int SWEEP_EVERY = 10_000;

	private final long capacity;

	private final long refillNanos;

	private final LongSupplier nanoTime;

	private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

	private final AtomicInteger sinceSweep = new AtomicInteger();

	RateLimiter(int capacity, Duration refillPeriod) {
		this(capacity, refillPeriod, System::nanoTime);
	}

	RateLimiter(int capacity, Duration refillPeriod, LongSupplier nanoTime) {
		this.capacity = capacity;
		this.refillNanos = Math.max(1, refillPeriod.toNanos());
		this.nanoTime = nanoTime;
	}

	/**
	 * Takes a token from the user's bucket.
	 * @param user the user
	 * @return {@link Duration#ZERO} if the request may go ahead, else how long until the
	 * next token
	 */
	Duration acquire(String user) {
		long now = this.nanoTime.getAsLong();
		sweepNowAndThen(now);
		Bucket bucket = this.buckets.computeIfAbsent(user, (key) -> new Bucket(this.capacity, now));
		synchronized (bucket) {
			bucket.refill(now, this.capacity, this.refillNanos);
			if (bucket.tokens > 0) {
				bucket.tokens--;
				return Duration.ZERO;
			}
			return Duration.ofNanos(this.refillNanos - (now - bucket.updatedAt));
		}
	}

	private void sweepNowAndThen(long now) {
		if (this.sinceSweep.incrementAndGet() < SWEEP_EVERY) {
			return;
		}
		this.sinceSweep.set(0);
		long full = this.capacity * this.refillNanos;
		this.buckets.values().removeIf((bucket) -> now - bucket.updatedAt >= full);
	}

	private static final class Bucket {

		private long tokens;

		private long updatedAt;

		Bucket(long tokens, long now) {
			this.tokens = tokens;
			this.updatedAt = now;
		}

		void refill(long now, long capacity, long refillNanos) {
			long earned = (now - this.updatedAt) / refillNanos;
			if (earned > 0) {
				this.tokens = Math.min(capacity, this.tokens + earned);
				this.updatedAt = (this.tokens == capacity) ? now : this.updatedAt + earned * refillNanos;
			}
		}

	}

}
