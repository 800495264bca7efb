package dev.offload.api.report;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import tools.jackson.databind.json.JsonMapper;

import dev.offload.model.Owner;
import dev.offload.model.ReportFormat;
import dev.offload.testsupport.AfterTheContext;
import dev.offload.testsupport.PreparedPlans;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.PlatformTransactionManager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * Group commit of accepted reports against a real PostgreSQL: requests that arrive while
 * a statement runs are inserted together in the next one, each gets its own outcome (its
 * report, the per-user limit counted across the statement, its idempotency key), and one
 * request's bad data fails only that request.
 * <p>
 * Each test holds the first request's statement on a table lock taken from a connection
 * of its own, lets the others queue up behind it (one statement at a time), then lets go.
 */
// Its database and topology are gone after this class: stop the relay with them.
@DirtiesContext
@SpringBootTest(properties = { "offload.api.accept.concurrent-statements=1", "offload.api.accept.max-batch=32" })
class AdmissionsTests {

	private static final TestDatabase database = TestDatabase.create();

	private static final TestBroker broker = TestBroker.create();

	@RegisterExtension
	static final AfterTheContext cleanUp = AfterTheContext.close(broker, database);

	@Autowired
	private Admissions admissions;

	@Autowired
	private Reports reports;

	@Autowired
	private JsonMapper json;

	@Autowired
	private JdbcClient jdbc;

	@Autowired
	private PlatformTransactionManager transactionManager;

	@Autowired
	private MeterRegistry meters;

	private final List<Thread> requestThreads = new ArrayList<>();

	@DynamicPropertySource
	static void infrastructure(DynamicPropertyRegistry registry) {
		database.springProperties().forEach((name, value) -> registry.add(name, () -> value));
		broker.springProperties().forEach((name, value) -> registry.add(name, () -> value));
		// Nothing here is published: the relay is left idle.
		registry.add("offload.api.relay.interval", () -> "1h");
	}

	@BeforeEach
	void noReports() {
		this.jdbc.sql("DELETE FROM reports").update();
	}

	@AfterEach
	void requestsEnded() throws InterruptedException {
		for (Thread thread : this.requestThreads) {
			thread.join(30_000);
			assertThat(thread.isAlive()).as(thread.getName()).isFalse();
		}
	}

	@Test
	void requestsThatArriveTogetherAreInsertedInOneStatementEachWithItsOwnReport() throws Exception {
		List<Reports.NewReport> later = new ArrayList<>();
		for (int i = 0; i < 10; i++) {
			later.add(request("user-" + i, null, 20));
		}

		Statements before = statements();
		List<Reports.Admission> outcomes = behindAHeldStatement(request("first", null, 20), later);

		// The first alone, then the ten together.
		assertThat(statements().minus(before)).isEqualTo(new Statements(2, 11));
		for (int i = 0; i < later.size(); i++) {
			Report report = outcomes.get(i).report();
			assertThat(report).isNotNull();
			assertThat(report.id()).isEqualTo(later.get(i).id());
			assertThat(report.ownerId()).isEqualTo("user-" + i);
			assertThat(outcomes.get(i).unfinished()).isZero();
		}
		assertThat(this.jdbc.sql("SELECT count(*) FROM reports WHERE owner_email = owner_id || '@example.com'")
			.query(Long.class)
			.single()).isEqualTo(11);
		assertThat(this.jdbc.sql("SELECT count(*) FROM reports").query(Long.class).single()).isEqualTo(11);
		// Created in the order the requests came, not all at the statement's start.
		assertThat(this.jdbc.sql("SELECT id FROM reports WHERE owner_id LIKE 'user-%' ORDER BY created_at")
			.query(UUID.class)
			.list()).containsExactlyElementsOf(later.stream().map(Reports.NewReport::id).toList());
	}

	@Test
	void perUserLimitCountsTheRequestsBeforeInTheSameStatement() throws Exception {
		List<Reports.NewReport> later = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			later.add(request("alice", null, 3));
		}
		later.add(request("bob", null, 3));

		List<Reports.Admission> outcomes = behindAHeldStatement(request("alice", null, 3), later);

