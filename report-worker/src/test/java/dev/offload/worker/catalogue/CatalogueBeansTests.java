package dev.offload.worker.catalogue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;

import dev.offload.model.ReportFormat;
import dev.offload.model.ReportParameter;
import dev.offload.worker.render.DocumentWriter;
import dev.offload.worker.render.FormatWriters;
import org.apache.commons.csv.CSVFormat;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.text.PDFTextStripper;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;

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
	static void stop() throws Exception {
		Workers.stop(worker, broker, database);
	}

	@Test
	void everyTypePackageIsADefinitionBean() {
		assertThat(worker.getBeansOfType(ReportDefinition.class).values()).extracting(ReportDefinition::descriptor)
			.extracting(ReportTypeDescriptor::name)
			.containsExactlyInAnyOrder("SALES_SUMMARY", "ORDER_EXPORT", "CUSTOMER_STATEMENT", "PRODUCT_PERFORMANCE",
					"NO_OP", "CUSTOMER_COUNT", "PAUSE");
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

	@Test
	void everyTypeRendersInEveryFormatItOffersAndEachFileOpensInItsReader() throws Exception {
		FormatWriters writers = new FormatWriters();
		JdbcClient jdbc = worker.getBean(JdbcClient.class);
		int files = 0;
		for (ReportDefinition definition : worker.getBean(Catalogue.class).definitions()) {
			ReportTypeDescriptor type = definition.descriptor();
			Map<String, String> values = new HashMap<>();
			for (ReportParameter parameter : type.parameters()) {
				if (!parameter.required()) {
					continue;
				}
				values.put(parameter.name(), switch (parameter.kind()) {
					case DATE -> parameter.name().equals("from") ? "2023-01-01" : "2023-03-31";
					case CHOICE -> parameter.choices().get(0);
					case INTEGER -> String.valueOf(parameter.min());
					case REFERENCE -> jdbc.sql("SELECT min(" + parameter.reference().column() + ")::text FROM "
							+ parameter.reference().table())
						.query(String.class)
						.single();
				});
			}
			for (ReportFormat format : type.formats()) {
				ByteArrayOutputStream out = new ByteArrayOutputStream();
				DocumentWriter document = writers.open(format, out);
				definition.build(ReportParameters.of(type, values), ReportProgress.NONE, document);
				document.finish();
				byte[] file = out.toByteArray();
				String what = type.name() + " as " + format;
				switch (format) {
					case CSV ->
						assertThat(CSVFormat.RFC4180.parse(new StringReader(new String(file, StandardCharsets.UTF_8)))
							.getRecords()).as(what).isNotEmpty();
					case XLSX -> {
						try (XSSFWorkbook workbook = new XSSFWorkbook(new ByteArrayInputStream(file))) {
							assertThat(workbook.getNumberOfSheets()).as(what).isPositive();
						}
					}
					case PDF -> {
						try (PDDocument pdf = Loader.loadPDF(file)) {
							assertThat(new PDFTextStripper().getText(pdf)).as(what).contains("Page 1 of");
							if (!type.hidden()) {
								assertThat(pdf.getDocumentInformation().getTitle()).as(what).isEqualTo(type.title());
							}
						}
					}
				}
				files++;
			}
		}
		assertThat(files).isGreaterThanOrEqualTo(15);
	}

}
