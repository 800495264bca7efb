package dev.offload.api;

import dev.offload.model.ReportTypeDescriptor;
import dev.offload.testsupport.CatalogueOffers;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Every api-service test application starts with a catalogue: once the database is
 * migrated, this offers {@code SALES_SUMMARY}, {@code NO_OP} and
 * {@code CUSTOMER_STATEMENT} as a live worker would ({@link CatalogueOffers}). Tests of
 * the catalogue's own rules change the offers.
 */
@Component
class OffersOfATestWorker implements ApplicationRunner {

	static final String WORKER_ID = "test-worker";

	private final JdbcClient jdbc;

	private final JsonMapper json;

	OffersOfATestWorker(JdbcClient jdbc, JsonMapper json) {
		this.jdbc = jdbc;
		this.json = json;
	}

	@Override
	public void run(ApplicationArguments args) {
		offer(CatalogueOffers.SALES_SUMMARY);
		offer(CatalogueOffers.NO_OP);
		offer(CatalogueOffers.CUSTOMER_STATEMENT);
	}

	private void offer(ReportTypeDescriptor type) {
		this.jdbc.sql("""
				INSERT INTO report_type_offers (worker_id, type, version, descriptor)
				VALUES (:worker, :type, :version, CAST(:descriptor AS jsonb))
				ON CONFLICT (worker_id, type) DO UPDATE SET descriptor = EXCLUDED.descriptor, seen_at = now()
				""")
			.param("worker", WORKER_ID)
			.param("type", type.name())
			.param("version", type.version())
			.param("descriptor", this.json.writeValueAsString(type))
			.update();
	}

}
