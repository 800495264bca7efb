package dev.offload.worker.catalogue.productperformance;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
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
 * Product performance against seeded sales: categories, products with their growth, and
 * the top and bottom products, each checked against independent SQL.
 */
class ProductPerformanceReportTests {

	/**
	 * Half a year: with the small seed many products sell in only one of it and the half
	 * before, so growth has every case (up, down, gone, new).
	 */
	private static final LocalDate FROM = LocalDate.of(2023, 1, 1);

	private static final LocalDate TO = LocalDate.of(2023, 6, 30);

	/** The tests' own join, with the previous period worked out by SQL. */
	private static final String SALES_BY_PRODUCT = """
			SELECT p.sku, p.name, p.category, sum(l.quantity) AS units, sum(l.quantity * l.unit_price) AS revenue
			  FROM sales.orders o
			  JOIN sales.order_lines l ON l.order_id = o.id
			  JOIN sales.products p ON p.id = l.product_id
			 WHERE o.ordered_on BETWEEN %s AND %s
			   AND (CAST(:category AS text) IS NULL OR p.category = :category)
			 GROUP BY p.sku, p.name, p.category
			""";

	private static final String CURRENT = SALES_BY_PRODUCT.formatted("CAST(:from AS date)", "CAST(:to AS date)");

	private static final String PREVIOUS = SALES_BY_PRODUCT
		.formatted("CAST(:from AS date) - (CAST(:to AS date) - CAST(:from AS date) + 1)", "CAST(:from AS date) - 1");

	private static SeededSales sales;

	private static JdbcClient jdbc;

	private static ProductPerformanceReport report;

	@BeforeAll
	static void seed() {
		sales = SeededSales.create(2_000);
		jdbc = sales.jdbc();
		report = new ProductPerformanceReport(sales.reportData());
	}

	@AfterAll
	static void drop() {
		if (sales != null) {
			sales.close();
		}
	}

	@Test
	void keyFiguresMatchAnIndependentQuery() {
		RecordingDocument document = build(Map.of());

		Map<String, Object> expected = jdbc
			.sql("""
					WITH current_period AS (%s), previous_period AS (%s)
					SELECT (SELECT sum(revenue) FROM current_period) AS revenue,
					       (SELECT sum(units) FROM current_period) AS units,
					       (SELECT count(*) FROM current_period) AS products,
					       round(((SELECT sum(revenue) FROM current_period) - (SELECT sum(revenue) FROM previous_period))
					             / (SELECT sum(revenue) FROM previous_period), 4) AS revenue_change,
					       round(((SELECT sum(units) FROM current_period) - (SELECT sum(units) FROM previous_period))::numeric
					             / (SELECT sum(units) FROM previous_period), 4) AS units_change
					"""
				.formatted(CURRENT, PREVIOUS))
			.params(params(null))
			.query()
			.singleRow();
		assertThat((BigDecimal) document.keyFigure("Key figures", "Revenue"))
			.isEqualByComparingTo((BigDecimal) expected.get("revenue"));
		assertThat(document.keyFigure("Key figures", "Units")).isEqualTo(((Number) expected.get("units")).longValue());
		assertThat(document.keyFigure("Key figures", "Products sold")).isEqualTo(expected.get("products"));
		assertThat((BigDecimal) expected.get("revenue_change")).isNotNull();
		assertThat((BigDecimal) document.keyFigure("Key figures", "Revenue change"))
			.isEqualByComparingTo((BigDecimal) expected.get("revenue_change"));
		assertThat((BigDecimal) document.keyFigure("Key figures", "Units change"))
			.isEqualByComparingTo((BigDecimal) expected.get("units_change"));
	}

