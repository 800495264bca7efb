package dev.offload.worker.catalogue;

import java.math.BigDecimal;
import java.util.Map;

import dev.offload.model.ReportTypeDescriptor;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import dev.offload.worker.Workers;
import dev.offload.worker.sales.SalesSeeder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The report types in a running worker: every type package's {@code @Component} is a
 * {@link ReportDefinition} bean (the test-only one too), and a bean built there reads the
 * sales data through the worker's report data source.
 */
class CatalogueBeansTests {

	private static TestDatabase database;

	private static TestBroker broker;

	private static ConfigurableApplicationContext worker;

	@BeforeAll
	static void start() {
		database = TestDatabase.create();
		broker = TestBroker.create();
		worker = Workers.start(database, broker, Workers.freePort(), Map.of());
		worker.getBean(SalesSeeder.class).seed(500);
	}

	@AfterAll
	static void stop() {
		if (worker != null) {
			worker.close();
		}
		if (broker != null) {
			broker.close();
		}
		if (database != null) {
			database.close();
		}
	}

	@Test
	void everyTypePackageIsADefinitionBean() {
		assertThat(worker.getBeansOfType(ReportDefinition.class).values()).extracting(ReportDefinition::descriptor)
			.extracting(ReportTypeDescriptor::name)
			.containsExactlyInAnyOrder("SALES_SUMMARY", "ORDER_EXPORT", "CUSTOMER_STATEMENT", "PRODUCT_PERFORMANCE",
					"NO_OP", "CUSTOMER_COUNT");
	}

	@Test
	void aDefinitionBeanReadsTheWorkersReportData() {
		ReportDefinition summary = worker.getBeansOfType(ReportDefinition.class)
			.values()
			.stream()
			.filter((definition) -> definition.descriptor().name().equals("SALES_SUMMARY"))
			.findFirst()
			.orElseThrow();

		RecordingDocument document = RecordingDocument.build(summary, Map.of("from", "2021-01-01", "to", "2025-12-31"));

		BigDecimal revenue = worker.getBean(JdbcClient.class)
			.sql("SELECT sum(quantity * unit_price) FROM sales.order_lines")
			.query(BigDecimal.class)
			.single();
		assertThat((BigDecimal) document.keyFigure("Key figures", "Revenue")).isEqualByComparingTo(revenue);
	}

}
