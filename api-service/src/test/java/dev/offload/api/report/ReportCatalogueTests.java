package dev.offload.api.report;

import java.util.List;

import dev.offload.model.ReportFormat;
import dev.offload.model.ReportParameter;
import dev.offload.model.ReportTypeDescriptor;
import dev.offload.testsupport.CatalogueOffers;
import dev.offload.testsupport.AfterTheContext;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.client.RestTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The catalogue as workers offer it in PostgreSQL: what {@code GET /api/report-types}
 * shows and what a request is validated against, through rolling upgrades, a fleet that
 * is down, and parameters beyond dates.
 */
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = "offload.api.catalogue.worker-ttl=30s")
@AutoConfigureRestTestClient
class ReportCatalogueTests {

	private static final TestDatabase database = TestDatabase.create();

	private static final TestBroker broker = TestBroker.create();

	/** A type with every kind of parameter; it exists only in this test. */
	private static final ReportTypeDescriptor STATEMENT = new ReportTypeDescriptor("TEST_STATEMENT", 1,
			"Test statement", "A customer's statement, for this test.",
			List.of(ReportParameter.reference("customerId", "The customer.",
					new ReportParameter.Reference("sales.customers", "id", "bigint")),
					ReportParameter.date("from", "First day."),
					ReportParameter.dateNotBefore("to", "Last day.", "from"),
					ReportParameter.integer("top", "How many products.", 1, 100).optional("10"),
					ReportParameter.choice("region", "A region.", List.of("Africa", "Middle East")).optional(null)),
			List.of(ReportFormat.PDF), false);

	@Autowired
	private RestTestClient client;

	@Autowired
	private JdbcClient jdbc;

	@DynamicPropertySource
	static void infrastructure(DynamicPropertyRegistry registry) {
		database.springProperties().forEach((name, value) -> registry.add(name, () -> value));
		broker.springProperties().forEach((name, value) -> registry.add(name, () -> value));
	}

	@RegisterExtension
	static final AfterTheContext cleanUp = AfterTheContext.close(broker, database);

	@BeforeEach
	void oneWorkerOffersTheStandardTypesAndTheStatement() {
		this.jdbc.sql("DELETE FROM report_type_offers").update();
		CatalogueOffers.offer(database, "worker-a", CatalogueOffers.SALES_SUMMARY, CatalogueOffers.NO_OP, STATEMENT);
		this.jdbc.sql("INSERT INTO sales.regions (id, name) VALUES (1, 'Africa') ON CONFLICT DO NOTHING").update();
		this.jdbc
			.sql("INSERT INTO sales.customers (id, name, region_id) VALUES (42, 'Ada Ltd', 1) ON CONFLICT DO NOTHING")
			.update();
	}

	@Test
	void catalogueShowsWhatTheWorkersOfferWithEachTypesOwnFormatsAndParameters() {
		this.client.get()
			.uri("/api/report-types")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$[?(@.name == 'TEST_STATEMENT')].formats[*].name")
			.value((formats) -> assertThat(formats.toString()).contains("PDF").doesNotContain("CSV"))
			.jsonPath("$[?(@.name == 'TEST_STATEMENT')].parameters[?(@.name == 'top')].defaultValue")
			.value((value) -> assertThat(value.toString()).contains("10"))
			.jsonPath("$[?(@.name == 'TEST_STATEMENT')].parameters[?(@.name == 'customerId')].reference")
			.value((value) -> assertThat(value.toString()).contains("customers"))
			.jsonPath("$[*].name")
			.value((names) -> assertThat(names.toString()).doesNotContain("NO_OP"));
	}

	@Test
	void validStatementIsAcceptedWithItsDefaultsStored() {
		String id = accepted("""
				{"type": "TEST_STATEMENT", "format": "PDF",
				 "parameters": {"customerId": "42", "from": "2024-01-01", "to": "2024-01-31"}}""");
		assertThat(this.jdbc.sql("SELECT parameters->>'top' FROM reports WHERE id = CAST(:id AS uuid)")
			.param("id", id)
			.query(String.class)
			.single()).isEqualTo("10");
	}

	@Test
	void eachBadParameterIsA400NamingItsField() {
		rejected("""
				{"type": "TEST_STATEMENT", "format": "PDF",
				 "parameters": {"customerId": "4711", "from": "2024-01-01", "to": "2024-01-31"}}""",
				"parameters.customerId", "no sales.customers row has id 4711");
		rejected("""
				{"type": "TEST_STATEMENT", "format": "PDF",
				 "parameters": {"customerId": "x", "from": "2024-01-01", "to": "2024-01-31"}}""",
				"parameters.customerId", "not a whole number");
		rejected("""
				{"type": "TEST_STATEMENT", "format": "PDF",
				 "parameters": {"customerId": "42", "from": "2024-01-01", "to": "2024-01-31", "top": "500"}}""",
				"parameters.top", "between 1 and 100");
		rejected("""
				{"type": "TEST_STATEMENT", "format": "PDF",
				 "parameters": {"customerId": "42", "from": "2024-01-01", "to": "2024-01-31", "region": "Mars"}}""",
				"parameters.region", "not one of Africa, Middle East");
		rejected("""
				{"type": "TEST_STATEMENT", "format": "CSV",
				 "parameters": {"customerId": "42", "from": "2024-01-01", "to": "2024-01-31"}}""", "format",
				"cannot be written as CSV");
		rejected("""
				{"type": "TEST_STATEMENT", "format": "PDF",
				 "parameters": {"customerId": "42", "from": "2024-02-01", "to": "2024-01-31"}}""", "parameters.from",
				"must not be after");
	}

