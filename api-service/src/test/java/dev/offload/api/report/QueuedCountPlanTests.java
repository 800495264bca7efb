package dev.offload.api.report;

import java.util.Map;

import com.zaxxer.hikari.HikariDataSource;
import tools.jackson.databind.JsonNode;

import dev.offload.api.QueryPlans;
import dev.offload.testsupport.TestDatabase;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Backpressure's count of queued interactive reports ({@link Reports#countQueued()})
 * reads the partial index of unfinished interactive reports alone, however many reports
 * are finished or queued in bulk: 60,000 finished, 20,000 bulk and 500 interactive ones
 * unfinished. Without that index the same count costs the planner more than twice as much
 * (the control), so the index is what keeps it cheap.
 */
class QueuedCountPlanTests {

	@Test
	void theBacklogIsCountedOffTheIndexOfUnfinishedInteractiveReports() {
		try (TestDatabase database = TestDatabase.create();
				HikariDataSource dataSource = QueryPlans.migrated(database)) {
			JdbcClient jdbc = JdbcClient.create(dataSource);
			jdbc.sql("""
					INSERT INTO reports (id, owner_id, owner_email, type, format, status, priority, finished_at)
					SELECT gen_random_uuid(), 'plan-' || (g % 300), 'plan@example.com', 'NO_OP', 'CSV',
					       CASE WHEN g <= 60000 THEN 'SUCCEEDED' WHEN g % 2 = 0 THEN 'QUEUED' ELSE 'RUNNING' END,
					       CASE WHEN g > 60000 AND g <= 80000 THEN 'BULK' ELSE 'INTERACTIVE' END,
					       CASE WHEN g <= 60000 THEN now() END
					  FROM generate_series(1, 80500) g""").update();
			jdbc.sql("ANALYZE reports").update();

			JsonNode plan = QueryPlans.run(jdbc, Reports.COUNT_QUEUED, Map.of());
			assertThat(QueryPlans.indexNames(plan)).containsExactly("reports_owner_unfinished");
			assertThat(QueryPlans.rowsRead(plan, "reports")).isEqualTo(500);

			new TransactionTemplate(new DataSourceTransactionManager(dataSource))
				.executeWithoutResult((transaction) -> {
					jdbc.sql("DROP INDEX reports_owner_unfinished").update();
					JsonNode without = QueryPlans.run(jdbc, Reports.COUNT_QUEUED, Map.of());
					assertThat(QueryPlans.rowsRead(without, "reports")).as("rows read without the index")
						.isGreaterThan(20000);
					transaction.setRollbackOnly();
				});
		}
	}

}
