package dev.offload.worker.generation;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import dev.offload.model.ReportFormat;
import dev.offload.model.ReportTask;
import dev.offload.model.ReportType;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Builds the {@link ReportType#SALES_SUMMARY} report: revenue by month and region, the
 * top products and the totals of the orders placed in a date range (both ends included).
 * <p>
 * The order lines are streamed from PostgreSQL through a forward-only cursor and added up
 * in Java as they arrive, so the worker's memory depends on the number of months, regions
 * and products, never on the number of rows.
 */
@Component
class SalesSummaryGenerator implements ReportGenerator {

	/**
	 * Rows fetched per round trip. PostgreSQL's driver only streams with a fetch size and
	 * autocommit off (a cursor lives in a transaction); without both it reads the whole
	 * result into memory.
	 */
	static final int FETCH_SIZE = 1000;

	private static final String LINES = """
			SELECT o.id AS order_id, o.ordered_on, r.name AS region, p.sku, p.name AS product,
			       l.quantity, l.unit_price
			  FROM sales.orders o
			  JOIN sales.customers c ON c.id = o.customer_id
			  JOIN sales.regions r ON r.id = c.region_id
			  JOIN sales.order_lines l ON l.order_id = o.id
			  JOIN sales.products p ON p.id = l.product_id
			 WHERE o.ordered_on BETWEEN :from AND :to
			 ORDER BY o.ordered_on, o.id
			""";

	private final JdbcClient jdbc;

	private final TransactionTemplate readOnly;

	private final Map<ReportFormat, SalesSummaryWriter> writers = new EnumMap<>(ReportFormat.class);

	SalesSummaryGenerator(DataSource dataSource, PlatformTransactionManager transactionManager,
			List<SalesSummaryWriter> writers) {
		JdbcTemplate streaming = new JdbcTemplate(dataSource);
		streaming.setFetchSize(FETCH_SIZE);
		this.jdbc = JdbcClient.create(streaming);
		this.readOnly = new TransactionTemplate(transactionManager);
		this.readOnly.setReadOnly(true);
		writers.forEach((writer) -> this.writers.put(writer.format(), writer));
	}

	@Override
	public ReportType type() {
		return ReportType.SALES_SUMMARY;
	}

	@Override
	public GeneratedReport generate(ReportTask task, ProgressListener progress) {
		LocalDate from = date(task, "from");
		LocalDate to = date(task, "to");
		if (from.isAfter(to)) {
			throw new ReportParametersException("Parameter 'from' (" + from + ") is after 'to' (" + to + ")");
		}
		SalesSummaryWriter writer = this.writers.get(task.format());
		if (writer == null) {
			throw new ReportParametersException("Sales summaries cannot be written as " + task.format());
		}
		SalesSummary summary = summarize(from, to, progress);
		return new GeneratedReport(fileName(from, to, task.format()), task.format().contentType(),
				writer.write(summary));
	}

	/**
	 * Reads and adds up the order lines of a date range.
	 * @param from the first order date included
	 * @param to the last order date included
	 * @param progress told the share of the date range read so far
	 * @return the summary
	 */
	SalesSummary summarize(LocalDate from, LocalDate to, ProgressListener progress) {
		SalesSummaryAccumulator accumulator = new SalesSummaryAccumulator(from, to);
		long days = ChronoUnit.DAYS.between(from, to) + 1;
		RowCallbackHandler addLine = (rs) -> {
			LocalDate orderedOn = rs.getObject("ordered_on", LocalDate.class);
			accumulator.add(rs.getLong("order_id"), orderedOn, rs.getString("region"), rs.getString("sku"),
					rs.getString("product"), rs.getInt("quantity"), rs.getBigDecimal("unit_price"));
			// Rows come by date, so the share of days passed is the share of work done.
			progress.progress((int) (ChronoUnit.DAYS.between(from, orderedOn) * 100 / days));
		};
		this.readOnly.executeWithoutResult((status) -> {
			// The query may wait (for a lock, for I/O) without calling back, so the
			// report's time limit is also PostgreSQL's, for this transaction only.
			progress.timeLeft()
				.ifPresent((left) -> this.jdbc.sql("SELECT set_config('statement_timeout', :millis, true)")
					.param("millis", Long.toString(Math.max(1, left.toMillis())))
					.query(String.class)
					.single());
			this.jdbc.sql(LINES).param("from", from).param("to", to).query(addLine);
		});
		return accumulator.summary();
	}

	static String fileName(LocalDate from, LocalDate to, ReportFormat format) {
		return "sales-summary-" + from + "-" + to + "." + format.extension();
	}

	private static LocalDate date(ReportTask task, String name) {
		String value = task.parameters().get(name);
		if (value == null || value.isBlank()) {
			throw new ReportParametersException("Parameter '" + name + "' is required (an ISO-8601 date)");
		}
		try {
			return LocalDate.parse(value.strip());
		}
		catch (DateTimeParseException ex) {
			throw new ReportParametersException(
					"Parameter '" + name + "' must be an ISO-8601 date like 2024-01-31, was '" + value + "'", ex);
		}
	}

}
