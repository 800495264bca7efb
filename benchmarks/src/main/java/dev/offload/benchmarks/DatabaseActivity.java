package dev.offload.benchmarks;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.offload.testsupport.TestDatabase;

/**
 * What PostgreSQL did over a window, from its cumulative statistics: transactions
 * committed in the run's database, WAL flushes (the whole cluster's: nothing else writes
 * during a figure) and rows written per table. Divided by the reports built meanwhile, it
 * shows what a report costs the database in round trips that commit, which the CPU
 * profile of PostgreSQL's backends does not name.
 */
final class DatabaseActivity {

	private final long commits;

	private final long walSyncs;

	private final Map<String, Long> rowsWritten;

	private DatabaseActivity(long commits, long walSyncs, Map<String, Long> rowsWritten) {
		this.commits = commits;
		this.walSyncs = walSyncs;
		this.rowsWritten = rowsWritten;
	}

	/**
	 * Reads the statistics now. They are flushed by each backend at the end of its
	 * transactions (at most once a second while it is busy), so a window of several
	 * seconds is exact to within that.
	 */
	static DatabaseActivity now(TestDatabase database) {
		try (Connection connection = database.connect(); Statement statement = connection.createStatement()) {
			statement.execute("SELECT pg_stat_clear_snapshot()");
			long commits = single(statement,
					"SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()");
			long walSyncs = single(statement, "SELECT wal_sync FROM pg_stat_wal");
			Map<String, Long> rows = new HashMap<>();
			try (ResultSet result = statement
				.executeQuery("SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables")) {
				while (result.next()) {
					rows.put(result.getString(1), result.getLong(2));
				}
			}
			return new DatabaseActivity(commits, walSyncs, rows);
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not read PostgreSQL's statistics", ex);
		}
	}

	/**
	 * What happened since {@code before}, per report.
	 * @param before the statistics at the window's start
	 * @param reports the reports built in the window
	 * @return a sentence for the figure's notes
	 */
	String perReport(DatabaseActivity before, long reports) {
		double n = Math.max(1, reports);
		List<String> tables = new ArrayList<>();
		this.rowsWritten.entrySet()
			.stream()
			.map((entry) -> Map.entry(entry.getKey(),
					entry.getValue() - before.rowsWritten.getOrDefault(entry.getKey(), 0L)))
			.filter((entry) -> entry.getValue() > 0)
			.sorted(Map.Entry.<String, Long>comparingByValue().reversed())
			.limit(6)
			.forEach(
					(entry) -> tables.add(String.format(Locale.ROOT, "%s %.2f", entry.getKey(), entry.getValue() / n)));
		return String.format(Locale.ROOT,
				"PostgreSQL per report (%d reports): %.2f transactions committed in the run's database, %.2f WAL "
						+ "flushes; rows written per table: %s",
				reports, (this.commits - before.commits) / n, (this.walSyncs - before.walSyncs) / n,
				tables.isEmpty() ? "none" : String.join(", ", tables));
	}

	/**
	 * Rows of one table written (inserted, updated or deleted) since {@code before}, per
	 * report.
	 * @param before the statistics at the window's start
	 * @param table the table
	 * @param reports the reports in the window
	 * @return the rows per report
	 */
	double rowsWrittenPerReport(DatabaseActivity before, String table, long reports) {
		return (this.rowsWritten.getOrDefault(table, 0L) - before.rowsWritten.getOrDefault(table, 0L))
				/ (double) Math.max(1, reports);
	}

	private static long single(Statement statement, String sql) throws SQLException {
		try (ResultSet result = statement.executeQuery(sql)) {
			result.next();
			return result.getLong(1);
		}
	}

}