	@Test
	void categoriesMatchSqlInTheTableAndTheChart() {
		RecordingDocument document = build(Map.of());

		List<List<Object>> expected = jdbc.sql("""
				SELECT category, sum(units) AS units, sum(revenue) AS revenue,
				       round(sum(revenue) / (SELECT sum(revenue) FROM (%1$s) AS t), 4) AS share
				  FROM (%1$s) AS products
				 GROUP BY category
				 ORDER BY category
				""".formatted(CURRENT))
			.params(params(null))
			.query((rs, row) -> List.<Object>of(rs.getString("category"), rs.getLong("units"),
					rs.getBigDecimal("revenue"), rs.getBigDecimal("share")))
			.list();
		Table categories = document.table("Revenue and units by category");
		assertThat(categories.rows()).isEqualTo(expected);
		Chart chart = document.chart("Revenue by category");
		assertThat(chart.kind()).isEqualTo(Chart.Kind.BAR);
		assertThat(chart.categories()).isEqualTo(categories.column("Category"));
		assertThat(chart.series()).singleElement()
			.satisfies((series) -> assertThat(series.values()).isEqualTo(categories.column("Revenue")));
	}

	@Test
	void productsShowTheirGrowthAgainstThePreviousPeriod() {
		RecordingDocument document = build(Map.of());

		List<List<Object>> expected = jdbc.sql("""
				WITH current_period AS (%s), previous_period AS (%s)
				SELECT coalesce(c.sku, p.sku) AS sku, coalesce(c.name, p.name) AS name,
				       coalesce(c.category, p.category) AS category, coalesce(c.units, 0) AS units,
				       coalesce(c.revenue, 0) AS revenue, p.revenue AS previous_revenue,
				       round((coalesce(c.revenue, 0) - p.revenue) / p.revenue, 4) AS growth
				  FROM current_period c FULL JOIN previous_period p ON p.sku = c.sku
				 ORDER BY c.sku IS NULL, coalesce(c.revenue, p.revenue) DESC, 1
				""".formatted(CURRENT, PREVIOUS))
			.params(params(null))
			.query((rs, row) -> Arrays.<Object>asList(rs.getString("sku"), rs.getString("name"),
					rs.getString("category"), rs.getLong("units"), rs.getBigDecimal("revenue"),
					rs.getBigDecimal("previous_revenue"), rs.getBigDecimal("growth")))
			.list();
		Table products = document.table("Products");
		assertThat(products.columnNames()).containsExactly("SKU", "Product", "Category", "Units", "Revenue",
				"Previous revenue", "Growth");
		assertThat(products.rowCount()).isEqualTo(expected.size());
		for (int i = 0; i < expected.size(); i++) {
			List<Object> row = products.rows().get(i);
			List<Object> want = expected.get(i);
			assertThat(row.subList(0, 4)).isEqualTo(want.subList(0, 4));
			assertThat((BigDecimal) row.get(4)).isEqualByComparingTo((BigDecimal) want.get(4));
			assertDecimal(row.get(5), want.get(5));
			assertDecimal(row.get(6), want.get(6));
		}
		// Every case of growth occurs: none before (null), stopped selling (-100%), and
		// both ways.
		List<Object> growth = products.column("Growth");
		assertThat(growth).containsNull();
		assertThat(growth).anySatisfy((g) -> assertThat((BigDecimal) g).isEqualByComparingTo("-1"));
		assertThat(growth).anySatisfy((g) -> assertThat((BigDecimal) g).isPositive());
	}

	@Test
	void topAndBottomTenAreThoseWithTheMostAndLeastRevenue() {
		RecordingDocument document = build(Map.of());

		assertThat(document.table("Top 10 products by revenue").rows())
			.isEqualTo(ranking("ORDER BY revenue DESC, sku", 10, null));
		assertThat(document.table("Bottom 10 products by revenue").rows())
			.isEqualTo(ranking("ORDER BY revenue, sku", 10, null));
	}

	@Test
	void topTakesAnyNumberUpTo100() {
		RecordingDocument three = build(Map.of("top", "3"));

		assertThat(three.table("Top 3 products by revenue").rows())
			.isEqualTo(ranking("ORDER BY revenue DESC, sku", 3, null));
		assertThat(three.table("Bottom 3 products by revenue").rows())
			.isEqualTo(ranking("ORDER BY revenue, sku", 3, null));
		assertThatExceptionOfType(ReportParametersException.class).isThrownBy(() -> build(Map.of("top", "101")))
			.withMessageContaining("'top'");
		assertThatExceptionOfType(ReportParametersException.class).isThrownBy(() -> build(Map.of("top", "0")))
			.withMessageContaining("'top'");
	}

