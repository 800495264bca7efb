package dev.offload.api.security;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.sql.DataSource;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.jdbc.PrimaryKeyMapper;
import io.github.bucket4j.distributed.proxy.optimization.DelayParameters;
import io.github.bucket4j.distributed.proxy.optimization.Optimization;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
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
 * <p>
 * A user's request bucket is not read and written on every request: with
 * {@code unsynced-requests} above 0, this replica keeps a copy of each bucket in use
 * (Bucket4j's delaying optimization) and writes to the shared row only after that many
 * requests, or once {@code unsynced-time} has passed, adding the tokens taken meanwhile
 * and reading what the other replicas took. Between those writes it takes and refuses
 * tokens in memory, so a user may get about {@code unsynced-requests} more requests per
 * replica than the limit, and a client over its limit is refused without a round trip.
 * The copies are kept for as long as a bucket takes to fill up again, and at most
 * {@value #MAX_LOCAL_BUCKETS} of them: one dropped for room writes what it took first;
 * when the service stops, they are written back for up to {@link #CLOSE_BUDGET}. A
 * request that got a copy just as it was dropped may take a token that is never written,
 * so under that churn the limit is looser by a few requests. While PostgreSQL is down, a
 * request that has to check its bucket fails as before, and concurrent requests of the
 * same user wait for that one check. Failed sign-ins are always counted in the database
 * at once.
 */
class RateLimits {

	private static final Logger logger = LoggerFactory.getLogger(RateLimits.class);

	private static final String TABLE = "rate_limit_buckets";

	private static final int REMOVE_BATCH = 1_000;

	/** The most request buckets this replica keeps a copy of. */
	static final int MAX_LOCAL_BUCKETS = 10_000;

	/** How long {@link #close()} goes on writing copies back. */
	static final Duration CLOSE_BUDGET = Duration.ofSeconds(2);

	private final PostgreSQLSelectForUpdateBasedProxyManager<String> buckets;

	private final BucketConfiguration requests;

	/**
	 * This replica's copies of the request buckets in use, or {@code null} when every
	 * request takes its token in the database.
	 */
	private final Cache<String, BucketProxy> localRequestBuckets;

	private final Optimization delaying;

	private final BucketConfiguration signIns;

	private final Duration signInRefill;

	private final Clock clock;

	/** Addresses this replica refuses sign-ins from, and until when. */
	private final Map<String, Instant> blockedAddresses = new ConcurrentHashMap<>();

	RateLimits(DataSource dataSource, ApiSecurityProperties.RateLimit requests,
			ApiSecurityProperties.SignInLimit signIns, Clock clock) {
		boolean delayed = requests.unsyncedRequests() > 0;
		// A copy may hold tokens it has taken and not written yet; the row stays until
		// the bucket would have filled up again with those taken too, and its copy has
		// checked in once more.
		Duration keepAfterFull = delayed
				? max(requests.unsyncedTime(), requests.refillPeriod().multipliedBy(requests.unsyncedRequests()))
				: Duration.ZERO;
		this.buckets = Bucket4jPostgreSQL.selectForUpdateBasedBuilder(dataSource)
			.primaryKeyMapper(PrimaryKeyMapper.STRING)
			.table(TABLE)
			.idColumn("id")
			.stateColumn("state")
			.expiresAtColumn("expires_at")
			.expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(keepAfterFull))
			.build();
		this.requests = configuration(requests.capacity(), requests.refillPeriod());
		this.signIns = configuration(signIns.capacity(), signIns.refillPeriod());
		this.signInRefill = signIns.refillPeriod();
		this.clock = clock;
		if (delayed) {
			this.delaying = Optimizations
				.delaying(new DelayParameters(requests.unsyncedRequests(), requests.unsyncedTime()));
			Duration untilFull = requests.refillPeriod().multipliedBy(requests.capacity());
			this.localRequestBuckets = Caffeine.newBuilder()
				.maximumSize(MAX_LOCAL_BUCKETS)
				// Upkeep (and so eviction) on the thread that uses the cache, not the
				// common pool: a write-back below is a database transaction.
				.executor(Runnable::run)
				// Unused that long, the bucket has filled up again: what the copy took
				// and never wrote no longer counts.
				.expireAfterAccess(max(untilFull, requests.unsyncedTime()))
				// Dropped for room while it may still count: it writes what it took
				// first, on the thread that made the room, before its key can get a new
				// copy.
				.evictionListener((String key, BucketProxy bucket, RemovalCause cause) -> {
					if (bucket != null && cause == RemovalCause.SIZE) {
						writeBack(key, bucket);
					}
				})
				.build();
		}
		else {
			this.delaying = null;
			this.localRequestBuckets = null;
		}
	}

	private static Duration max(Duration a, Duration b) {
		return (a.compareTo(b) >= 0) ? a : b;
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
		String id = "request:" + key;
		if (this.localRequestBuckets == null) {
			return take(id, this.requests);
		}
		return taken(this.localRequestBuckets
			.get(id, (unused) -> this.buckets.builder().withOptimization(this.delaying).build(id, () -> this.requests))
			.tryConsumeAndReturnRemaining(1));
	}

	/**
	 * Writes the tokens this replica has taken from its copies of the request buckets
	 * since it last wrote each, and drops the copies; called when the service stops. It
	 * gives up after {@link #CLOSE_BUDGET}, or at the first write that fails, so a
	 * database that is gone does not hold up the shutdown: the tokens not written are at
	 * most {@code unsynced-requests} per copy.
	 */
	void close() {
		if (this.localRequestBuckets == null) {
			return;
		}
		long deadline = System.nanoTime() + CLOSE_BUDGET.toNanos();
		int left = 0;
		for (Map.Entry<String, BucketProxy> copy : this.localRequestBuckets.asMap().entrySet()) {
			if (left > 0 || System.nanoTime() - deadline > 0 || !writeBack(copy.getKey(), copy.getValue())) {
				left++;
			}
		}
		if (left > 0) {
			logger.warn("Stopping without writing {} rate-limit bucket(s) back to the database", left);
		}
		this.localRequestBuckets.invalidateAll();
	}

	private static boolean writeBack(String key, BucketProxy bucket) {
		try {
			// A copy that has not written for unsynced-time writes even if it took
			// nothing; one within it writes only if it took a token since.
			bucket.getOptimizationController().syncByCondition(1, Duration.ZERO);
			return true;
		}
		catch (RuntimeException ex) {
			logger.warn("Could not write the tokens taken from rate-limit bucket {} to the database", key, ex);
			return false;
		}
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
		return taken(probe(key, configuration));
	}

	private static Duration taken(ConsumptionProbe probe) {
		return probe.isConsumed() ? Duration.ZERO : wait(probe);
	}

	private ConsumptionProbe probe(String key, BucketConfiguration configuration) {
		return this.buckets.getProxy(key, () -> configuration).tryConsumeAndReturnRemaining(1);
	}

	private static Duration wait(ConsumptionProbe probe) {
		return Duration.ofNanos(Math.max(1, probe.getNanosToWaitForRefill()));
	}

}
