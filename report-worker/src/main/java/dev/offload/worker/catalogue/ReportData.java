package dev.offload.worker.catalogue;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyOut;
import org.slf4j.MDC;

import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.UncategorizedSQLException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionSynchronization;
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
 * <p>
 * A query can also run {@link #alongside} the report's others, on a connection of its own
 * in the same snapshot, while PostgreSQL works on another (an aggregate while a large
 * query sorts), as many at a time as the pool has connections to spare beyond one per
 * report being built; with none to spare it runs at once, on the report's connection.
 */
public class ReportData {

	/** Rows fetched per round trip. */
	public static final int FETCH_SIZE = 1000;

	/** What {@code pg_export_snapshot()} returns: hexadecimal numbers and dashes. */
	private static final Pattern SNAPSHOT_ID = Pattern.compile("[0-9A-Fa-f]+(-[0-9A-Fa-f]+)+");

	private final DataSource dataSource;

	private final Semaphore spareConnections;

	private final SimpleAsyncTaskExecutor threads;

	private final JdbcTemplate streaming;

	private final JdbcClient jdbc;

	private final TransactionTemplate snapshot;

	/**
	 * Report data read through a data source.
	 * @param dataSource the data source of the sales data
	 * @param spareConnections how many of its connections queries {@link #alongside} the
	 * reports' own may hold at a time (0: they run on the report's connection, one after
	 * the other)
	 */
	ReportData(DataSource dataSource, int spareConnections) {
		if (spareConnections < 0) {
			throw new IllegalArgumentException("Spare connections cannot be negative: " + spareConnections);
		}
		this.dataSource = dataSource;
		this.spareConnections = new Semaphore(spareConnections);
		// A thread per query alongside, for its time: they are few and last seconds.
		this.threads = new SimpleAsyncTaskExecutor("report-data-");
		this.threads.setDaemon(true);
		this.streaming = new JdbcTemplate(dataSource);
		this.streaming.setFetchSize(FETCH_SIZE);
		this.jdbc = JdbcClient.create(this.streaming);
		this.snapshot = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
		this.snapshot.setReadOnly(true);
		this.snapshot.setIsolationLevel(TransactionDefinition.ISOLATION_REPEATABLE_READ);
	}

	/**
	 * Report data read through a data source of one's own, for tests and tools that build
	 * reports without the worker's application context: one query at a time may run
	 * {@link #alongside} a report's others, on a connection of its own.
	 * @param dataSource the data source of the sales data
	 * @return the report data
	 */
	public static ReportData of(DataSource dataSource) {
		return new ReportData(dataSource, 1);
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

	/**
	 * Starts a query that runs alongside the report's next ones, in the snapshot of the
	 * {@link #read} it is called in, on a connection of its own (PostgreSQL's
	 * {@code pg_export_snapshot()} and {@code SET TRANSACTION SNAPSHOT}), so PostgreSQL
	 * works on both at once: an aggregate over the lines while the lines' query joins and
	 * sorts them. If no connection is spare (every one may be needed by a report), the
	 * query runs at once on the report's connection instead (and a failure is thrown from
	 * here), and {@link Alongside#get()} returns its result.
	 * @param <T> the query's result
	 * @param progress the report's progress, whose time left bounds the query
	 * @param query the query, given a client whose queries stream; it must not call this
	 * report data's {@link #copy} or {@link #read}
	 * @return the query, to ask for its result when it is needed
	 * @throws IllegalStateException if not called from the queries of {@link #read}
	 */
	public <T> Alongside<T> alongside(ReportProgress progress, Function<JdbcClient, T> query) {
		if (!TransactionSynchronizationManager.hasResource(this.dataSource)) {
			throw new IllegalStateException("A query alongside runs in the snapshot of ReportData.read");
		}
		if (!this.spareConnections.tryAcquire()) {
			// On the report's connection: a failure ends its transaction, so it is thrown
			// now, as it is, before the report's next statement would hide it.
			return new Alongside<>(CompletableFuture.completedFuture(query.apply(this.jdbc)));
		}
		CompletableFuture<T> result = new CompletableFuture<>();
		Cancellable cancellable = new Cancellable();
		try {
			String snapshotId = this.jdbc.sql("SELECT pg_export_snapshot()").query(String.class).single();
			if (!SNAPSHOT_ID.matcher(snapshotId).matches()) {
				throw new IllegalStateException("PostgreSQL exported a snapshot named '" + snapshotId + "'");
			}
			// Ends with the report's transaction: a query whose result no one waits for
			// any more (the report failed or was cancelled) is cancelled.
			TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {

				@Override
				public void afterCompletion(int status) {
					cancellable.cancel();
				}

			});
			Map<String, String> context = MDC.getCopyOfContextMap();
			this.threads.execute(() -> {
				T value = null;
				Throwable failure = null;
				try {
					if (context != null) {
						MDC.setContextMap(context);
					}
					value = this.snapshot.execute((status) -> inSnapshot(snapshotId, progress, query, cancellable));
				}
				catch (Throwable ex) {
					failure = ex;
				}
				finally {
					MDC.clear();
					// Spare again before anyone hears of the result, so a report that
					// runs its next query alongside on hearing it finds the connection.
					this.spareConnections.release();
				}
				if (failure != null) {
					result.completeExceptionally(failure);
				}
				else {
					result.complete(value);
				}
			});
		}
		catch (Throwable ex) {
			// Not started (a thread could not be made): nothing will release it.
			this.spareConnections.release();
			throw ex;
		}
		return new Alongside<>(result);
	}

	/** A query alongside, in its own transaction, in the report's exported snapshot. */
	private <T> T inSnapshot(String snapshotId, ReportProgress progress, Function<JdbcClient, T> query,
			Cancellable cancellable) {
		Connection connection = DataSourceUtils.getConnection(this.dataSource);
		cancellable.started(connection);
		try {
			// Must be the transaction's first statement; takes no parameter.
			this.jdbc.sql("SET TRANSACTION SNAPSHOT '" + snapshotId + "'").update();
			limit(progress);
			cancellable.check();
			return query.apply(this.jdbc);
		}
		finally {
			// Before the connection goes back to the pool: no cancel is sent after this,
			// and one sent before it (which could reach PostgreSQL late) takes the
			// connection out of the pool instead of another report's statement.
			if (cancellable.ended()) {
				evict(connection);
			}
		}
	}

	/** Closes a connection a cancel was sent on rather than returning it to the pool. */
	private void evict(Connection connection) {
		if (this.dataSource instanceof HikariDataSource pool) {
			pool.evictConnection(connection);
		}
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
				// and
				// dropped, so the connection is ready for the rollback. The driver's
				// cancelCopy() cancels asynchronously, and its cancel can hit the
				// rollback
				// instead (seen in the tests), which hides the failure behind a rollback
				// error. The statement_timeout bounds the reading.
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

	/**
	 * A query started by {@link #alongside}.
	 *
	 * @param <T> its result
	 */
	public static final class Alongside<T> {

		private final CompletableFuture<T> result;

		private Alongside(CompletableFuture<T> result) {
			this.result = result;
		}

		/**
		 * Waits for the query (at most the report's time left: its statement timeout) and
		 * returns its result. Call it within the {@link #read} that started the query:
		 * when that ends, a query still running is cancelled.
		 * @return the result
		 * @throws RuntimeException what the query threw, as it threw it
		 */
		public T get() {
			try {
				return this.result.join();
			}
			catch (CompletionException ex) {
				if (ex.getCause() instanceof RuntimeException failure) {
					throw failure;
				}
				if (ex.getCause() instanceof Error error) {
					throw error;
				}
				throw ex;
			}
		}

	}

	/**
	 * The connection of a query alongside while it runs, to cancel its statement when the
	 * report's transaction ends first. Best effort: a cancel that reaches PostgreSQL
	 * between two statements is dropped by it, and the query then runs until it ends or
	 * its statement timeout (the report's time left) ends it; a query that has not begun
	 * by then never does.
	 */
	private static final class Cancellable {

		private final Object lock = new Object();

		private Connection connection;

		private boolean cancelled;

		private boolean sent;

		void started(Connection connection) {
			synchronized (this.lock) {
				check();
				this.connection = connection;
			}
		}

		void check() {
			synchronized (this.lock) {
				if (this.cancelled) {
					throw new IllegalStateException("The report's snapshot ended before its query alongside ran");
				}
			}
		}

		/**
		 * The query is over: no cancel is sent from now on.
		 * @return whether one was sent, so the connection must not be used again
		 */
		boolean ended() {
			synchronized (this.lock) {
				this.connection = null;
				return this.sent;
			}
		}

		void cancel() {
			synchronized (this.lock) {
				this.cancelled = true;
				if (this.connection == null) {
					return;
				}
				try {
					// PostgreSQL's cancel request, on a connection of its own: the
					// running
					// statement fails with "canceling statement due to user request".
					this.connection.unwrap(PGConnection.class).cancelQuery();
					this.sent = true;
				}
				catch (SQLException ex) {
					// Its statement timeout ends it.
				}
			}
		}

	}

}
