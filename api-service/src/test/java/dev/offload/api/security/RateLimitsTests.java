package dev.offload.api.security;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.zaxxer.hikari.HikariDataSource;
import dev.offload.api.QueryPlans;
import dev.offload.testsupport.TestDatabase;
import io.github.bucket4j.distributed.jdbc.PrimaryKeyMapper;
import io.github.bucket4j.postgresql.Bucket4jPostgreSQL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The request buckets between two checks of the database: {@link RateLimits} instances on
 * one database stand for api-service replicas, and a trigger counts the transactions that
 * write each bucket's row, so the round trips saved are counted by PostgreSQL, not by
 * Bucket4j.
 */
class RateLimitsTests {

	private static final int CAPACITY = 20;

	private static final int UNSYNCED = 6;

	private static final TestDatabase database = TestDatabase.create();

	private static HikariDataSource dataSource;

	private static JdbcClient jdbc;

	private final List<RateLimits> replicas = new ArrayList<>();

	private int keys;

	@BeforeAll
	static void migrateAndCountWrites() {
		dataSource = QueryPlans.migrated(database);
		jdbc = JdbcClient.create(dataSource);
		jdbc.sql("CREATE TABLE bucket_writes (id text NOT NULL, tx bigint NOT NULL)").update();
		jdbc.sql("""
				CREATE FUNCTION log_bucket_write() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN
					INSERT INTO bucket_writes (id, tx) VALUES (NEW.id, txid_current());
					RETURN NEW;
				END $$""").update();
		jdbc.sql("""
				CREATE TRIGGER rate_limit_bucket_writes AFTER INSERT OR UPDATE ON rate_limit_buckets
				FOR EACH ROW EXECUTE FUNCTION log_bucket_write()""").update();
	}

	@AfterAll
	static void dropDatabase() {
		dataSource.close();
		database.close();
	}

	@AfterEach
	void closeReplicas() {
		this.replicas.forEach(RateLimits::close);
	}

	@Test
	void oneReplicaKeepsTheExactLimitWritingEveryUnsyncedRequestsAndRefusesWithoutARoundTrip() {
		RateLimits replica = replica(UNSYNCED, Duration.ofHours(1));
		String user = newUser();

		// The first request creates the bucket's row.
		assertThat(allowed(replica, user, 1)).isOne();
		int created = transactionsWriting(user);
		assertThat(created).isPositive();

		int allowed = 1 + allowed(replica, user, CAPACITY + 9);

		assertThat(allowed).isEqualTo(CAPACITY);
		// Then one write with each 6 taken in memory, at requests 8 and 15. The 5 after
		// the 15th and the 10 refusals write nothing.
		assertThat(transactionsWriting(user)).isEqualTo(created + 2);
		// A flood over the limit is refused in memory.
		assertThat(allowed(replica, user, 100)).isZero();
		assertThat(transactionsWriting(user)).isEqualTo(created + 2);
	}

	@Test
	void everyRequestWritesTheBucketWhenNothingMayGoUnsynced() {
		RateLimits replica = replica(0, Duration.ofHours(1));
		String user = newUser();

		assertThat(allowed(replica, user, CAPACITY + 10)).isEqualTo(CAPACITY);
		assertThat(transactionsWriting(user)).isGreaterThanOrEqualTo(CAPACITY);
	}

	@Test
	void twoReplicasLetAUserGoAtMostUnsyncedRequestsEachBeyondTheLimit() {
		RateLimits first = replica(UNSYNCED, Duration.ofHours(1));
		RateLimits second = replica(UNSYNCED, Duration.ofHours(1));
		String user = newUser();

		int allowed = 0;
		for (int i = 0; i < 3 * CAPACITY; i++) {
			allowed += allowed((i % 2 == 0) ? first : second, user, 1);
		}

		assertThat(allowed).isBetween(CAPACITY, CAPACITY + 2 * UNSYNCED);
		// Once both have written what they took, the shared bucket holds exactly what is
		// left of it: below zero by what they let through beyond it.
		first.close();
		second.close();
		assertThat(sharedTokens(user)).isEqualTo(CAPACITY - allowed);
	}

	@Test
	void aReplicaLearnsWhatOthersTookOnceItsUnsyncedTimeHasPassed() throws InterruptedException {
		// Long enough for the 20 round trips below on a busy machine.
		Duration unsyncedTime = Duration.ofSeconds(3);
		RateLimits checkingLate = replica(UNSYNCED, unsyncedTime);
		RateLimits exact = replica(0, unsyncedTime);
		String user = newUser();

		assertThat(allowed(checkingLate, user, 1)).isOne();
		assertThat(allowed(exact, user, CAPACITY)).isEqualTo(CAPACITY - 1);
		// Within its unsynced requests and time, it goes on from its own copy...
		assertThat(allowed(checkingLate, user, 1)).isOne();
		int writes = transactionsWriting(user);
		Thread.sleep(unsyncedTime.toMillis() + 100);
		// ...and after that time its next request checks the shared bucket: now empty.
		assertThat(allowed(checkingLate, user, 1)).isZero();
		assertThat(transactionsWriting(user)).isEqualTo(writes + 1);
	}

	@Test
	void tokensTakenInMemoryAreWrittenWhenTheServiceStops() {
		RateLimits stopping = replica(UNSYNCED, Duration.ofHours(1));
		String user = newUser();
		// One written at once, two taken in memory.
		assertThat(allowed(stopping, user, 1)).isOne();
		int created = transactionsWriting(user);
		assertThat(allowed(stopping, user, 2)).isEqualTo(2);
		assertThat(transactionsWriting(user)).isEqualTo(created);

		stopping.close();

		assertThat(transactionsWriting(user)).isEqualTo(created + 1);
		assertThat(sharedTokens(user)).isEqualTo(CAPACITY - 3);
		assertThat(allowed(replica(0, Duration.ofHours(1)), user, CAPACITY)).isEqualTo(CAPACITY - 3);
	}

	private RateLimits replica(int unsyncedRequests, Duration unsyncedTime) {
		RateLimits replica = new RateLimits(dataSource,
				new ApiSecurityProperties.RateLimit(true, CAPACITY, Duration.ofHours(1), unsyncedRequests,
						unsyncedTime),
				new ApiSecurityProperties.SignInLimit(true, 10, Duration.ofMinutes(1)), Clock.systemUTC());
		this.replicas.add(replica);
		return replica;
	}

	/** A key of its own for each test, so that tests and runs never share a bucket. */
	private String newUser() {
		return "user:rate-limits-" + System.nanoTime() + "-" + (++this.keys);
	}

	private static int allowed(RateLimits replica, String user, int requests) {
		int allowed = 0;
		for (int i = 0; i < requests; i++) {
			if (replica.acquireRequest(user).isZero()) {
				allowed++;
			}
		}
		return allowed;
	}

	/** The tokens in a user's shared bucket, read through a proxy of its own. */
	private static long sharedTokens(String user) {
		return Bucket4jPostgreSQL.selectForUpdateBasedBuilder(dataSource)
			.primaryKeyMapper(PrimaryKeyMapper.STRING)
			.table("rate_limit_buckets")
			.idColumn("id")
			.stateColumn("state")
			.expiresAtColumn("expires_at")
			.build()
			.getProxy("request:" + user, () -> {
				throw new IllegalStateException("No bucket for " + user);
			})
			.getAvailableTokens();
	}

	private static int transactionsWriting(String user) {
		return jdbc.sql("SELECT count(DISTINCT tx) FROM bucket_writes WHERE id = :id")
			.param("id", "request:" + user)
			.query(Integer.class)
			.single();
	}

}
