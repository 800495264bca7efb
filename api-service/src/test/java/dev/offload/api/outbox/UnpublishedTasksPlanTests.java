package dev.offload.api.outbox;

import java.sql.Connection;
import java.util.Map;
import java.util.UUID;

import com.zaxxer.hikari.HikariDataSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.offload.api.QueryPlans;
import dev.offload.testsupport.PreparedPlans;
import dev.offload.testsupport.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The relay's reads ({@link UnpublishedTasks}) read the partial indexes built for them
 * (V13, V9), however many reports are finished, in flight or waiting in a large batch: on
 * a month-end table of 122,300 reports, vacuumed and analyzed as autovacuum would, each
 * read goes through only the rows it may return (counted by {@code EXPLAIN ANALYZE}).
 * Without those indexes it reads far more (the control at the end), so these assertions
 * can fail.
 */
class UnpublishedTasksPlanTests {

	private static TestDatabase database;

	private static HikariDataSource dataSource;

	private static JdbcClient jdbc;

	private static UUID batch;

	@BeforeAll
	static void fillAMonthEndTable() {
		database = TestDatabase.create();
		dataSource = QueryPlans.migrated(database);
		jdbc = JdbcClient.create(dataSource);
		batch = UUID.randomUUID();
		jdbc.sql("""
				INSERT INTO report_batches (id, owner_id, type, format, items, total, created, state)
				VALUES (:id, 'plan', 'NO_OP', 'CSV', '[]', 20000, 20000, 'RUNNING')""").param("id", batch).update();
		// 100,000 finished single reports, 2,000 published and not finished, 300 not
		// published yet.
		jdbc.sql("""
				INSERT INTO reports (id, owner_id, owner_email, type, format, status, task_published_at, created_at,
				                     finished_at)
				SELECT gen_random_uuid(), 'plan-' || (g % 500), 'plan@example.com', 'NO_OP', 'CSV',
				       CASE WHEN g <= 100000 THEN 'SUCCEEDED' ELSE 'QUEUED' END,
				       CASE WHEN g <= 102000 THEN now() END, now() - (102300 - g) * interval '1 second',
				       CASE WHEN g <= 100000 THEN now() END
				  FROM generate_series(1, 102300) g""").update();
		// A batch of 20,000: 15,000 finished, 100 in flight, 4,900 waiting.
		jdbc.sql("""
				INSERT INTO reports (id, owner_id, owner_email, type, format, status, task_published_at, priority,
				                     batch_id, batch_item, finished_at)
				SELECT gen_random_uuid(), 'plan', 'plan@example.com', 'NO_OP', 'CSV',
				       CASE WHEN g <= 15000 THEN 'SUCCEEDED' ELSE 'QUEUED' END,
				       CASE WHEN g <= 15100 THEN now() END, 'BULK', :batch, g,
				       CASE WHEN g <= 15000 THEN now() END
				  FROM generate_series(1, 20000) g""").param("batch", batch).update();
		// As autovacuum would after so many inserts: VACUUM sets the size of each partial
		// index, which the planner weighs them by.
		jdbc.sql("VACUUM (ANALYZE) reports").update();
		jdbc.sql("VACUUM (ANALYZE) report_batches").update();
	}

	@AfterAll
	static void dropDatabase() {
		dataSource.close();
		database.close();
	}

	/**
	 * The next 100 single reports are read off the relay's index, oldest first: of
	 * 122,300 rows it reads those 100. (Before V19 the planner preferred the index of all
	 * queued unpublished reports and read the waiting batch's 4,900 rows as well.)
	 */
	@Test
	void theNextSingleReportsReadOnlyTheRowsTheyReturn() {
		JsonNode plan = ranAndRolledBack(UnpublishedTasks.nextSingle(100), Map.of());

		assertThat(QueryPlans.indexNames(plan)).containsExactly("reports_unpublished_single");
		assertThat(QueryPlans.nodeTypes(plan)).doesNotContain("Seq Scan", "Sort");
		assertThat(QueryPlans.rowsRead(plan, "reports")).isEqualTo(100);
	}

	@Test
	void aBatchsNextReportsAreReadOffTheirIndexInItemOrder() {
		JsonNode plan = ranAndRolledBack(UnpublishedTasks.NEXT_OF_BATCH,
				Map.of("batchId", batch, "status", "QUEUED", "limit", 50));

		assertThat(QueryPlans.indexNames(plan)).containsExactly("reports_unpublished_batch");
		assertThat(QueryPlans.nodeTypes(plan)).doesNotContain("Seq Scan", "Sort");
		assertThat(QueryPlans.rowsRead(plan, "reports")).isEqualTo(50);
	}

	/** Only the batch's 100 reports in flight are counted, not its 20,000. */
	@Test
	void aBatchsRoomCountsOnlyItsReportsInFlight() {
		JsonNode plan = ranAndRolledBack(UnpublishedTasks.BATCH_ROOM, Map.of("maxInFlight", 100));

		assertThat(QueryPlans.indexNames(plan)).contains("reports_batch_in_flight");
		assertThat(QueryPlans.rowsRead(plan, "reports")).isEqualTo(100);
	}

	/**
	 * The control: without the two indexes of unpublished queued reports the same read
	 * goes through far more rows, so the assertions above can fail.
	 */
	@Test
	void withoutTheIndexesOfUnpublishedReportsTheNextSingleReportsReadFarMore() {
		new TransactionTemplate(new DataSourceTransactionManager(dataSource)).executeWithoutResult((transaction) -> {
			jdbc.sql("DROP INDEX reports_unpublished_single").update();
			jdbc.sql("DROP INDEX reports_queued_published").update();
			JsonNode plan = QueryPlans.run(jdbc, UnpublishedTasks.nextSingle(100), Map.of());
			assertThat(QueryPlans.rowsRead(plan, "reports")).isGreaterThan(2000);
			transaction.setRollbackOnly();
		});
	}

	/**
	 * The relay's read is planned once per connection, not on every run: it binds no
	 * parameter PostgreSQL would plan it again for (PostgreSQL's own count of its plans
	 * on one connection, after twenty relay transactions).
	 */
	@Test
	void theRelaysReadIsPlannedOnceNotOnEveryRun() throws Exception {
		try (Connection connection = PreparedPlans.preparingFromTheFirstRun(dataSource.getConnection())) {
			UnpublishedTasks tasks = new UnpublishedTasks(
					JdbcClient.create(new SingleConnectionDataSource(connection, true)), JsonMapper.builder().build());
			connection.setAutoCommit(false);
			for (int i = 0; i < 20; i++) {
				assertThat(tasks.lockNext(100, 100)).hasSize(100);
				connection.rollback();
			}
			connection.setAutoCommit(true);
			assertThat(PreparedPlans.of(connection, "batch_id IS NULL AND status")).hasValue(new PreparedPlans(20, 0));
		}
	}

	/** Runs a statement (which locks rows) in a transaction that is rolled back. */
	private static JsonNode ranAndRolledBack(String sql, Map<String, ?> params) {
		return new TransactionTemplate(new DataSourceTransactionManager(dataSource)).execute((transaction) -> {
			transaction.setRollbackOnly();
			return QueryPlans.run(jdbc, sql, params);
		});
	}

}
