package dev.offload.worker.catalogue.testonly;

import java.util.List;

import dev.offload.model.ReportFormat;
import dev.offload.model.ReportTypeDescriptor;
import dev.offload.worker.catalogue.ReportData;
import dev.offload.worker.catalogue.ReportDefinition;
import dev.offload.worker.catalogue.ReportParameters;
import dev.offload.worker.catalogue.ReportProgress;
import dev.offload.worker.render.Column;
import dev.offload.worker.render.ColumnType;
import dev.offload.worker.render.DocumentWriter;
import dev.offload.worker.render.KeyFigure;
import dev.offload.worker.render.TableWriter;

import org.springframework.stereotype.Component;

/**
 * {@code CUSTOMER_COUNT}, a report type that exists only in the test sources: the number
 * of customers in each region. A worker started from the tests' class path offers it like
 * any other, which shows that a report type is one {@link ReportDefinition} bean and
 * nothing else (no API change, no registration).
 */
@Component
public class CustomerCountReport implements ReportDefinition {

	/** The type's name. */
	public static final String NAME = "CUSTOMER_COUNT";

	private static final ReportTypeDescriptor DESCRIPTOR = new ReportTypeDescriptor(NAME, 1, "Customer count",
			"The number of customers in each region (a report type of the tests).", List.of(),
			List.of(ReportFormat.CSV), false);

	private final ReportData data;

	public CustomerCountReport(ReportData data) {
		this.data = data;
	}

	@Override
	public ReportTypeDescriptor descriptor() {
		return DESCRIPTOR;
	}

	@Override
	public String fileName(ReportParameters parameters) {
		return "customer-count";
	}

	@Override
	public void build(ReportParameters parameters, ReportProgress progress, DocumentWriter document) {
		document.title("Customer count", null);
		this.data.read(progress, (jdbc) -> {
			long[] total = { 0 };
			try (TableWriter table = document.table("Customers by region",
					List.of(Column.text("Region"), Column.integer("Customers")))) {
				jdbc.sql("""
						SELECT r.name, count(c.id) AS customers
						  FROM sales.regions r
						  LEFT JOIN sales.customers c ON c.region_id = r.id
						 GROUP BY r.name
						 ORDER BY r.name
						""").query((rs) -> {
					table.row(rs.getString("name"), rs.getLong("customers"));
					total[0] += rs.getLong("customers");
				});
			}
			document.keyFigures(null, List.of(new KeyFigure("Customers", total[0], ColumnType.INTEGER)));
		});
	}

}
