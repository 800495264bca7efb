package dev.offload.worker.catalogue.salessummary;

import java.math.BigDecimal;
import java.time.LocalDate;
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
import dev.offload.worker.render.Chart;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The sales summary against seeded sales: every figure checked against PostgreSQL's own
 * answer to an independent query over the same data.
 */
class SalesSummaryReportTests {

	private static final LocalDate FROM = LocalDate.of(2023, 3, 1);

	private static final LocalDate TO = LocalDate.of(2024, 2, 29);

	/** The tests' own join, not the report's. */
	private static final String LINES = """
			  FROM sales.orders o
			  JOIN sales.order_lines l ON l.order_id = o.id
			  JOIN sales.customers c ON c.id = o.customer_id
			  JOIN sales.regions r ON r.id = c.region_id
			  JOIN sales.products p ON p.id = l.product_id
			 WHERE o.ordered_on BETWEEN CAST(:from AS date) AND CAST(:to AS date)
			   AND (CAST(:region AS text) IS NULL OR r.name = :region)
			""";

	private static SeededSales sales;

	private static JdbcClient jdbc;

	private static SalesSummaryReport report;

	@BeforeAll
	static void seed() {
		sales = SeededSales.create(2_000);
		jdbc = sales.jdbc();
		report = new SalesSummaryReport(sales.reportData());
	}

	@AfterAll
	static void drop() {
		if (sales != null) {
			sales.close();
		}
	}

	@Test
	void keyFiguresMatchAnIndependentQuery() {
		RecordingDocument document = build(FROM, TO, null);

		Map<String, Object> expected = jdbc.sql("""
				SELECT sum(l.quantity * l.unit_price) AS revenue, count(DISTINCT o.id) AS orders,
				       count(*) AS lines, sum(l.quantity) AS units,
				       round(sum(l.quantity * l.unit_price) / count(DISTINCT o.id), 2) AS average
				""" + LINES).params(params(FROM, TO, null)).query().singleRow();
		assertThat((BigDecimal) document.keyFigure("Key figures", "Revenue"))
			.isEqualByComparingTo((BigDecimal) expected.get("revenue"));
		assertThat(document.keyFigure("Key figures", "Orders")).isEqualTo(expected.get("orders"));
		assertThat(document.keyFigure("Key figures", "Order lines")).isEqualTo(expected.get("lines"));
		assertThat(document.keyFigure("Key figures", "Units")).isEqualTo(expected.get("units"));
		assertThat((BigDecimal) document.keyFigure("Key figures", "Average order value"))
			.isEqualByComparingTo((BigDecimal) expected.get("average"));
		assertThat(document.title()).isEqualTo("Sales summary");
		assertThat(document.subtitle()).isEqualTo("2023-03-01 to 2024-02-29");
		assertThat(document.finished()).isTrue();
	}

	@Test
	void changesCompareWithThePreviousPeriodOfTheSameLength() {
		RecordingDocument document = build(FROM, TO, null);

		// 366 days back from 2023-03-01 is 2022-02-28; SQL works it out on its own.
		Map<String, Object> expected = jdbc.sql("""
				WITH current_period AS (
				       SELECT sum(l.quantity * l.unit_price) AS revenue, count(DISTINCT o.id) AS orders
				""" + LINES + """
				), previous_period AS (
				       SELECT sum(l.quantity * l.unit_price) AS revenue, count(DISTINCT o.id) AS orders
				         FROM sales.orders o JOIN sales.order_lines l ON l.order_id = o.id
				        WHERE o.ordered_on BETWEEN CAST(:from AS date) - (CAST(:to AS date) - CAST(:from AS date) + 1)
				                               AND CAST(:from AS date) - 1
				)
				SELECT p.revenue AS previous_revenue,
				       round((c.revenue - p.revenue) / p.revenue, 4) AS revenue_change,
				       round((c.orders - p.orders)::numeric / p.orders, 4) AS orders_change
				  FROM current_period c, previous_period p
				""").params(params(FROM, TO, null)).query().singleRow();
		assertThat((BigDecimal) expected.get("previous_revenue")).isPositive();
		assertThat((BigDecimal) document.keyFigure("Key figures", "Revenue change"))
			.isEqualByComparingTo((BigDecimal) expected.get("revenue_change"));
		assertThat((BigDecimal) document.keyFigure("Key figures", "Orders change"))
			.isEqualByComparingTo((BigDecimal) expected.get("orders_change"));
		assertThat(document.paragraphs()).anySatisfy((text) -> assertThat(text).contains("2022-02-28 to 2023-02-28"));
	}