	@Test
	void aCategoryLimitsEveryTableToIt() {
		String category = jdbc.sql("SELECT min(category) FROM sales.products").query(String.class).single();
		RecordingDocument document = build(Map.of("category", category));

		BigDecimal revenue = jdbc.sql("SELECT sum(revenue) FROM (" + CURRENT + ") AS t")
			.params(params(category))
			.query(BigDecimal.class)
			.single();
		assertThat((BigDecimal) document.keyFigure("Key figures", "Revenue")).isEqualByComparingTo(revenue);
		assertThat(document.table("Revenue and units by category").column("Category")).containsExactly(category);
		assertThat(document.table("Products").column("Category")).containsOnly(category);
		assertThat(document.table("Top 10 products by revenue").rows())
			.isEqualTo(ranking("ORDER BY revenue DESC, sku", 10, category));
		assertThat(report.fileName(ReportParameters.of(report.descriptor(), values(Map.of("category", category)))))
			.isEqualTo("product-performance-2023-01-01-2023-06-30-" + category.toLowerCase());
	}

	@Test
	void descriptorDefaultsTopTo10() {
		ReportParameter top = report.descriptor().parameter("top");

		assertThat(report.descriptor().name()).isEqualTo("PRODUCT_PERFORMANCE");
		assertThat(report.descriptor().version()).isEqualTo(1);
		assertThat(report.descriptor().formats()).containsExactly(ReportFormat.CSV, ReportFormat.XLSX,
				ReportFormat.PDF);
		assertThat(report.descriptor().parameters()).extracting(ReportParameter::name)
			.containsExactly("from", "to", "top", "category");
		assertThat(top.kind()).isEqualTo(ReportParameter.Kind.INTEGER);
		assertThat(top.required()).isFalse();
		assertThat(top.defaultValue()).isEqualTo("10");
		assertThat(top.min()).isEqualTo(1);
		assertThat(top.max()).isEqualTo(100);
		assertThat(report.descriptor().parameter("category").choices()).containsExactlyInAnyOrderElementsOf(
				jdbc.sql("SELECT DISTINCT category FROM sales.products").query(String.class).list());
		assertThat(report.fileName(ReportParameters.of(report.descriptor(), values(Map.of()))))
			.isEqualTo("product-performance-2023-01-01-2023-06-30");
	}

	private static List<List<Object>> ranking(String order, int limit, String category) {
		List<List<Object>> rows = new ArrayList<>();
		jdbc.sql("SELECT * FROM (" + CURRENT + ") AS t " + order + " LIMIT " + limit)
			.params(params(category))
			.query((rs) -> {
				rows.add(List.of(rows.size() + 1, rs.getString("sku"), rs.getString("name"), rs.getString("category"),
						rs.getLong("units"), rs.getBigDecimal("revenue")));
			});
		assertThat(rows).hasSize(limit);
		return rows;
	}

	private static void assertDecimal(Object actual, Object expected) {
		if (expected == null) {
			assertThat(actual).isNull();
		}
		else {
			assertThat((BigDecimal) actual).isEqualByComparingTo((BigDecimal) expected);
		}
	}

	private static RecordingDocument build(Map<String, String> more) {
		return RecordingDocument.build(report, values(more));
	}

	private static Map<String, String> values(Map<String, String> more) {
		Map<String, String> values = new HashMap<>(more);
		values.put("from", FROM.toString());
		values.put("to", TO.toString());
		return values;
	}

	private static Map<String, Object> params(String category) {
		Map<String, Object> params = new HashMap<>();
		params.put("from", FROM);
		params.put("to", TO);
		params.put("category", category);
		return params;
	}

}
