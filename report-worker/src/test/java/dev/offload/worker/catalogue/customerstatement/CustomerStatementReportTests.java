package dev.offload.worker.catalogue.customerstatement;

import java.math.BigDecimal;
import java.time.LocalDate;
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
 * The customer statement against seeded sales: the customer's orders, lines and totals
 * checked against independent SQL, and a customer that does not exist.
 */
class CustomerStatementReportTests {

	private static final LocalDate FROM = LocalDate.of(2021, 1, 1);

	private static final LocalDate TO = LocalDate.of(2023, 12, 31);

	private static SeededSales sales;

	private static JdbcClient jdbc;

	private static CustomerStatementReport report;

	/** The customer with the most orders in the period, so the tables have rows. */
	private static long customerId;

	@BeforeAll
	static void seed() {
		sales = SeededSales.create(2_000);
		jdbc = sales.jdbc();
		report = new CustomerStatementReport(sales.reportData());
		customerId = jdbc.sql("""
				SELECT customer_id FROM sales.orders WHERE ordered_on BETWEEN :from AND :to
				 GROUP BY customer_id ORDER BY count(*) DESC, customer_id LIMIT 1
				""").param("from", FROM).param("to", TO).query(Long.class).single();
	}

	@AfterAll
	static void drop() {
		if (sales != null) {
			sales.close();
		}
	}

	@Test
	void keyFiguresMatchAnIndependentQuery() {
		RecordingDocument document = build(customerId, FROM, TO);

		Map<String, Object> expected = jdbc.sql("""
				SELECT c.name, r.name AS region, count(DISTINCT o.id) AS orders, count(*) AS lines,
				       sum(l.quantity) AS units, sum(l.quantity * l.unit_price) AS total,
				       round(sum(l.quantity * l.unit_price) / count(DISTINCT o.id), 2) AS average
				  FROM sales.customers c
				  JOIN sales.regions r ON r.id = c.region_id
				  JOIN sales.orders o ON o.customer_id = c.id
				  JOIN sales.order_lines l ON l.order_id = o.id
				 WHERE c.id = :id AND o.ordered_on BETWEEN :from AND :to
				 GROUP BY c.name, r.name
				""").param("id", customerId).param("from", FROM).param("to", TO).query().singleRow();
		assertThat((Long) expected.get("orders")).isGreaterThan(1);
		assertThat(document.keyFigure("Customer", "Customer")).isEqualTo(expected.get("name"));
		assertThat(document.keyFigure("Customer", "Customer id")).isEqualTo(customerId);
		assertThat(document.keyFigure("Customer", "Region")).isEqualTo(expected.get("region"));
		assertThat(document.keyFigure("Customer", "Orders")).isEqualTo(expected.get("orders"));
		assertThat(document.keyFigure("Customer", "Units")).isEqualTo(expected.get("units"));
		assertThat((BigDecimal) document.keyFigure("Customer", "Total"))
			.isEqualByComparingTo((BigDecimal) expected.get("total"));
		assertThat((BigDecimal) document.keyFigure("Customer", "Average order"))
			.isEqualByComparingTo((BigDecimal) expected.get("average"));
		assertThat(document.keyFigure("Statement total", "Order lines")).isEqualTo(expected.get("lines"));
		assertThat((BigDecimal) document.keyFigure("Statement total", "Total"))
			.isEqualByComparingTo((BigDecimal) expected.get("total"));
		assertThat(document.subtitle())
			.isEqualTo(expected.get("name") + ", " + expected.get("region") + ", 2021-01-01 to 2023-12-31");
	}

	@Test
	void ordersTableHasEveryOrderOfTheCustomerWithItsTotals() {
		RecordingDocument document = build(customerId, FROM, TO);

		List<List<Object>> expected = jdbc.sql("""
				SELECT o.ordered_on, o.id, count(*) AS lines, sum(l.quantity) AS units,
				       sum(l.quantity * l.unit_price) AS amount
				  FROM sales.orders o JOIN sales.order_lines l ON l.order_id = o.id
				 WHERE o.customer_id = :id AND o.ordered_on BETWEEN :from AND :to
				 GROUP BY o.ordered_on, o.id
				 ORDER BY o.ordered_on, o.id
				""")
			.param("id", customerId)
			.param("from", FROM)
			.param("to", TO)
			.query((rs, row) -> List.<Object>of(rs.getObject("ordered_on", LocalDate.class), rs.getLong("id"),
					rs.getLong("lines"), rs.getLong("units"), rs.getBigDecimal("amount")))
			.list();
		Table orders = document.table("Orders");
		assertThat(orders.columnNames()).containsExactly("Date", "Order", "Lines", "Units", "Amount");
		assertThat(orders.rows()).isEqualTo(expected);
	}

