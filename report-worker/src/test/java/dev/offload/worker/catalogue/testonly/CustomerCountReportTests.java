package dev.offload.worker.catalogue.testonly;

import java.util.List;
import java.util.Map;

import dev.offload.model.ReportFormat;
import dev.offload.worker.catalogue.RecordingDocument;
import dev.offload.worker.catalogue.ReportParameters;
import dev.offload.worker.catalogue.SeededSales;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The test-only {@code CUSTOMER_COUNT} report against seeded sales.
 */
class CustomerCountReportTests {

	private static SeededSales sales;

	private static CustomerCountReport report;

	@BeforeAll
	static void seed() {
		sales = SeededSales.create(2_000);
		report = new CustomerCountReport(sales.reportData());
	}

	@AfterAll
	static void drop() {
		if (sales != null) {
			sales.close();
		}
	}

	@Test
	void countsTheCustomersOfEveryRegion() {
		RecordingDocument document = RecordingDocument.build(report, Map.of());

		List<List<Object>> expected = sales.jdbc()
			.sql("SELECT r.name, (SELECT count(*) FROM sales.customers c WHERE c.region_id = r.id) AS n"
					+ " FROM sales.regions r ORDER BY r.name")
			.query((rs, row) -> List.<Object>of(rs.getString("name"), rs.getLong("n")))
			.list();
		assertThat(document.table("Customers by region").rows()).hasSize(8).isEqualTo(expected);
		assertThat(document.keyFigure(null, "Customers")).isEqualTo((long) sales.seed().customers());
	}

	@Test
	void isACsvReportWithoutParameters() {
		assertThat(report.descriptor().name()).isEqualTo("CUSTOMER_COUNT");
		assertThat(report.descriptor().formats()).containsExactly(ReportFormat.CSV);
		assertThat(report.descriptor().parameters()).isEmpty();
		assertThat(report.fileName(ReportParameters.of(report.descriptor(), Map.of()))).isEqualTo("customer-count");
	}

}
