package dev.offload.worker.catalogue.orderexport;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.offload.model.ReportFormat;
import dev.offload.model.ReportParameter;
import dev.offload.worker.catalogue.RecordingDocument;
import dev.offload.worker.catalogue.RecordingDocument.Table;
import dev.offload.worker.catalogue.ReportParameters;
import dev.offload.worker.catalogue.ReportParametersException;
import dev.offload.worker.catalogue.SeededSales;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The order export against seeded sales: its rows are exactly the lines PostgreSQL
 * selects with an independent query, in date and order, and its figures agree.
 */
class OrderExportReportTests {

	private static final LocalDate FROM = LocalDate.of(2022, 1, 1);

	private static final LocalDate TO = LocalDate.of(2023, 6, 30);

	/** The tests' own join and filters, not the report's. */
	private static final String LINES = """
			  FROM sales.order_lines l
			  JOIN sales.orders o ON o.id = l.order_id
			  JOIN sales.customers c ON c.id = o.customer_id
			  JOIN sales.regions r ON r.id = c.region_id
			  JOIN sales.products p ON p.id = l.product_id
			 WHERE o.ordered_on BETWEEN CAST(:from AS date) AND CAST(:to AS date)
			   AND (CAST(:region AS text) IS NULL OR r.name = :region)
			   AND (CAST(:category AS text) IS NULL OR p.category = :category)
			""";

	private static SeededSales sales;

	private static JdbcClient jdbc;

	private static OrderExportReport report;

	@BeforeAll
	static void seed() {
		sales = SeededSales.create(2_000);
		jdbc = sales.jdbc();
		report = new OrderExportReport(sales.reportData());
	}

	@AfterAll
	static void drop() {
		if (sales != null) {
			sales.close();
		}
	}

	@Test
	void rowCountAndAmountsMatchSql() {
		RecordingDocument document = build(FROM, TO, null, null);
		Table lines = document.table("Order lines");

		Map<String, Object> expected = expectedTotals(FROM, TO, null, null);
		assertThat(lines.rowCount()).isEqualTo(expected.get("lines")).isEqualTo(lines.rows().size());
		assertThat(lines.sum("Amount")).isEqualByComparingTo((BigDecimal) expected.get("revenue"));
		assertThat(lines.sum("Quantity")).isEqualByComparingTo(BigDecimal.valueOf((Long) expected.get("units")));
		assertKeyFigures(document, expected);
	}

	@Test
	void rowsAreTheLinesInDateAndOrderOrderWithTheirAmounts() {
		LocalDate from = LocalDate.of(2024, 5, 1);
		LocalDate to = LocalDate.of(2024, 5, 31);
		RecordingDocument document = build(from, to, null, null);

		List<List<Object>> expected = jdbc.sql("""
				SELECT o.id, o.ordered_on, c.id AS customer_id, c.name AS customer, r.name AS region, p.sku,
				       p.name AS product, p.category, l.quantity, l.unit_price, l.quantity * l.unit_price AS amount
				""" + LINES + " ORDER BY o.ordered_on, o.id, l.line_no")
			.params(params(from, to, null, null))
			.query((rs, row) -> List.<Object>of(rs.getLong("id"), rs.getObject("ordered_on", LocalDate.class),
					rs.getLong("customer_id"), rs.getString("customer"), rs.getString("region"), rs.getString("sku"),
					rs.getString("product"), rs.getString("category"), rs.getInt("quantity"),
					rs.getBigDecimal("unit_price"), rs.getBigDecimal("amount")))
			.list();
		Table lines = document.table("Order lines");
		assertThat(expected).isNotEmpty();
		assertThat(lines.rows()).isEqualTo(expected);
		assertThat(lines.columnNames()).containsExactly("Order", "Date", "Customer id", "Customer", "Region", "SKU",
				"Product", "Category", "Quantity", "Unit price", "Amount");
	}

	@Test
	void keyFiguresFollowTheOneTable() {
		RecordingDocument document = build(FROM, TO, null, null);

		assertThat(document.sections()).hasSize(2);
		assertThat(document.sections().get(0)).isInstanceOf(Table.class);
		assertThat(document.sections().get(1)).isInstanceOf(RecordingDocument.Figures.class);
		assertThat(document.table("Order lines").closed()).isTrue();
	}

	@Test
	void ordersOfManyLinesOnADayOfManyOrdersAreEachCountedOnce() {
		// A count that took each line for an order, or each day for one, would be off.
		LocalDate day = jdbc.sql("""
				SELECT o.ordered_on FROM sales.orders o JOIN sales.order_lines l ON l.order_id = o.id
				 WHERE o.ordered_on BETWEEN CAST(:from AS date) AND CAST(:to AS date)
				 GROUP BY o.ordered_on HAVING count(DISTINCT o.id) > 1 AND count(*) > count(DISTINCT o.id)
				 ORDER BY o.ordered_on LIMIT 1
				""").param("from", FROM).param("to", TO).query(LocalDate.class).single();
		RecordingDocument document = build(day, day, null, null);

		Map<String, Object> expected = expectedTotals(day, day, null, null);
		assertThat((Long) expected.get("lines")).isGreaterThan((Long) expected.get("orders"));
		assertKeyFigures(document, expected);
	}