	@Test
	void changesAreEmptyWhenThePreviousPeriodHasNoOrders() {
		// The data starts on 2021-01-01, so the quarter before this one is empty.
		RecordingDocument document = build(LocalDate.of(2021, 1, 1), LocalDate.of(2021, 3, 31), null);

		assertThat((BigDecimal) document.keyFigure("Key figures", "Revenue")).isPositive();
		assertThat(document.keyFigure("Key figures", "Revenue change")).isNull();
		assertThat(document.keyFigure("Key figures", "Orders change")).isNull();
	}

	@Test
	void pivotHasEveryMonthAndRegionWithSqlsRevenue() {
		RecordingDocument document = build(FROM, TO, null);
		Table pivot = document.table("Revenue by month and region");

		List<String> regions = jdbc.sql("SELECT name FROM sales.regions ORDER BY name").query(String.class).list();
		List<String> columns = new ArrayList<>();
		columns.add("Month");
		columns.addAll(regions);
		columns.add("Total");
		assertThat(pivot.columnNames()).isEqualTo(columns);
		assertThat(pivot.column("Month")).containsExactly("2023-03", "2023-04", "2023-05", "2023-06", "2023-07",
				"2023-08", "2023-09", "2023-10", "2023-11", "2023-12", "2024-01", "2024-02", "Total");
		jdbc.sql("""
				SELECT to_char(o.ordered_on, 'YYYY-MM') AS month, r.name AS region,
				       sum(l.quantity * l.unit_price) AS revenue
				""" + LINES + " GROUP BY 1, 2").params(params(FROM, TO, null)).query((rs) -> {
			int row = pivot.column("Month").indexOf(rs.getString("month"));
			assertThat((BigDecimal) pivot.rows().get(row).get(columns.indexOf(rs.getString("region"))))
				.as("%s in %s", rs.getString("month"), rs.getString("region"))
				.isEqualByComparingTo(rs.getBigDecimal("revenue"));
		});
		jdbc.sql("SELECT to_char(o.ordered_on, 'YYYY-MM') AS month, sum(l.quantity * l.unit_price) AS revenue " + LINES
				+ " GROUP BY 1")
			.params(params(FROM, TO, null))
			.query((rs) -> {
				int row = pivot.column("Month").indexOf(rs.getString("month"));
				assertThat((BigDecimal) pivot.rows().get(row).get(columns.size() - 1))
					.isEqualByComparingTo(rs.getBigDecimal("revenue"));
			});
		List<Object> totalRow = pivot.rows().get(pivot.rows().size() - 1);
		assertThat((BigDecimal) totalRow.get(columns.size() - 1)).isEqualByComparingTo(revenue(FROM, TO, null));
		for (int i = 1; i <= regions.size(); i++) {
			assertThat((BigDecimal) totalRow.get(i)).isEqualByComparingTo(revenue(FROM, TO, regions.get(i - 1)));
		}
	}

	@Test
	void chartShowsTheMonthlyRevenueOfEveryRegion() {
		RecordingDocument document = build(FROM, TO, null);
		Table pivot = document.table("Revenue by month and region");
		Chart chart = document.chart("Monthly revenue by region");

		assertThat(chart.kind()).isEqualTo(Chart.Kind.BAR);
		List<Object> months = pivot.column("Month");
		assertThat(chart.categories()).isEqualTo(months.subList(0, months.size() - 1));
		assertThat(chart.series()).hasSize(8);
		for (Chart.Series series : chart.series()) {
			List<Object> column = pivot.column(series.name());
			assertThat(series.values()).usingElementComparator((a, b) -> ((BigDecimal) a).compareTo((BigDecimal) b))
				.isEqualTo(column.subList(0, column.size() - 1));
		}
	}

	@Test
	void topProductsAreTheTenWithTheMostRevenue() {
		RecordingDocument document = build(FROM, TO, null);
		Table top = document.table("Top products");

		List<List<Object>> expected = jdbc.sql("""
				SELECT p.sku, p.name, p.category, sum(l.quantity) AS units, sum(l.quantity * l.unit_price) AS revenue,
				       round(sum(l.quantity * l.unit_price)
				             / (SELECT sum(l2.quantity * l2.unit_price) FROM sales.orders o2
				                  JOIN sales.order_lines l2 ON l2.order_id = o2.id
				                 WHERE o2.ordered_on BETWEEN CAST(:from AS date) AND CAST(:to AS date)), 4) AS share
				""" + LINES + """
				 GROUP BY p.sku, p.name, p.category
				 ORDER BY revenue DESC, p.sku
				 LIMIT 10
				""")
			.params(params(FROM, TO, null))
			.query((rs, row) -> List.<Object>of(rs.getString("sku"), rs.getString("name"), rs.getString("category"),
					rs.getLong("units"), rs.getBigDecimal("revenue"), rs.getBigDecimal("share")))
			.list();
		assertThat(top.columnNames()).containsExactly("SKU", "Product", "Category", "Units", "Revenue",
				"Share of revenue");
		assertThat(top.rows()).isEqualTo(expected);
	}

