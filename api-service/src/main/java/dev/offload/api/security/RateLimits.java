package dev.offload.api.security;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.sql.DataSource;

import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.jdbc.PrimaryKeyMapper;
import io.github.bucket4j.postgresql.Bucket4jPostgreSQL;
import io.github.bucket4j.postgresql.PostgreSQLSelectForUpdateBasedProxyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API's rate limits, kept in PostgreSQL with Bucket4j so that every replica takes
 * from the same buckets (table {@code rate_limit_buckets}, one row per key, locked with
 * {@code SELECT ... FOR UPDATE} while a request takes its token):
 * <ul>
 * <li>requests: a token bucket per user (or, for a request without one, per client
 * address), taken on every {@code /api/**} call;</li>
 * <li>failed sign-ins: a token bucket per client address, taken on every wrong password
 * or API key. Once an address has used up its failures, this replica refuses its sign-ins
 * before checking any credential, until the bucket has a token again; another replica
 * learns it on the address's next failure there (without a database round trip for every
 * sign-in), so an attacker spreading guesses over {@code n} replicas gets at most
 * {@code n} more per refill period.</li>
 * </ul>
 * A bucket's row expires once the bucket would have filled up again and is removed by
 * {@link #removeExpired()}.
 */
class RateLimits {

	private static final Logger logger = LoggerFactory.getLogger(RateLimits.class);

	private static final String TABLE = "rate_limit_buckets";

	private static final int REMOVE_BATCH = 1_000;

	private final PostgreSQLSelectForUpdateBasedProxyManager<String> buckets;

	private final BucketConfiguration requests;

	private final BucketConfiguration signIns;

	private final Duration signInRefill;

	private final Clock clock;

	/** Addresses this replica refuses sign-ins from, and until when. */
	private final Map<String, Instant> blockedAddresses = new ConcurrentHashMap<>();

	RateLimits(DataSource dataSource, ApiSecurityProperties.RateLimit requests,
			ApiSecurityProperties.SignInLimit signIns, Clock clock) {
		this.buckets = Bucket4jPostgreSQL.selectForUpdateBasedBuilder(dataSource)
			.primaryKeyMapper(PrimaryKeyMapper.STRING)
			.table(TABLE)
			.idColumn("id")
			.stateColumn("state")
			.expiresAtColumn("expires_at")
			.expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ZERO))
			.build();
		this.requests = configuration(requests.capacity(), requests.refillPeriod());
		this.signIns = configuration(signIns.capacity(), signIns.refillPeriod());
		this.signInRefill = signIns.refillPeriod();
		this.clock = clock;
	}

	private static BucketConfiguration configuration(int capacity, Duration refillPeriod) {
		return BucketConfiguration.builder()
			.addLimit((limit) -> limit.capacity(capacity).refillGreedy(1, refillPeriod))
			.build();
	}

	/**
	 * Takes a token for a request.
	 * @param key {@code user:<owner id>} or {@code address:<client address>}
	 * @return {@link Duration#ZERO} if the request may go ahead, else how long until the
	 * next token
	 */
	Duration acquireRequest(String key) {
		return take("request:" + key, this.requests);
	}

	/**
	 * Counts a failed sign-in from an address.
	 * @param address the client address
	 * @return {@link Duration#ZERO} if this failure was still within the address's burst
	 * (it gets its 401), else how long until it may try again; once the burst is used up,
	 * {@link #signInBlocked} refuses the address until then
	 */
	Duration signInFailed(String address) {
		ConsumptionProbe probe = probe("sign-in:" + address, this.signIns);
		if (probe.isConsumed() && probe.getRemainingTokens() > 0) {
			return Duration.ZERO;
		}
		// This failure used up the last one (this request still gets its 401), or there
		// was none left: refuse the address's sign-ins until one comes back.
		Duration wait = probe.isConsumed() ? this.signInRefill : wait(probe);
		this.blockedAddresses.put(address, this.clock.instant().plus(wait));
		logger.warn("Sign-ins from {} refused for {} s: too many failed sign-ins", address,
				Math.max(1, wait.toSeconds()));
		return probe.isConsumed() ? Duration.ZERO : wait;
	}

	/**
	 * Whether this replica refuses sign-ins from an address now, without asking the
	 * database.
	 * @param address the client address
	 * @return {@link Duration#ZERO} if it may sign in, else how long until it may
	 */
	Duration signInBlocked(String address) {
		Instant until = this.blockedAddresses.get(address);
		if (until == null) {
			return Duration.ZERO;
		}
		Duration wait = Duration.between(this.clock.instant(), until);
		if (wait.isNegative() || wait.isZero()) {
			this.blockedAddresses.remove(address, until);
			return Duration.ZERO;
		}
		return wait;
	}

	/**
	 * Removes the rows of buckets that have filled up again, and the addresses whose
	 * block has ended.
	 * @return the rows removed
	 */
	int removeExpired() {
		Instant now = this.clock.instant();
		this.blockedAddresses.values().removeIf((until) -> !until.isAfter(now));
		int removed = 0;
		int batch;
		do {
			batch = this.buckets.removeExpired(REMOVE_BATCH);
			removed += batch;
		}
		while (batch == REMOVE_BATCH);
		return removed;
	}

	private Duration take(String key, BucketConfiguration configuration) {
		ConsumptionProbe probe = probe(key, configuration);
		return probe.isConsumed() ? Duration.ZERO : wait(probe);
	}

	private ConsumptionProbe probe(String key, BucketConfiguration configuration) {
		return this.buckets.getProxy(key, () -> configuration).tryConsumeAndReturnRemaining(1);
	}

	private static Duration wait(ConsumptionProbe probe) {
		return Duration.ofNanos(Math.max(1, probe.getNanosToWaitForRefill()));
	}

}
