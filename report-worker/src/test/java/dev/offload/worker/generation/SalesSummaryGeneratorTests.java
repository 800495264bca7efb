package dev.offload.worker.generation;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.offload.model.Owner;
import dev.offload.model.ReportFormat;
import dev.offload.model.ReportTask;
import dev.offload.model.ReportType;
import dev.offload.testsupport.TestDatabase;
import dev.offload.worker.sales.SalesSeeder;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.text.PDFTextStripper;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The sales summary against real data: seeded sales, the generator's totals checked
 * against an independent SQL query.
 */
class SalesSummaryGeneratorTests {

	private static final int ORDERS = 2_000;

	private static final LocalDate FROM = LocalDate.of(2023, 3, 1);

	private static final LocalDate TO = LocalDate.of(2024, 2, 29);

	private static TestDatabase database;

	private static JdbcClient jdbc;

	private static SalesSeeder seeder;

	private static SalesSummaryGenerator generator;

	@BeforeAll
	static void seedSales() {
		database = TestDatabase.create();
		DriverManagerDataSource dataSource = new DriverManagerDataSource(database.jdbcUrl(), database.username(),
				database.password());
		Flyway.configure().dataSource(dataSource).load().migrate();
		DataSourceTransactionManager transactionManager = new DataSourceTransactionManager(dataSource);
		jdbc = JdbcClient.create(dataSource);
		seeder = new SalesSeeder(jdbc, transactionManager);
		seeder.seed(ORDERS);
		generator = new SalesSummaryGenerator(dataSource, transactionManager,
				List.of(new CsvReportWriter(), new PdfReportWriter()));
	}

	@AfterAll
	static void dropDatabase() {
		if (database != null) {
			database.close();
		}
	}

	@Test
	void csvTotalLineMatchesAnIndependentQuery() {
		GeneratedReport report = generator.generate(task(ReportFormat.CSV, FROM.toString(), TO.toString()),
				ProgressListener.NONE);

		assertThat(report.fileName()).isEqualTo("sales-summary-2023-03-01-2024-02-29.csv");
		assertThat(report.contentType()).isEqualTo("text/csv");
		List<String> lines = new String(report.content(), StandardCharsets.UTF_8).lines().toList();
		assertThat(lines.get(0)).isEqualTo("Sales summary 2023-03-01 to 2024-02-29");
		assertThat(lines).contains("Revenue by month and region", "month,region,orders,revenue", "Top products",
				"sku,name,quantity,revenue", "Totals", "total,orders,lines,quantity,revenue");
		assertThat(lines.get(lines.size() - 1)).isEqualTo(expectedTotalLine(FROM, TO)).startsWith("TOTAL,");
	}

	@Test
	void csvSectionsAddUpToTheTotals() {
		GeneratedReport report = generator.generate(task(ReportFormat.CSV, FROM.toString(), TO.toString()),
				ProgressListener.NONE);
		List<String> lines = new String(report.content(), StandardCharsets.UTF_8).lines().toList();

		List<String> monthRows = lines.subList(lines.indexOf("month,region,orders,revenue") + 1,
				lines.indexOf("Top products") - 1);
		long orders = monthRows.stream().mapToLong((row) -> Long.parseLong(row.split(",")[2])).sum();
		BigDecimal revenue = monthRows.stream()
			.map((row) -> new BigDecimal(row.split(",")[3]))
			.reduce(BigDecimal.ZERO, BigDecimal::add);
		String[] total = lines.get(lines.size() - 1).split(",");
		assertThat(monthRows).isNotEmpty().hasSizeLessThanOrEqualTo(12 * 8);
		assertThat(orders).isEqualTo(Long.parseLong(total[1]));
		assertThat(revenue).isEqualByComparingTo(total[4]);
		List<String> productRows = lines.subList(lines.indexOf("sku,name,quantity,revenue") + 1,
				lines.indexOf("Totals") - 1);
		assertThat(productRows).hasSize(10).allSatisfy((row) -> assertThat(row).startsWith("SKU-"));
	}

	@Test
	void pdfOpensWithTheTitleAndTheTotals() throws IOException {
		GeneratedReport report = generator.generate(task(ReportFormat.PDF, FROM.toString(), TO.toString()),
				ProgressListener.NONE);

		assertThat(report.fileName()).isEqualTo("sales-summary-2023-03-01-2024-02-29.pdf");
		try (PDDocument document = Loader.loadPDF(report.content())) {
			assertThat(document.getDocumentInformation().getTitle())
				.isEqualTo("Sales summary 2023-03-01 to 2024-02-29");
			// 96 month and region rows do not fit on one page.
			assertThat(document.getNumberOfPages()).isGreaterThan(1);
			PDFTextStripper stripper = new PDFTextStripper();
			stripper.setStartPage(1);
			stripper.setEndPage(1);
			assertThat(stripper.getText(document)).contains("Sales summary 2023-03-01 to 2024-02-29",
					"Revenue by month and region");
			String[] total = expectedTotalLine(FROM, TO).split(",");
			assertThat(new PDFTextStripper().getText(document)).contains("Top products", "Totals", total[4]);
		}
	}

