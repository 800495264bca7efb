package dev.offload.testsupport;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

import dev.offload.model.BatchSelector;
import dev.offload.model.ReportFormat;
import dev.offload.model.ReportParameter;
import dev.offload.model.ReportTypeDescriptor;
import tools.jackson.databind.json.JsonMapper;

/**
 * Offers report types in a test database's catalogue ({@code report_type_offers}) the way
 * a report worker does at start-up, for api-service tests that run without a worker. The
 * descriptors mirror the worker's own for the two types those tests request.
 */
public final class CatalogueOffers {

	/** The regions of the seeded sales data. */
	public static final List<String> REGIONS = List.of("Africa", "Asia Pacific", "Central Europe", "Latin America",
			"Middle East", "North America", "Northern Europe", "Southern Europe");

	/** {@code SALES_SUMMARY} as report-worker offers it. */
	public static final ReportTypeDescriptor SALES_SUMMARY = new ReportTypeDescriptor("SALES_SUMMARY", 1,
			"Sales summary", "Revenue by month and region, top products and totals for a period.",
			List.of(ReportParameter.date("from", "First order date included (ISO-8601, e.g. 2024-01-01)."),
					ReportParameter.dateNotBefore("to", "Last order date included (ISO-8601, e.g. 2024-12-31).",
							"from"),
					ReportParameter.choice("region", "Only customers in this region.", REGIONS).optional(null)),
			List.of(ReportFormat.CSV, ReportFormat.XLSX, ReportFormat.PDF), false);

	/**
	 * {@code CUSTOMER_STATEMENT} as report-worker offers it, with its batch selector
	 * {@code customersWithOrders}.
	 */
	public static final ReportTypeDescriptor CUSTOMER_STATEMENT = new ReportTypeDescriptor("CUSTOMER_STATEMENT", 1,
			"Customer statement", "One customer's orders and order lines in a period, with the totals.",
			List.of(ReportParameter.reference("customerId", "The customer's id.",
					new ReportParameter.Reference("sales.customers", "id", "bigint")),
					ReportParameter.date("from", "First order date included (ISO-8601, e.g. 2024-01-01)."),
					ReportParameter.dateNotBefore("to", "Last order date included (ISO-8601, e.g. 2024-12-31).",
							"from")),
			List.of(ReportFormat.CSV, ReportFormat.XLSX, ReportFormat.PDF), false,
			List.of(new BatchSelector("customersWithOrders", "Every customer with orders in the period.", "customerId",
					"sales.orders", "customer_id", "ordered_on", "from", "to")));

	/** {@code NO_OP} as report-worker offers it: hidden. */
	public static final ReportTypeDescriptor NO_OP = new ReportTypeDescriptor("NO_OP", 1, "No-op",
			"Reads nothing and writes one line; for measuring the pipeline itself.", List.of(),
			List.of(ReportFormat.CSV, ReportFormat.XLSX, ReportFormat.PDF), true);

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private CatalogueOffers() {
	}

	/**
	 * Offers types as one live worker.
	 * @param database the database (migrated)
	 * @param workerId the worker's id
	 * @param types the types it offers
	 */
	public static void offer(TestDatabase database, String workerId, ReportTypeDescriptor... types) {
		try (Connection connection = DriverManager.getConnection(database.jdbcUrl(), database.username(),
				database.password()); PreparedStatement insert = connection.prepareStatement("""
						INSERT INTO report_type_offers (worker_id, type, version, descriptor)
						VALUES (?, ?, ?, CAST(? AS jsonb))
						ON CONFLICT (worker_id, type) DO UPDATE
						   SET version = EXCLUDED.version, descriptor = EXCLUDED.descriptor, seen_at = now()
						""")) {
			for (ReportTypeDescriptor type : types) {
				insert.setString(1, workerId);
				insert.setString(2, type.name());
				insert.setInt(3, type.version());
				insert.setString(4, JSON.writeValueAsString(type));
				insert.addBatch();
			}
			insert.executeBatch();
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not offer report types", ex);
		}
	}

	/**
	 * Offers {@link #SALES_SUMMARY} and {@link #NO_OP} as one live worker.
	 * @param database the database (migrated)
	 */
	public static void offerStandardTypes(TestDatabase database) {
		offer(database, "test-worker", SALES_SUMMARY, NO_OP);
	}

	/**
	 * Withdraws every offer.
	 * @param database the database
	 */
	public static void withdrawAll(TestDatabase database) {
		try (Connection connection = DriverManager.getConnection(database.jdbcUrl(), database.username(),
				database.password());
				PreparedStatement delete = connection.prepareStatement("DELETE FROM report_type_offers")) {
			delete.executeUpdate();
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not withdraw the offers", ex);
		}
	}

}