	@Test
	void totalsTableAgreesWithTheKeyFigures() {
		RecordingDocument document = build(FROM, TO, null);

		List<Object> totals = document.table("Totals").rows().get(0);
		assertThat(totals).containsExactly(document.keyFigure("Key figures", "Orders"),
				document.keyFigure("Key figures", "Order lines"), document.keyFigure("Key figures", "Units"),
				document.keyFigure("Key figures", "Revenue"));
		assertThat(document.tableHeadings()).containsExactly("Revenue by month and region", "Top products", "Totals");
	}

	@Test
	void aRegionLimitsEveryFigureToIt() {
		String region = jdbc.sql("SELECT name FROM sales.regions ORDER BY id DESC LIMIT 1")
			.query(String.class)
			.single();
		RecordingDocument document = build(FROM, TO, region);

		assertThat((BigDecimal) document.keyFigure("Key figures", "Revenue"))
			.isEqualByComparingTo(revenue(FROM, TO, region))
			.isLessThan(revenue(FROM, TO, null));
		Table pivot = document.table("Revenue by month and region");
		assertThat(pivot.columnNames()).containsExactly("Month", region, "Total");
		assertThat(pivot.column(region)).isEqualTo(pivot.column("Total"));
		assertThat(document.subtitle()).isEqualTo("2023-03-01 to 2024-02-29, " + region);
		assertThat(report.fileName(parameters(FROM, TO, region)))
			.isEqualTo("sales-summary-2023-03-01-2024-02-29-" + region.toLowerCase().replace(' ', '-'));
	}

	@Test
	void aPeriodWithoutOrdersGivesZerosAndNoAverage() {
		RecordingDocument document = build(LocalDate.of(2030, 1, 1), LocalDate.of(2030, 1, 31), null);

		assertThat((BigDecimal) document.keyFigure("Key figures", "Revenue")).isZero();
		assertThat(document.keyFigure("Key figures", "Orders")).isEqualTo(0L);
		assertThat(document.keyFigure("Key figures", "Average order value")).isNull();
		assertThat(document.keyFigure("Key figures", "Revenue change")).isNull();
		assertThat(document.table("Top products").rowCount()).isZero();
		assertThat(document.table("Revenue by month and region").column("Month")).containsExactly("2030-01", "Total");
	}

	@Test
	void descriptorOffersTheSeededRegionsAndThreeFormats() {
		List<String> regions = jdbc.sql("SELECT name FROM sales.regions ORDER BY id").query(String.class).list();

		assertThat(report.descriptor().name()).isEqualTo("SALES_SUMMARY");
		assertThat(report.descriptor().version()).isEqualTo(1);
		assertThat(report.descriptor().hidden()).isFalse();
		assertThat(report.descriptor().formats()).containsExactly(ReportFormat.CSV, ReportFormat.XLSX,
				ReportFormat.PDF);
		assertThat(report.descriptor().parameters()).extracting(ReportParameter::name)
			.containsExactly("from", "to", "region");
		ReportParameter region = report.descriptor().parameter("region");
		assertThat(region.required()).isFalse();
		assertThat(region.choices()).isEqualTo(regions);
		assertThat(report.descriptor().parameter("to").notBefore()).isEqualTo("from");
		assertThat(report.fileName(parameters(FROM, TO, null))).isEqualTo("sales-summary-2023-03-01-2024-02-29");
	}

	@Test
	void aRangeThatEndsBeforeItStartsIsRejected() {
		assertThatExceptionOfType(ReportParametersException.class)
			.isThrownBy(() -> build(LocalDate.of(2024, 3, 1), LocalDate.of(2024, 2, 1), null))
			.withMessageContaining("after");
	}

	private static RecordingDocument build(LocalDate from, LocalDate to, String region) {
		return RecordingDocument.build(report, values(from, to, region));
	}

	private static ReportParameters parameters(LocalDate from, LocalDate to, String region) {
		return ReportParameters.of(report.descriptor(), values(from, to, region));
	}

	private static Map<String, String> values(LocalDate from, LocalDate to, String region) {
		return (region != null) ? Map.of("from", from.toString(), "to", to.toString(), "region", region)
				: Map.of("from", from.toString(), "to", to.toString());
	}

	private static BigDecimal revenue(LocalDate from, LocalDate to, String region) {
		return jdbc.sql("SELECT coalesce(sum(l.quantity * l.unit_price), 0) " + LINES)
			.params(params(from, to, region))
			.query(BigDecimal.class)
			.single();
	}

	private static Map<String, Object> params(LocalDate from, LocalDate to, String region) {
		Map<String, Object> params = new HashMap<>();
		params.put("from", from);
		params.put("to", to);
		params.put("region", region);
		return params;
	}

}