		// alice had one unfinished report (the first request's), so two more fit.
		assertThat(outcomes).extracting((admission) -> admission.report() != null)
			.containsExactly(true, true, false, false, false, true);
		assertThat(outcomes).extracting(Reports.Admission::unfinished).containsExactly(1L, 2L, 3L, 4L, 5L, 0L);
		assertThat(this.jdbc.sql("SELECT count(*) FROM reports WHERE owner_id = 'alice'").query(Long.class).single())
			.isEqualTo(3);
	}

	@Test
	void aRepeatedIdempotencyKeyWaitsForTheNextStatementAndFindsTheFirstRow() throws Exception {
		Reports.NewReport keyed = request("carol", "key-1", 20);
		Reports.NewReport again = request("carol", "key-1", 20);
		Reports.NewReport otherUser = request("dave", "key-1", 20);

		Statements before = statements();
		List<Reports.Admission> outcomes = behindAHeldStatement(request("first", null, 20),
				List.of(keyed, again, otherUser));

		// The first; carol's keyed request with dave's; carol's second once hers has
		// committed.
		assertThat(statements().minus(before)).isEqualTo(new Statements(3, 4));

		assertThat(outcomes.get(0).report().id()).isEqualTo(keyed.id());
		// Not inserted, and not for the limit: the service answers it with carol's
		// report for that key.
		assertThat(outcomes.get(1).report()).isNull();
		assertThat(outcomes.get(1).unfinished()).isLessThan(20);
		assertThat(outcomes.get(2).report().id()).isEqualTo(otherUser.id());
		assertThat(this.jdbc.sql("SELECT count(*) FROM reports WHERE idempotency_key = 'key-1'")
			.query(Long.class)
			.single()).isEqualTo(2);
	}

	@Test
	void aRequestPostgreSqlRefusesFailsAloneAndTheOthersInItsStatementAreAccepted() throws Exception {
		// PostgreSQL's text cannot hold a NUL character (the requests reach it as JSON,
		// where it is an escape sequence PostgreSQL refuses): this row fails any
		// statement it is in.
		Reports.NewReport refused = new Reports.NewReport(UUID.randomUUID(),
				new Owner("erin", "erin\u0000@example.com"), specification(), null, 20);
		List<Reports.NewReport> later = List.of(request("user-a", null, 20), refused, request("user-b", null, 20));

		List<Future<Reports.Admission>> outcomes = submitBehindAHeldStatement(this.admissions,
				request("first", null, 20), later);

		assertThat(outcomes.get(0).get(30, TimeUnit.SECONDS).report().id()).isEqualTo(later.get(0).id());
		assertThat(outcomes.get(2).get(30, TimeUnit.SECONDS).report().id()).isEqualTo(later.get(2).id());
		Throwable failure = catchThrowable(() -> outcomes.get(1).get(30, TimeUnit.SECONDS));
		assertThat(failure).rootCause().hasMessageContaining("unsupported Unicode escape sequence");
		assertThat(this.jdbc.sql("SELECT count(*) FROM reports").query(Long.class).single()).isEqualTo(3);
	}

	@Test
	void manyRequestsAtOnceOverSeveralStatementsEachGetTheirOwnReportAndNoneIsLeftWaiting() throws Exception {
		SimpleMeterRegistry meters = new SimpleMeterRegistry();
		Admissions small = new Admissions(this.reports, 4, 3, meters);
		List<Reports.NewReport> burst = new ArrayList<>();
		for (int i = 0; i < 200; i++) {
			burst.add(request("user-" + (i % 20), null, 1000));
		}
		List<FutureTask<Reports.Admission>> outcomes = new ArrayList<>();
		for (Reports.NewReport request : burst) {
			FutureTask<Reports.Admission> outcome = new FutureTask<>(() -> small.admit(request));
			outcomes.add(outcome);
			Thread thread = new Thread(outcome, "burst-" + request.id());
			this.requestThreads.add(thread);
		}
		this.requestThreads.forEach(Thread::start);

		for (int i = 0; i < burst.size(); i++) {
			Report report = outcomes.get(i).get(60, TimeUnit.SECONDS).report();
			assertThat(report.id()).isEqualTo(burst.get(i).id());
			assertThat(report.ownerId()).isEqualTo(burst.get(i).owner().userId());
		}
		assertThat(this.jdbc.sql("SELECT count(*) FROM reports").query(Long.class).single()).isEqualTo(200);
		DistributionSummary batches = meters.get("offload.api.accept.batch.size").summary();
		assertThat(batches.totalAmount()).isEqualTo(200);
		assertThat(batches.max()).isLessThanOrEqualTo(4);
	}

	@Test
	void anOwnersNextRequestWaitsForItsRunningStatementWhileOthersGoAhead() throws Exception {
		Admissions twoAtATime = new Admissions(this.reports, 32, 2, new SimpleMeterRegistry());
		List<Future<Reports.Admission>> outcomes = new ArrayList<>();
		try (Connection lock = holdingInserts()) {
			outcomes.add(submit(twoAtATime, request("alice", null, 20)));
			await().until(() -> statementsWaitingForTheLock() == 1);
			outcomes.add(submit(twoAtATime, request("alice", null, 20)));
			Thread alicesSecond = this.requestThreads.get(this.requestThreads.size() - 1);
			// Parked in the queue (a thread waiting for PostgreSQL's answer would be
			// RUNNABLE), though a second statement could run.
			await().until(() -> alicesSecond.getState() == Thread.State.WAITING);
			outcomes.add(submit(twoAtATime, request("bob", null, 20)));
			await().until(() -> statementsWaitingForTheLock() == 2);
			assertThat(alicesSecond.getState()).isEqualTo(Thread.State.WAITING);
			lock.commit();
		}
		for (Future<Reports.Admission> outcome : outcomes) {
			assertThat(outcome.get(30, TimeUnit.SECONDS).report()).isNotNull();
		}
		assertThat(this.jdbc.sql("SELECT count(*) FROM reports WHERE owner_id = 'alice'").query(Long.class).single())
			.isEqualTo(2);
	}

	@Test
	void aStatementThatFailedAfterItsCommitAnswersItsReportsAsStoredAndStoresNoneTwice() throws Exception {
		AtomicBoolean failed = new AtomicBoolean();
		Reports failingOnce = new Reports(this.jdbc, this.transactionManager, this.json) {

			@Override
			List<Admission> admitAll(List<NewReport> requests) {
				List<Admission> admissions = super.admitAll(requests);
				if (requests.size() > 1 && failed.compareAndSet(false, true)) {
					throw new IllegalStateException("Failed after the statement committed");
				}
				return admissions;
			}

		};
		Admissions admitting = new Admissions(failingOnce, 32, 1, new SimpleMeterRegistry());
		List<Reports.NewReport> later = List.of(request("user-c", null, 20), request("user-d", null, 20));

		List<Future<Reports.Admission>> outcomes = submitBehindAHeldStatement(admitting, request("first", null, 20),
				later);

		assertThat(outcomes.get(0).get(30, TimeUnit.SECONDS).report().id()).isEqualTo(later.get(0).id());
		assertThat(outcomes.get(1).get(30, TimeUnit.SECONDS).report().id()).isEqualTo(later.get(1).id());
		assertThat(failed).isTrue();
		assertThat(this.jdbc.sql("SELECT count(*) FROM reports").query(Long.class).single()).isEqualTo(3);
	}

	@Test
	void postgreSqlKeepsOnePlanForTheStatementWhateverTheNumberOfRequests() throws Exception {
		// A backlog, as at the end of a month: 2,000 reports waiting, 20 per owner.
		addAnalyzedBacklog(100, 2000);
		// One connection, so its server-side prepared statement and plans can be seen.
		try (Connection connection = PreparedPlans.preparingFromTheFirstRun(database.connect())) {
			Reports onOneConnection = onOneConnection(connection);
			for (int i = 0; i < 20; i++) {
				List<Reports.NewReport> requests = new ArrayList<>();
				for (int j = 0; j <= i % 2; j++) {
					requests.add(request("user-" + j, null, 20));
				}
				assertThat(onOneConnection.admitAll(requests))
					.allSatisfy((admission) -> assertThat(admission.report()).isNotNull());
			}
			PreparedPlans plans = acceptStatementPlans(connection);
			// Left to choose, PostgreSQL would try custom plans for the first five runs,
			// then keep the generic one unless custom plans looked cheaper, as they would
			// were the number of requests visible to it; it is told to keep it from the
			// first.
			assertThat(plans.custom()).isZero();
			assertThat(plans.generic()).isEqualTo(20);
		}
	}

	@Test
	void postgreSqlKeepsOnePlanForTheStatementWhileTheBacklogGrows() throws Exception {
		try (Connection connection = PreparedPlans.preparingFromTheFirstRun(database.connect())) {
			Reports onOneConnection = onOneConnection(connection);
			for (int i = 0; i < 30; i++) {
				if (i % 3 == 0) {
					// The month's end: the backlog grows between runs, and autovacuum
					// analyzes the table as it does, which has PostgreSQL cost its kept
					// plan again, for the larger backlog.
					addAnalyzedBacklog(10, 200 * (i + 1));
				}
				assertThat(onOneConnection.admitAll(List.of(request("backlog-" + (i % 10), null, 1_000_000))))
					.allSatisfy((admission) -> assertThat(admission.report()).isNotNull());
			}
			PreparedPlans plans = acceptStatementPlans(connection);
			// Left to choose, PostgreSQL planned all 30 runs for their parameters
			// (measured).
			assertThat(plans.custom()).isZero();
			assertThat(plans.generic()).isEqualTo(30);
		}
	}

	@Test
	void noConnectionForTheStatementIsPostgreSqlUnavailable() {
		// Nothing listens on port 1: the transaction cannot begin.
		DriverManagerDataSource unreachable = new DriverManagerDataSource(
				"jdbc:postgresql://127.0.0.1:1/offload?connectTimeout=2", "offload", "offload");
		Reports reports = new Reports(JdbcClient.create(unreachable), new JdbcTransactionManager(unreachable),
				this.json);

		Throwable failure = catchThrowable(() -> reports.admitAll(List.of(request("user-a", null, 20))));

		// So the request is answered 503 with Retry-After (ApiExceptionHandler), and a
		// group's requests are failed together rather than tried one by one
		// (Admissions.unavailable).
		assertThat(failure).isInstanceOf(DataAccessResourceFailureException.class);
	}

	/**
	 * Adds waiting reports of owners {@code backlog-0} to {@code backlog-(owners - 1)},
	 * and analyzes the table as autovacuum would.
	 */
	private void addAnalyzedBacklog(int owners, int reports) {
		this.jdbc.sql("""
				INSERT INTO reports (id, owner_id, owner_email, type, format, parameters, status, priority)
				SELECT gen_random_uuid(), 'backlog-' || (n % :owners), 'backlog@example.com', 'NO_OP', 'CSV', '{}',
				       'QUEUED', 'INTERACTIVE'
				FROM generate_series(1, :reports) n""").param("owners", owners).param("reports", reports).update();
		this.jdbc.sql("ANALYZE reports").update();
	}

	private static PreparedPlans acceptStatementPlans(Connection connection) throws SQLException {
		return PreparedPlans.of(connection, "INSERT INTO reports")
			.orElseThrow(() -> new AssertionError("the statement was not prepared on the server"));
	}

	/**
	 * Reports whose statements all run on one connection, so PostgreSQL's plans for them
	 * can be counted ({@link PreparedPlans}).
	 */
	private Reports onOneConnection(Connection connection) {
		SingleConnectionDataSource dataSource = new SingleConnectionDataSource(connection, true);
		return new Reports(JdbcClient.create(dataSource), new JdbcTransactionManager(dataSource), this.json);
	}

	private Statements statements() {
		DistributionSummary batches = this.meters.get("offload.api.accept.batch.size").summary();
		return new Statements(batches.count(), (long) batches.totalAmount());
	}

	/** Statements that inserted reports, and how many they inserted. */
	private record Statements(long count, long reports) {

		Statements minus(Statements before) {
			return new Statements(this.count - before.count, this.reports - before.reports);
		}

	}

	private List<Reports.Admission> behindAHeldStatement(Reports.NewReport first, List<Reports.NewReport> later)
			throws Exception {
		List<Reports.Admission> outcomes = new ArrayList<>();
		for (Future<Reports.Admission> outcome : submitBehindAHeldStatement(this.admissions, first, later)) {
			outcomes.add(outcome.get(30, TimeUnit.SECONDS));
		}
		return outcomes;
	}

	/**
	 * Admits {@code first} while the reports table is locked, then each of {@code later}
	 * in order, each from a thread of its own once the one before is waiting, and lets go
	 * of the lock once all are.
	 */
	private List<Future<Reports.Admission>> submitBehindAHeldStatement(Admissions admitting, Reports.NewReport first,
			List<Reports.NewReport> later) throws Exception {
		Future<Reports.Admission> firstOutcome;
		List<Future<Reports.Admission>> outcomes = new ArrayList<>();
		try (Connection lock = holdingInserts()) {
			firstOutcome = submit(admitting, first);
			await().until(() -> statementsWaitingForTheLock() > 0);
			for (Reports.NewReport request : later) {
				outcomes.add(submit(admitting, request));
				// Parked in the queue, behind the held statement.
				Thread thread = this.requestThreads.get(this.requestThreads.size() - 1);
				await().until(() -> thread.getState() == Thread.State.WAITING);
			}
			lock.commit();
		}
		assertThat(firstOutcome.get(30, TimeUnit.SECONDS).report().id()).isEqualTo(first.id());
		return outcomes;
	}

	private Future<Reports.Admission> submit(Admissions admitting, Reports.NewReport request) {
		FutureTask<Reports.Admission> outcome = new FutureTask<>(() -> admitting.admit(request));
		Thread thread = new Thread(outcome, "admit-" + request.owner().userId());
		thread.start();
		this.requestThreads.add(thread);
		return outcome;
	}

	/**
	 * A connection of its own holding the reports table in a lock that conflicts with the
	 * one an insert takes, not with reads, until it commits.
	 */
	private static Connection holdingInserts() throws SQLException {
		return database.holdingLock("reports", "SHARE ROW EXCLUSIVE");
	}

	private long statementsWaitingForTheLock() {
		return this.jdbc
			.sql("""
					SELECT count(*) FROM pg_stat_activity
					WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO reports%'""")
			.query(Long.class)
			.single();
	}

	private static Reports.NewReport request(String userId, String idempotencyKey, int maxUnfinished) {
		return new Reports.NewReport(UUID.randomUUID(), new Owner(userId, userId + "@example.com"), specification(),
				idempotencyKey, maxUnfinished);
	}

	private static ReportSpecification specification() {
		return new ReportSpecification("NO_OP", ReportFormat.CSV, Map.of());
	}

}