	@Test
	void aRegionFilterKeepsOnlyItsLines() {
		String region = jdbc.sql("SELECT name FROM sales.regions ORDER BY id LIMIT 1").query(String.class).single();
		RecordingDocument document = build(FROM, TO, region, null);
		Table lines = document.table("Order lines");

		Map<String, Object> expected = expectedTotals(FROM, TO, region, null);
		assertThat(lines.rowCount()).isEqualTo(expected.get("lines"))
			.isLessThan((Long) expectedTotals(FROM, TO, null, null).get("lines"));
		assertThat(lines.sum("Amount")).isEqualByComparingTo((BigDecimal) expected.get("revenue"));
		assertThat(lines.column("Region")).containsOnly(region);
	}

	@Test
	void aCategoryFilterKeepsOnlyItsLines() {
		String category = jdbc.sql("SELECT min(category) FROM sales.products").query(String.class).single();
		RecordingDocument document = build(FROM, TO, null, category);
		Table lines = document.table("Order lines");

		Map<String, Object> expected = expectedTotals(FROM, TO, null, category);
		assertThat(lines.rowCount()).isEqualTo(expected.get("lines"));
		assertThat(lines.sum("Amount")).isEqualByComparingTo((BigDecimal) expected.get("revenue"));
		assertThat(lines.column("Category")).containsOnly(category);
		// An order counts if one of its lines is of the category, and its other lines
		// are not written.
		assertThat(document.keyFigure("Key figures", "Orders")).isEqualTo(expected.get("orders"));
		assertThat(document.keyFigure("Key figures", "Units")).isEqualTo(expected.get("units"));
	}

	@Test
	void bothFiltersTogether() {
		String region = jdbc.sql("SELECT name FROM sales.regions ORDER BY id DESC LIMIT 1")
			.query(String.class)
			.single();
		String category = jdbc.sql("SELECT max(category) FROM sales.products").query(String.class).single();
		RecordingDocument document = build(FROM, TO, region, category);
		Table lines = document.table("Order lines");

		Map<String, Object> expected = expectedTotals(FROM, TO, region, category);
		assertThat((Long) expected.get("lines")).isPositive();
		assertThat(lines.rowCount()).isEqualTo(expected.get("lines"));
		assertThat(lines.sum("Amount")).isEqualByComparingTo((BigDecimal) expected.get("revenue"));
		assertThat(document.keyFigure("Key figures", "Orders")).isEqualTo(expected.get("orders"));
		assertThat(document.keyFigure("Key figures", "Units")).isEqualTo(expected.get("units"));
		assertThat(report.fileName(parameters(FROM, TO, region, category)))
			.isEqualTo("order-export-2022-01-01-2023-06-30-" + region.toLowerCase().replace(' ', '-') + "-"
					+ category.toLowerCase());
	}

	@Test
	void progressRunsWithTheDatesOfTheLinesWrittenUpTo100() {
		List<Integer> reported = new ArrayList<>();

		// Never told twice for lines of the same percent (which happens every 16,384
		// lines by default), to count the percents.
		RecordingDocument.build(new OrderExportReport(sales.reportData(), Integer.MAX_VALUE),
				values(FROM, TO, null, null), reported::add);

		// 546 days, with orders on most of them: nearly every percent is told, once.
		assertThat(reported).isSorted().doesNotHaveDuplicates().hasSizeGreaterThan(90).endsWith(100);
	}

	@Test
	void progressStartsAtTheShareOfThePeriodBeforeTheFirstLine() {
		// A period that begins long before the first order: the first line is told at
		// the share of the period's days before its date, not at 0 as a count of lines
		// would be.
		LocalDate from = LocalDate.of(2000, 1, 1);
		LocalDate first = jdbc.sql("SELECT min(ordered_on) FROM sales.orders").query(LocalDate.class).single();
		LocalDate to = first.plusDays(30);
		long days = ChronoUnit.DAYS.between(from, to) + 1;
		List<Integer> reported = new ArrayList<>();

		RecordingDocument.build(report, values(from, to, null, null), reported::add);

		int expected = (int) (ChronoUnit.DAYS.between(from, first) * 100 / days);
		assertThat(expected).isGreaterThan(90);
		assertThat(reported.get(0)).isEqualTo(expected);
		assertThat(reported).isSorted().endsWith(100);
	}

