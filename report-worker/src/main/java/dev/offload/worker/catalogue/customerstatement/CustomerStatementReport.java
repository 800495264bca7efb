package dev.offload.worker.catalogue.customerstatement;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

import dev.offload.model.BatchSelector;
import dev.offload.model.ReportFormat;
import dev.offload.model.ReportParameter;
import dev.offload.model.ReportParameter.Reference;
import dev.offload.model.ReportTypeDescriptor;
import dev.offload.worker.catalogue.FileNames;
import dev.offload.worker.catalogue.Period;
import dev.offload.worker.catalogue.ReportData;
import dev.offload.worker.catalogue.ReportDefinition;
import dev.offload.worker.catalogue.ReportParameters;
import dev.offload.worker.catalogue.ReportParametersException;
import dev.offload.worker.catalogue.ReportProgress;
import dev.offload.worker.render.Column;
import dev.offload.worker.render.ColumnType;
import dev.offload.worker.render.DocumentWriter;
import dev.offload.worker.render.KeyFigure;
import dev.offload.worker.render.TableWriter;
import dev.offload.worker.sales.SalesLines;
import dev.offload.worker.sales.SalesLines.SalesTotals;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * {@code CUSTOMER_STATEMENT}: one customer's orders and order lines in a period, with its
 * totals. Both tables stream from cursors, so a customer with many orders costs time, not
 * memory.
 */
@Component
class CustomerStatementReport implements ReportDefinition {

	static final String NAME = "CUSTOMER_STATEMENT";

	static final String CUSTOMER_ID = "customerId";

	private static final ReportTypeDescriptor DESCRIPTOR = new ReportTypeDescriptor(NAME, 1, "Customer statement",
			"One customer's orders and order lines in a period, with the totals.", parameters(),
			List.of(ReportFormat.CSV, ReportFormat.XLSX, ReportFormat.PDF), false,
			List.of(new BatchSelector("customersWithOrders", "Every customer with orders in the period.", CUSTOMER_ID,
					"sales.orders", "customer_id", "ordered_on", Period.FROM, Period.TO)));

	private final ReportData data;

	CustomerStatementReport(ReportData data) {
		this.data = data;
	}

	private static List<ReportParameter> parameters() {
		List<ReportParameter> parameters = new ArrayList<>();
		parameters.add(ReportParameter.reference(CUSTOMER_ID, "The customer's id.",
				new Reference("sales.customers", "id", "bigint")));
		parameters.addAll(Period.parameters("order date"));
		return parameters;
	}

	@Override
	public ReportTypeDescriptor descriptor() {
		return DESCRIPTOR;
	}

	@Override
	public String fileName(ReportParameters parameters) {
		return FileNames.of("statement", parameters.integer(CUSTOMER_ID), FileNames.of(Period.of(parameters)));
	}

	@Override
	public void build(ReportParameters parameters, ReportProgress progress, DocumentWriter document) {
		long customerId = parameters.integer(CUSTOMER_ID);
		Period period = Period.of(parameters);
		SalesLines lines = SalesLines.between(period.from(), period.to()).ofCustomer(customerId);
		this.data.read(progress, (jdbc) -> {
			Customer customer = customer(jdbc, customerId);
			SalesTotals totals = lines.totals(jdbc);
			document.title("Customer statement", customer.name() + ", " + customer.region() + ", " + period);
			document.keyFigures("Customer",
					List.of(new KeyFigure("Customer", customer.name(), ColumnType.TEXT),
							new KeyFigure("Customer id", customerId, ColumnType.INTEGER),
							new KeyFigure("Region", customer.region(), ColumnType.TEXT),
							new KeyFigure("Orders", totals.orders(), ColumnType.INTEGER),
							new KeyFigure("Units", totals.units(), ColumnType.INTEGER),
							new KeyFigure("Total", totals.revenue(), ColumnType.AMOUNT),
							new KeyFigure("Average order", totals.averageOrder(), ColumnType.AMOUNT)));
			progress.progress(10);
			writeOrders(jdbc, lines, document);
			progress.progress(50);
			try (TableWriter table = document.table("Order lines",
					List.of(Column.date("Date"), Column.integer("Order"), Column.text("SKU"), Column.text("Product"),
							Column.integer("Quantity"), Column.amount("Unit price"), Column.amount("Amount")))) {
				lines.each(jdbc, (line) -> table.row(line.orderedOn(), line.orderId(), line.sku(), line.product(),
						line.quantity(), line.unitPrice(), line.amount()));
			}
			document.keyFigures("Statement total",
					List.of(new KeyFigure("Order lines", totals.lines(), ColumnType.INTEGER),
							new KeyFigure("Units", totals.units(), ColumnType.INTEGER),
							new KeyFigure("Total", totals.revenue(), ColumnType.AMOUNT)));
		});
	}

	/**
	 * The customer, read in the report's snapshot. The API checks the reference before it
	 * accepts a request; this checks again, since a task may come from elsewhere or the
	 * customer may have gone since.
	 */
	private static Customer customer(JdbcClient jdbc, long customerId) {
		return jdbc.sql("""
				SELECT c.name, r.name AS region
				  FROM sales.customers c
				  JOIN sales.regions r ON r.id = c.region_id
				 WHERE c.id = :id
				""")
			.param("id", customerId)
			.query((rs, row) -> new Customer(rs.getString("name"), rs.getString("region")))
			.optional()
			.orElseThrow(() -> new ReportParametersException("There is no customer with id " + customerId));
	}

	private static void writeOrders(JdbcClient jdbc, SalesLines lines, DocumentWriter document) {
		try (TableWriter table = document.table("Orders", List.of(Column.date("Date"), Column.integer("Order"),
				Column.integer("Lines"), Column.integer("Units"), Column.amount("Amount")))) {
			lines
				.select(jdbc,
						"o.ordered_on, o.id, count(*) AS lines, sum(l.quantity) AS units, sum(" + SalesLines.AMOUNT
								+ ") AS amount",
						"""
								 GROUP BY o.ordered_on, o.id
								 ORDER BY o.ordered_on, o.id
								""")
				.query((rs) -> {
					table.row(rs.getObject("ordered_on", LocalDate.class), rs.getLong("id"), rs.getLong("lines"),
							rs.getLong("units"), rs.getBigDecimal("amount"));
				});
		}
	}

	private record Customer(String name, String region) {

	}

}