	@Test
	void typeNoWorkerOffersIsA400NamingTheOfferedOnes() {
		rejected("""
				{"type": "ORDER_EXPORT", "format": "CSV"}""", "type", "not offered by any worker; one of");
	}

	@Test
	void typeOnlySomeWorkersOfferIsRefusedUntilEveryWorkerOffersIt() {
		CatalogueOffers.offer(database, "worker-b", CatalogueOffers.SALES_SUMMARY, CatalogueOffers.NO_OP);
		rejected("""
				{"type": "TEST_STATEMENT", "format": "PDF",
				 "parameters": {"customerId": "42", "from": "2024-01-01", "to": "2024-01-31"}}""", "type",
				"being rolled out: offered by 1 of 2 workers");

		CatalogueOffers.offer(database, "worker-b", STATEMENT);
		accepted("""
				{"type": "TEST_STATEMENT", "format": "PDF",
				 "parameters": {"customerId": "42", "from": "2024-01-01", "to": "2024-01-31"}}""");
	}

	@Test
	void duringARollingUpgradeTheOldestVersionIsServedUntilTheLastOldWorkerIsGone() {
		ReportTypeDescriptor newer = new ReportTypeDescriptor("TEST_STATEMENT", 2, "Test statement v2",
				STATEMENT.description(), STATEMENT.parameters(), List.of(ReportFormat.PDF, ReportFormat.CSV), false);
		CatalogueOffers.offer(database, "worker-b", CatalogueOffers.SALES_SUMMARY, CatalogueOffers.NO_OP, newer);
		assertThat(versionShown()).isEqualTo("1");
		rejected("""
				{"type": "TEST_STATEMENT", "format": "CSV",
				 "parameters": {"customerId": "42", "from": "2024-01-01", "to": "2024-01-31"}}""", "format",
				"cannot be written as CSV");

		// The old worker stops (it withdraws its offers).
		this.jdbc.sql("DELETE FROM report_type_offers WHERE worker_id = 'worker-a'").update();
		assertThat(versionShown()).isEqualTo("2");
		accepted("""
				{"type": "TEST_STATEMENT", "format": "CSV",
				 "parameters": {"customerId": "42", "from": "2024-01-01", "to": "2024-01-31"}}""");
	}

	@Test
	void whileNoWorkerIsLiveTheLastFleetsOffersStillAcceptRequestsForTheQueue() {
		this.jdbc.sql("UPDATE report_type_offers SET seen_at = now() - interval '10 minutes'").update();
		accepted(
				"""
						{"type": "SALES_SUMMARY", "format": "CSV", "parameters": {"from": "2024-01-01", "to": "2024-01-31"}}""");
	}

	@Test
	void aDeadWorkerNoLongerCountsOnceALiveOneIsThere() {
		CatalogueOffers.offer(database, "worker-b", CatalogueOffers.SALES_SUMMARY, CatalogueOffers.NO_OP);
		this.jdbc
			.sql("UPDATE report_type_offers SET seen_at = now() - interval '10 minutes' WHERE worker_id = 'worker-a'")
			.update();
		rejected("""
				{"type": "TEST_STATEMENT", "format": "PDF",
				 "parameters": {"customerId": "42", "from": "2024-01-01", "to": "2024-01-31"}}""", "type",
				"not offered by any worker");
	}

	private String versionShown() {
		return this.client.get()
			.uri("/api/report-types")
			.exchange()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody()
			.replaceAll("(?s).*\"name\":\"TEST_STATEMENT\",\"version\":(\\d+).*", "$1");
	}

	private String accepted(String body) {
		String response = this.client.post()
			.uri("/api/reports")
			.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
			.contentType(MediaType.APPLICATION_JSON)
			.body(body)
			.exchange()
			.expectStatus()
			.isAccepted()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		return response.replaceAll("(?s).*\"id\":\"([0-9a-f-]{36})\".*", "$1");
	}

	private void rejected(String body, String field, String message) {
		this.client.post()
			.uri("/api/reports")
			.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
			.contentType(MediaType.APPLICATION_JSON)
			.body(body)
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.errors[?(@.field == '" + field + "')].message")
			.value((messages) -> assertThat(messages.toString()).contains(message));
	}

}
