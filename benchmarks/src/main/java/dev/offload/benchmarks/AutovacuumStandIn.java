package dev.offload.benchmarks;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.offload.testsupport.TestDatabase;

/**
 * Does what autovacuum does, with its default thresholds, for the suite's report database
 * when the server runs with {@code autovacuum = off} (as this machine's PostgreSQL does):
 * a table is analyzed once more than 50 rows plus 10% of it changed since its last
 * analyze, and vacuumed once it holds more than 50 dead rows plus 20% of it. Without it,
 * statistics taken on an empty table stay for a whole figure while the table grows to
 * tens of thousands of rows, and the planner's cached generic plans (pgjdbc prepares a
 * statement after five runs) walk the whole table where production's would use an index.
 * Looks every 15 s (autovacuum's naptime is 1 min, but the suite's figures last seconds),
 * and, like autovacuum, works with a cost delay, so it does not take a core from a
 * figure.
 */
final class AutovacuumStandIn implements AutoCloseable {

	private final TestDatabase database;

	private final ScheduledExecutorService scheduler;

	private AutovacuumStandIn(TestDatabase database) {
		this.database = database;
		this.scheduler = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "autovacuum-stand-in");
			thread.setDaemon(true);
			return thread;
		});
		this.scheduler.scheduleWithFixedDelay(this::run, 15, 15, TimeUnit.SECONDS);
	}

	/**
	 * Starts the stand-in if the server does not run autovacuum.
	 * @param database the suite's report database
	 * @return the stand-in, or {@code null} if autovacuum is on
	 */
	static AutovacuumStandIn startIfOff(TestDatabase database) {
		try (Connection connection = database.connect();
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery("SHOW autovacuum")) {
			rows.next();
			if (!"off".equals(rows.getString(1))) {
				return null;
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not read the server's autovacuum setting", ex);
		}
		BenchmarkSuite.log("The server runs with autovacuum off: the suite vacuums and analyzes the report "
				+ "database at autovacuum's default thresholds itself");
		return new AutovacuumStandIn(database);
	}

	private void run() {
		try (Connection connection = this.database.connect(); Statement statement = connection.createStatement()) {
			List<String> commands = new ArrayList<>();
			try (ResultSet rows = statement.executeQuery("""
					SELECT s.relname, s.n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0) AS analyze,
					       s.n_dead_tup > 50 + 0.2 * greatest(c.reltuples, 0) AS vacuum
					  FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
					 WHERE s.schemaname = 'public'""")) {
				while (rows.next()) {
					String table = "public.\"" + rows.getString(1) + "\"";
					if (rows.getBoolean("vacuum")) {
						commands.add("VACUUM (ANALYZE) " + table);
					}
					else if (rows.getBoolean("analyze")) {
						commands.add("ANALYZE " + table);
					}
				}
			}
			if (commands.isEmpty()) {
				return;
			}
			// Throttled as autovacuum is (autovacuum_vacuum_cost_delay 2 ms, cost limit
			// 200), where a VACUUM typed by hand runs flat out: unthrottled, vacuuming
			// the reports table took a core for a second or more, inside latency
			// figures.
			statement.execute("SET vacuum_cost_delay = '2ms'");
			statement.execute("SET vacuum_cost_limit = 200");
			long start = System.nanoTime();
			for (String command : commands) {
				statement.execute(command);
			}
			BenchmarkSuite.log("Autovacuum stand-in: %s in %d ms".formatted(String.join(", ", commands),
					(System.nanoTime() - start) / 1_000_000));
		}
		catch (SQLException | RuntimeException ex) {
			BenchmarkSuite.log("Autovacuum stand-in: " + ex.getMessage());
		}
	}

	@Override
	public void close() {
		this.scheduler.shutdownNow();
	}

}
