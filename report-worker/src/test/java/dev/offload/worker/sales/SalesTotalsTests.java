package dev.offload.worker.sales;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.Map;

import dev.offload.worker.catalogue.SeededSales;
import dev.offload.worker.sales.SalesLines.SalesTotals;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link SalesLines#totals} joins only the tables its filters need: its totals must be
 * those of every line with its order, customer, region and product, whatever the filters,
 * as PostgreSQL answers them over the full join.
 */
class SalesTotalsTests {

	private static final LocalDate FROM = LocalDate.of(2023, 3, 1);

	private static final LocalDate TO = LocalDate.of(2024, 2, 29);

	private static SeededSales sales;

	private static JdbcClient jdbc;

	@BeforeAll
	static void seed() {
		sales = SeededSales.create(2_000);
		jdbc = sales.jdbc();
	}

	@AfterAll
	static void drop() {
		if (sales != null) {
			sales.close();
		}
	}

	@Test
	void totalsOfEveryLineInTheRange() {
		assertTotals(SalesLines.between(FROM, TO), null, null, null);
	}

	@Test
	void totalsOfOneRegion() {
		String region = jdbc.sql("SELECT name FROM sales.regions ORDER BY id DESC LIMIT 1")
			.query(String.class)
			.single();
		assertTotals(SalesLines.between(FROM, TO).inRegion(region), region, null, null);
	}

	@Test
	void totalsOfOneCategory() {
		String category = jdbc.sql("SELECT min(category) FROM sales.products").query(String.class).single();
		assertTotals(SalesLines.between(FROM, TO).inCategory(category), null, category, null);
	}

	@Test
	void totalsOfOneRegionAndCategory() {
		String region = jdbc.sql("SELECT name FROM sales.regions ORDER BY id LIMIT 1").query(String.class).single();
		String category = jdbc.sql("SELECT max(category) FROM sales.products").query(String.class).single();
		assertTotals(SalesLines.between(FROM, TO).inRegion(region).inCategory(category), region, category, null);
	}

	@Test
	void totalsOfOneCustomer() {
		long customer = jdbc.sql("SELECT customer_id FROM sales.orders WHERE ordered_on BETWEEN :from AND :to LIMIT 1")
			.param("from", FROM)
			.param("to", TO)
			.query(Long.class)
			.single();
		assertTotals(SalesLines.between(FROM, TO).ofCustomer(customer), null, null, customer);
	}

	@Test
	void totalsOfNoLineAreZero() {
		SalesTotals totals = SalesLines.between(LocalDate.of(1990, 1, 1), LocalDate.of(1990, 12, 31)).totals(jdbc);
		assertThat(totals.lines()).isZero();
		assertThat(totals.orders()).isZero();
		assertThat(totals.units()).isZero();
		assertThat(totals.revenue()).isEqualByComparingTo(BigDecimal.ZERO);
	}

	private static void assertTotals(SalesLines lines, String region, String category, Long customer) {
		Map<String, Object> params = new HashMap<>();
		params.put("from", FROM);
		params.put("to", TO);
		params.put("region", region);
		params.put("category", category);
		params.put("customer", customer);
		Map<String, Object> expected = jdbc.sql("""
				SELECT count(DISTINCT o.id) AS orders, count(*) AS lines, sum(l.quantity) AS units,
				       sum(l.quantity * l.unit_price) AS revenue
				  FROM sales.order_lines l
				  JOIN sales.orders o ON o.id = l.order_id
				  JOIN sales.customers c ON c.id = o.customer_id
				  JOIN sales.regions r ON r.id = c.region_id
				  JOIN sales.products p ON p.id = l.product_id
				 WHERE o.ordered_on BETWEEN :from AND :to
				   AND (CAST(:region AS text) IS NULL OR r.name = :region)
				   AND (CAST(:category AS text) IS NULL OR p.category = :category)
				   AND (CAST(:customer AS bigint) IS NULL OR o.customer_id = :customer)
				""").params(params).query().singleRow();
		SalesTotals totals = lines.totals(jdbc);
		assertThat((Long) expected.get("lines")).as("lines to compare").isPositive();
		assertThat(totals.lines()).isEqualTo(expected.get("lines"));
		assertThat(totals.orders()).isEqualTo(expected.get("orders"));
		assertThat(totals.units()).isEqualTo(((Number) expected.get("units")).longValue());
		assertThat(totals.revenue()).isEqualByComparingTo((BigDecimal) expected.get("revenue"));
	}

}