	@Test
	void progressFollowsTheDateRange() {
		List<Integer> reported = new ArrayList<>();

		generator.generate(task(ReportFormat.CSV, FROM.toString(), TO.toString()), reported::add);

		assertThat(reported).isNotEmpty().isSorted();
		assertThat(reported.get(0)).isLessThan(5);
		assertThat(reported.get(reported.size() - 1)).isBetween(95, 99);
	}

	@Test
	void rangeWithoutOrdersGivesZeroTotals() {
		GeneratedReport report = generator.generate(task(ReportFormat.CSV, "2030-01-01", "2030-01-31"),
				ProgressListener.NONE);

		List<String> lines = new String(report.content(), StandardCharsets.UTF_8).lines().toList();
		assertThat(lines.get(lines.size() - 1)).isEqualTo("TOTAL,0,0,0,0.00");
	}

	@Test
	void badParametersAreReportedAsSuch() {
		assertThatExceptionOfType(ReportParametersException.class)
			.isThrownBy(
					() -> generator.generate(task(ReportFormat.CSV, "2024-02-30", "2024-03-01"), ProgressListener.NONE))
			.withMessageContaining("'from'");
		assertThatExceptionOfType(ReportParametersException.class)
			.isThrownBy(
					() -> generator.generate(task(ReportFormat.CSV, "2024-03-01", "2024-02-01"), ProgressListener.NONE))
			.withMessageContaining("after");
		assertThatExceptionOfType(ReportParametersException.class).isThrownBy(
				() -> generator.generate(
						new ReportTask(UUID.randomUUID(), ReportType.SALES_SUMMARY, Map.of("from", "2024-01-01"),
								new Owner("u1", "u1@example.com"), Instant.now(), ReportFormat.CSV),
						ProgressListener.NONE))
			.withMessageContaining("'to' is required");
	}

	@Test
	void seedingIsDeterministic() {
		String first = expectedTotalLine(SalesSeeder.FIRST_DAY, SalesSeeder.LAST_DAY);
		SalesSeeder.SeedResult result = seeder.seed(ORDERS);
		String second = expectedTotalLine(SalesSeeder.FIRST_DAY, SalesSeeder.LAST_DAY);

		assertThat(second).isEqualTo(first);
		assertThat(result.orders()).isEqualTo(ORDERS);
		assertThat(result.lines()).isBetween((long) ORDERS, ORDERS * 5L);
		assertThat(first).startsWith("TOTAL," + ORDERS + "," + result.lines() + ",");
		assertThat(jdbc.sql("SELECT count(*) FROM sales.customers").query(Long.class).single()).isEqualTo(100);
		assertThat(jdbc.sql("SELECT count(*) FROM sales.products").query(Long.class).single()).isEqualTo(500);
		assertThat(jdbc.sql("SELECT count(DISTINCT region_id) FROM sales.customers").query(Long.class).single())
			.isEqualTo(8);
		assertThat(jdbc
			.sql("SELECT min(ordered_on) >= DATE '2021-01-01' AND max(ordered_on) <= DATE '2025-12-31'"
					+ " FROM sales.orders")
			.query(Boolean.class)
			.single()).isTrue();
	}

	private static ReportTask task(ReportFormat format, String from, String to) {
		return new ReportTask(UUID.randomUUID(), ReportType.SALES_SUMMARY, Map.of("from", from, "to", to),
				new Owner("u1", "u1@example.com"), Instant.now(), format);
	}

	/** The TOTAL line, computed by PostgreSQL rather than by the code under test. */
	private static String expectedTotalLine(LocalDate from, LocalDate to) {
		return jdbc.sql("""
				SELECT 'TOTAL,' || count(DISTINCT o.id) || ',' || count(*) || ',' || sum(l.quantity) || ','
				       || to_char(sum(l.quantity * l.unit_price), 'FM999999999990.00')
				  FROM sales.orders o
				  JOIN sales.order_lines l ON l.order_id = o.id
				 WHERE o.ordered_on BETWEEN :from AND :to
				""").param("from", from).param("to", to).query(String.class).single();
	}

}
