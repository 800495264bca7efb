package dev.offload.api.security;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RateLimiterTests {

	private final AtomicLong now = new AtomicLong(1_000_000_000L);

	private final RateLimiter limiter = new RateLimiter(3, Duration.ofMillis(100), this.now::get);

	@Test
	void userMayBurstUpToTheCapacityThenWaitsForTheNextToken() {
		assertThat(this.limiter.acquire("alice")).isZero();
		assertThat(this.limiter.acquire("alice")).isZero();
		assertThat(this.limiter.acquire("alice")).isZero();

		assertThat(this.limiter.acquire("alice")).isEqualTo(Duration.ofMillis(100));
		this.now.addAndGet(Duration.ofMillis(40).toNanos());
		assertThat(this.limiter.acquire("alice")).isEqualTo(Duration.ofMillis(60));
		this.now.addAndGet(Duration.ofMillis(60).toNanos());
		assertThat(this.limiter.acquire("alice")).isZero();
		assertThat(this.limiter.acquire("alice")).isPositive();
	}

	@Test
	void eachUserHasABucketOfTheirOwn() {
		for (int i = 0; i < 3; i++) {
			this.limiter.acquire("alice");
		}

		assertThat(this.limiter.acquire("alice")).isPositive();
		assertThat(this.limiter.acquire("bob")).isZero();
	}

	@Test
	void bucketRefillsToTheCapacityAndNoFurther() {
		for (int i = 0; i < 3; i++) {
			this.limiter.acquire("alice");
		}
		this.now.addAndGet(Duration.ofHours(1).toNanos());

		for (int i = 0; i < 3; i++) {
			assertThat(this.limiter.acquire("alice")).isZero();
		}
		assertThat(this.limiter.acquire("alice")).isPositive();
	}

}
