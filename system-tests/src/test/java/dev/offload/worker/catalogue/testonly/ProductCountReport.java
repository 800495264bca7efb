package dev.offload.worker.catalogue.testonly;

import java.util.List;

import dev.offload.model.ReportFormat;
import dev.offload.model.ReportTypeDescriptor;
import dev.offload.worker.catalogue.ReportData;
import dev.offload.worker.catalogue.ReportDefinition;
import dev.offload.worker.catalogue.ReportParameters;
import dev.offload.worker.catalogue.ReportProgress;
import dev.offload.worker.render.Column;
import dev.offload.worker.render.DocumentWriter;
import dev.offload.worker.render.TableWriter;

import org.springframework.stereotype.Component;

/**
 * {@code PRODUCT_COUNT}, a report type that exists only in these test sources: products
 * per category. Nothing else was written for it: a worker started from this class path
 * offers it, api-service lists and validates it from that offer, and the pipeline,
 * writers and file store handle it like any other.
 */
@Component
public class ProductCountReport implements ReportDefinition {

	/** The type's name. */
	public static final String NAME = "PRODUCT_COUNT";

	private static final ReportTypeDescriptor DESCRIPTOR = new ReportTypeDescriptor(NAME, 1, "Product count",
			"The number of products in each category (a report type of the system tests).", List.of(),
			List.of(ReportFormat.CSV), false);

	private final ReportData data;

	public ProductCountReport(ReportData data) {
		this.data = data;
	}

	@Override
	public ReportTypeDescriptor descriptor() {
		return DESCRIPTOR;
	}

	@Override
	public String fileName(ReportParameters parameters) {
		return "product-count";
	}

	@Override
	public void build(ReportParameters parameters, ReportProgress progress, DocumentWriter document) {
		document.title("Product count", null);
		this.data.read(progress, (jdbc) -> {
			try (TableWriter table = document.table("Products by category",
					List.of(Column.text("Category"), Column.integer("Products")))) {
				jdbc.sql(
						"SELECT category, count(*) AS products FROM sales.products GROUP BY category ORDER BY category")
					.query((rs) -> {
						table.row(rs.getString("category"), rs.getLong("products"));
					});
			}
		});
	}

}