	@Test
	void linesTableHasEveryLineOfTheCustomer() {
		RecordingDocument document = build(customerId, FROM, TO);

		List<List<Object>> expected = jdbc.sql("""
				SELECT o.ordered_on, o.id, p.sku, p.name, l.quantity, l.unit_price, l.quantity * l.unit_price AS amount
				  FROM sales.orders o
				  JOIN sales.order_lines l ON l.order_id = o.id
				  JOIN sales.products p ON p.id = l.product_id
				 WHERE o.customer_id = :id AND o.ordered_on BETWEEN :from AND :to
				 ORDER BY o.ordered_on, o.id, l.line_no
				""")
			.param("id", customerId)
			.param("from", FROM)
			.param("to", TO)
			.query((rs, row) -> List.<Object>of(rs.getObject("ordered_on", LocalDate.class), rs.getLong("id"),
					rs.getString("sku"), rs.getString("name"), rs.getInt("quantity"), rs.getBigDecimal("unit_price"),
					rs.getBigDecimal("amount")))
			.list();
		Table lines = document.table("Order lines");
		assertThat(lines.columnNames()).containsExactly("Date", "Order", "SKU", "Product", "Quantity", "Unit price",
				"Amount");
		assertThat(lines.rows()).isEqualTo(expected);
		assertThat(lines.sum("Amount")).isEqualByComparingTo(document.table("Orders").sum("Amount"));
	}

	@Test
	void anUnknownCustomerIsAParametersError() {
		long unknown = jdbc.sql("SELECT max(id) + 1 FROM sales.customers").query(Long.class).single();

		assertThatExceptionOfType(ReportParametersException.class).isThrownBy(() -> build(unknown, FROM, TO))
			.withMessage("There is no customer with id " + unknown);
	}

	@Test
	void aCustomerWithoutOrdersInThePeriodGetsAnEmptyStatement() {
		RecordingDocument document = build(customerId, LocalDate.of(2030, 1, 1), LocalDate.of(2030, 12, 31));

		assertThat(document.keyFigure("Customer", "Orders")).isEqualTo(0L);
		assertThat((BigDecimal) document.keyFigure("Customer", "Total")).isZero();
		assertThat(document.keyFigure("Customer", "Average order")).isNull();
		assertThat(document.table("Orders").rowCount()).isZero();
		assertThat(document.table("Order lines").rowCount()).isZero();
	}

	@Test
	void descriptorReferencesTheCustomersAndNamesTheFileAfterTheCustomer() {
		ReportParameter customer = report.descriptor().parameter("customerId");

		assertThat(report.descriptor().name()).isEqualTo("CUSTOMER_STATEMENT");
		assertThat(report.descriptor().version()).isEqualTo(1);
		assertThat(report.descriptor().formats()).containsExactly(ReportFormat.CSV, ReportFormat.XLSX,
				ReportFormat.PDF);
		assertThat(customer.kind()).isEqualTo(ReportParameter.Kind.REFERENCE);
		assertThat(customer.reference()).isEqualTo(new ReportParameter.Reference("sales.customers", "id", "bigint"));
		assertThat(report.fileName(ReportParameters.of(report.descriptor(),
				Map.of("customerId", "42", "from", "2024-01-01", "to", "2024-12-31"))))
			.isEqualTo("statement-42-2024-01-01-2024-12-31");
	}

	@Test
	void aCustomerIdThatIsNotANumberIsRejected() {
		assertThatExceptionOfType(ReportParametersException.class)
			.isThrownBy(() -> RecordingDocument.build(report,
					Map.of("customerId", "abc", "from", FROM.toString(), "to", TO.toString())))
			.withMessageContaining("'customerId'");
	}

	private static RecordingDocument build(long customer, LocalDate from, LocalDate to) {
		return RecordingDocument.build(report,
				Map.of("customerId", Long.toString(customer), "from", from.toString(), "to", to.toString()));
	}

}
