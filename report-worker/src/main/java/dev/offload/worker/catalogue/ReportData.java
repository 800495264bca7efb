package dev.offload.worker.catalogue;

import java.util.function.Consumer;

import javax.sql.DataSource;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionDefinition;
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
 */
@Component
public class ReportData {

	/** Rows fetched per round trip. */
	public static final int FETCH_SIZE = 1000;

	private final JdbcClient jdbc;

	private final TransactionTemplate snapshot;

	ReportData(@Qualifier(ReportDataConfiguration.REPORT_DATA) DataSource dataSource) {
		JdbcTemplate streaming = new JdbcTemplate(dataSource);
		streaming.setFetchSize(FETCH_SIZE);
		this.jdbc = JdbcClient.create(streaming);
		this.snapshot = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
		this.snapshot.setReadOnly(true);
		this.snapshot.setIsolationLevel(TransactionDefinition.ISOLATION_REPEATABLE_READ);
	}

	/**
	 * Report data read through a data source of one's own, for tests and tools that build
	 * reports without the worker's application context.
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
			progress.timeLeft()
				.ifPresent((left) -> this.jdbc.sql("SELECT set_config('statement_timeout', :millis, true)")
					.param("millis", Long.toString(Math.max(1, left.toMillis())))
					.query(String.class)
					.single());
			queries.accept(this.jdbc);
		});
	}

}