	@Test
	void theLinesOfOneDayStillTellProgressAsTheyAreWritten() {
		// A period of one day stays at 0 (no day of it is before the line's) until the
		// end: progress is still told for its first line and every so many lines after
		// it (here 2), which is where the pipeline stops a report that has run out of
		// time.
		LocalDate day = jdbc.sql("""
				SELECT o.ordered_on FROM sales.orders o JOIN sales.order_lines l ON l.order_id = o.id
				 GROUP BY o.ordered_on ORDER BY count(*) DESC, o.ordered_on LIMIT 1
				""").query(LocalDate.class).single();
		long lines = (Long) expectedTotals(day, day, null, null).get("lines");
		List<Integer> reported = new ArrayList<>();

		RecordingDocument.build(new OrderExportReport(sales.reportData(), 2), values(day, day, null, null),
				reported::add);

		assertThat(lines).isGreaterThanOrEqualTo(4);
		assertThat(reported).hasSize((int) (lines / 2) + 2).endsWith(100);
		assertThat(reported.subList(0, reported.size() - 1)).containsOnly(0);
	}

	@Test
	void aPeriodWithoutOrdersGivesAnEmptyTable() {
		RecordingDocument document = build(LocalDate.of(2030, 1, 1), LocalDate.of(2030, 12, 31), null, null);

		assertThat(document.table("Order lines").rowCount()).isZero();
		assertThat(document.keyFigure("Key figures", "Order lines")).isEqualTo(0L);
		assertThat(document.keyFigure("Key figures", "Orders")).isEqualTo(0L);
		assertThat(document.keyFigure("Key figures", "Units")).isEqualTo(0L);
		assertThat((BigDecimal) document.keyFigure("Key figures", "Revenue")).isZero();
	}

	@Test
	void descriptorOffersCsvAndXlsxAndTheSeededChoices() {
		assertThat(report.descriptor().name()).isEqualTo("ORDER_EXPORT");
		assertThat(report.descriptor().version()).isEqualTo(1);
		assertThat(report.descriptor().formats()).containsExactly(ReportFormat.CSV, ReportFormat.XLSX);
		assertThat(report.descriptor().parameters()).extracting(ReportParameter::name)
			.containsExactly("from", "to", "region", "category");
		assertThat(report.descriptor().parameter("region").choices())
			.isEqualTo(jdbc.sql("SELECT name FROM sales.regions ORDER BY id").query(String.class).list());
		assertThat(report.descriptor().parameter("category").choices()).containsExactlyInAnyOrderElementsOf(
				jdbc.sql("SELECT DISTINCT category FROM sales.products").query(String.class).list());
		assertThat(report.fileName(parameters(FROM, TO, null, null))).isEqualTo("order-export-2022-01-01-2023-06-30");
	}

	@Test
	void aCategoryThatIsNotOfferedIsRejected() {
		assertThatExceptionOfType(ReportParametersException.class).isThrownBy(() -> build(FROM, TO, null, "Garden"))
			.withMessageContaining("'category'");
	}

	/** Each of the document's key figures equals its total in {@link #expectedTotals}. */
	private static void assertKeyFigures(RecordingDocument document, Map<String, Object> expected) {
		assertThat(document.keyFigure("Key figures", "Order lines")).isEqualTo(expected.get("lines"));
		assertThat(document.keyFigure("Key figures", "Orders")).isEqualTo(expected.get("orders"));
		assertThat(document.keyFigure("Key figures", "Units")).isEqualTo(expected.get("units"));
		assertThat((BigDecimal) document.keyFigure("Key figures", "Revenue"))
			.isEqualByComparingTo((BigDecimal) expected.get("revenue"));
	}

	private static Map<String, Object> expectedTotals(LocalDate from, LocalDate to, String region, String category) {
		return jdbc.sql("""
				SELECT count(*) AS lines, count(DISTINCT o.id) AS orders, coalesce(sum(l.quantity), 0) AS units,
				       coalesce(sum(l.quantity * l.unit_price), 0) AS revenue
				""" + LINES).params(params(from, to, region, category)).query().singleRow();
	}

	private static RecordingDocument build(LocalDate from, LocalDate to, String region, String category) {
		return RecordingDocument.build(report, values(from, to, region, category));
	}

	private static ReportParameters parameters(LocalDate from, LocalDate to, String region, String category) {
		return ReportParameters.of(report.descriptor(), values(from, to, region, category));
	}

	private static Map<String, String> values(LocalDate from, LocalDate to, String region, String category) {
		Map<String, String> values = new HashMap<>();
		values.put("from", from.toString());
		values.put("to", to.toString());
		if (region != null) {
			values.put("region", region);
		}
		if (category != null) {
			values.put("category", category);
		}
		return values;
	}

	private static Map<String, Object> params(LocalDate from, LocalDate to, String region, String category) {
		Map<String, Object> params = new HashMap<>();
		params.put("from", from);
		params.put("to", to);
		params.put("region", region);
		params.put("category", category);
		return params;
	}

}
