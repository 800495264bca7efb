package dev.offload.worker.catalogue;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import javax.sql.DataSource;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyOut;

import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.UncategorizedSQLException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The data reports are built from, read through its own {@link DataSource}
 * ({@code offload.report-data.*}: in production a read replica of the shop's database, so
 * month-end reports never load the primary; by default the same database as the report
 * records).
 * <p>
 * Every report reads in one read-only, repeatable-read transaction, so all its queries
 * see the same snapshot and its totals agree with its rows. Queries stream: PostgreSQL's
 * driver fetches {@value #FETCH_SIZE} rows per round trip through a cursor, so memory
 * never depends on the number of rows. The report's time limit is also PostgreSQL's
 * {@code statement_timeout} for the transaction, since a query may wait (for I/O, a lock)
 * without calling back.
 * <p>
 * PostgreSQL's JIT compilation is off for the transaction: report queries are large scans
 * whose cost estimates always cross {@code jit_above_cost}, and compiling their
 * expressions costs more than it saves (0.35 to 0.7 s per query over a year of order
 * lines, measured). A query that returns a few rows (a total, a row per product) can run
 * in parallel only without a cursor: it asks for {@code withFetchSize(0)}.
 */
public class ReportData {

	/** Rows fetched per round trip. */
	public static final int FETCH_SIZE = 1000;

	private final DataSource dataSource;

	private final JdbcTemplate streaming;

	private final JdbcClient jdbc;

	private final TransactionTemplate snapshot;

	private ReportData(DataSource dataSource) {
		this.dataSource = dataSource;
		this.streaming = new JdbcTemplate(dataSource);
		this.streaming.setFetchSize(FETCH_SIZE);
		this.jdbc = JdbcClient.create(this.streaming);
		this.snapshot = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
		this.snapshot.setReadOnly(true);
		this.snapshot.setIsolationLevel(TransactionDefinition.ISOLATION_REPEATABLE_READ);
	}

	/**
	 * Report data read through a data source.
	 * @param dataSource the data source of the sales data
	 * @return the report data
	 */
	public static ReportData of(DataSource dataSource) {
		return new ReportData(dataSource);
	}

	/**
	 * Runs a report's queries in one snapshot.
	 * @param progress the report's progress, whose time left bounds the queries
	 * @param queries the queries, given a client whose queries stream
	 */
	public void read(ReportProgress progress, Consumer<JdbcClient> queries) {
		this.snapshot.executeWithoutResult((status) -> {
			limit(progress);
			queries.accept(this.jdbc);
		});
	}

	/** Turns JIT off and bounds the statements by the report's time left. */
	private void limit(ReportProgress progress) {
		progress.timeLeft()
			.ifPresentOrElse(
					(left) -> this.jdbc
						.sql("SELECT set_config('jit', 'off', true), set_config('statement_timeout', :millis, true)")
						.param("millis", Long.toString(Math.max(1, left.toMillis())))
						.query((rs, row) -> rs.getString(1))
						.single(),
					() -> this.jdbc.sql("SELECT set_config('jit', 'off', true)").query(String.class).single());
	}

	/**
	 * Streams the rows of a large query through PostgreSQL's {@code COPY ... TO STDOUT},
	 * in the snapshot of the {@link #read} it is called in. Unlike a cursor, a copy needs
	 * no round trip per batch of rows (PostgreSQL sends them while the report writes) and
	 * lets PostgreSQL run the query in parallel: an export of a million lines takes about
	 * half the time. A copy takes no parameters: the query reads its values with
	 * {@code current_setting(name)} from settings of the transaction, which are set first
	 * with {@code set_config} and bound parameters, so no value is ever written into the
	 * SQL.
	 * @param query the query ({@code SELECT ...})
	 * @param settings the values it reads, by setting name (such as
	 * {@code offload.sales.from})
	 * @param each called with every row, in the query's order
	 * @throws IllegalStateException if not called from the queries of {@link #read}
	 */
	public void copy(String query, Map<String, String> settings, Consumer<TextRow> each) {
		if (!TransactionSynchronizationManager.hasResource(this.dataSource)) {
			throw new IllegalStateException("A copy runs in the snapshot of ReportData.read");
		}
		if (!settings.isEmpty()) {
			// Local to the report's transaction; all in one round trip.
			List<String> calls = new ArrayList<>();
			Map<String, Object> parameters = new HashMap<>();
			settings.forEach((name, value) -> {
				int i = calls.size();
				calls.add("set_config(:name" + i + ", :value" + i + ", true)");
				parameters.put("name" + i, name);
				parameters.put("value" + i, value);
			});
			this.jdbc.sql("SELECT " + String.join(", ", calls)).params(parameters).query().listOfRows();
		}
		String sql = "COPY (" + query + ") TO STDOUT";
		Connection connection = DataSourceUtils.getConnection(this.dataSource);
		try {
			CopyOut copy = connection.unwrap(PGConnection.class).getCopyAPI().copyOut(sql);
			try {
				TextRow row = new TextRow();
				for (byte[] bytes = copy.readFromCopy(); bytes != null; bytes = copy.readFromCopy()) {
					row.read(bytes);
					each.accept(row);
				}
			}
			finally {
				// Stopped early (the report failed or was cancelled): the rest is read
				// and dropped, so the connection is ready for the rollback. The
				// driver's cancelCopy() cancels asynchronously, and its cancel can hit
				// the rollback instead (seen in the tests), which hides the failure
				// behind a rollback error. The statement_timeout bounds the reading.
				while (copy.isActive() && copy.readFromCopy() != null) {
					// dropped
				}
			}
		}
		catch (SQLException ex) {
			DataAccessException translated = this.streaming.getExceptionTranslator().translate("COPY", sql, ex);
			throw (translated != null) ? translated : new UncategorizedSQLException("COPY", sql, ex);
		}
		finally {
			DataSourceUtils.releaseConnection(connection, this.dataSource);
		}
	}

}
