package dev.offload.worker.catalogue.orderexport;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import dev.offload.model.ReportFormat;
import dev.offload.model.ReportParameter;
import dev.offload.model.ReportTypeDescriptor;
import dev.offload.worker.catalogue.FileNames;
import dev.offload.worker.catalogue.Period;
import dev.offload.worker.catalogue.ReportData;
import dev.offload.worker.catalogue.ReportDefinition;
import dev.offload.worker.catalogue.ReportParameters;
import dev.offload.worker.catalogue.ReportProgress;
import dev.offload.worker.catalogue.SalesParameters;
import dev.offload.worker.catalogue.TextRow;
import dev.offload.worker.render.Column;
import dev.offload.worker.render.ColumnType;
import dev.offload.worker.render.DocumentWriter;
import dev.offload.worker.render.KeyFigure;
import dev.offload.worker.render.TableWriter;
import dev.offload.worker.sales.SalesLines;
import dev.offload.worker.sales.SalesLines.SalesTotals;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * {@code ORDER_EXPORT}: every order line of a period, optionally of one region or product
 * category, by date and order. The large report: lines go from PostgreSQL's COPY straight
 * into one table, one at a time, and are never collected, so any number of lines fits in
 * a small heap.
 * <p>
 * The key figures come after the table, added up from the lines as they are written, so
 * they agree with the rows by construction and cost PostgreSQL nothing: no second scan
 * and no wait before the first line. (An aggregate in the same snapshot first, as this
 * report had, ran beside the lines' join and sort for the two cores and delayed the first
 * line by a fifth of the export.) In a workbook they are on the Summary sheet, the first,
 * as before; in CSV they follow the lines. Progress goes by the date of the line written,
 * the lines being in date order.
 */
@Component
class OrderExportReport implements ReportDefinition {

	static final String NAME = "ORDER_EXPORT";

	private static final ReportTypeDescriptor DESCRIPTOR = new ReportTypeDescriptor(NAME, 1, "Order export",
			"Every order line of a period with its order, customer, region and product, by date; "
					+ "optionally of one region or one product category.",
			parameters(), List.of(ReportFormat.CSV, ReportFormat.XLSX), false);

	private static final List<Column> COLUMNS = List.of(Column.integer("Order"), Column.date("Date"),
			Column.integer("Customer id"), Column.text("Customer"), Column.text("Region"), Column.text("SKU"),
			Column.text("Product"), Column.text("Category"), Column.integer("Quantity"), Column.amount("Unit price"),
			Column.amount("Amount"));

	/**
	 * Lines between two calls of progress while the percent stays the same (a period of a
	 * day or a few busy ones): each call lets the pipeline stop a report that has run out
	 * of time. The pipeline records progress, renews the lease and notices a cancelled
	 * report only when the percent rises, so in such a period that happens when it is
	 * recorded.
	 */
	private static final int PROGRESS_EVERY = 16_384;

	private final ReportData data;

	private final int progressEvery;

	@Autowired
	OrderExportReport(ReportData data) {
		this(data, PROGRESS_EVERY);
	}

	OrderExportReport(ReportData data, int progressEvery) {
		this.data = data;
		this.progressEvery = progressEvery;
	}

	private static List<ReportParameter> parameters() {
		List<ReportParameter> parameters = new ArrayList<>(Period.parameters("order date"));
		parameters.add(SalesParameters.region());
		parameters.add(SalesParameters.category());
		return parameters;
	}

	@Override
	public ReportTypeDescriptor descriptor() {
		return DESCRIPTOR;
	}

	@Override
	public String fileName(ReportParameters parameters) {
		return FileNames.of("order-export", FileNames.of(Period.of(parameters)),
				parameters.optional(SalesParameters.REGION).orElse(null),
				parameters.optional(SalesParameters.CATEGORY).orElse(null));
	}

	@Override
	public void build(ReportParameters parameters, ReportProgress progress, DocumentWriter document) {
		Period period = Period.of(parameters);
		SalesLines lines = SalesParameters.lines(period, parameters);
		document.title("Order export", subtitle(period, parameters));
		Lines export = new Lines(progress, period, this.progressEvery);
		try (TableWriter table = document.table("Order lines", COLUMNS)) {
			// Through COPY rather than a cursor: PostgreSQL streams the lines without a
			// round trip per batch. The row's fields are a SalesLine's, in order.
			this.data.read(progress, (jdbc) -> this.data.copy(lines.eachOnSettings(), lines.settings(),
					(line) -> export.write(table, line)));
		}
		export.done();
		SalesTotals totals = export.totals();
		document.keyFigures("Key figures",
				List.of(new KeyFigure("Order lines", totals.lines(), ColumnType.INTEGER),
						new KeyFigure("Orders", totals.orders(), ColumnType.INTEGER),
						new KeyFigure("Units", totals.units(), ColumnType.INTEGER),
						new KeyFigure("Revenue", totals.revenue(), ColumnType.AMOUNT)));
	}

	private static String subtitle(Period period, ReportParameters parameters) {
		StringBuilder subtitle = new StringBuilder(period.toString());
		parameters.optional(SalesParameters.REGION).ifPresent((region) -> subtitle.append(", ").append(region));
		parameters.optional(SalesParameters.CATEGORY).ifPresent((category) -> subtitle.append(", ").append(category));
		return subtitle.toString();
	}

	/**
	 * Writes the lines and adds them up as they go: lines, orders (a line whose order is
	 * not the one before it starts one, the lines of an order being together), units and
	 * revenue.
	 */
	private static final class Lines {

		private final ReportProgress progress;

		private final int progressEvery;

		private final LocalDate from;

		private final long days;

		private long lines;

		private long orders;

		private long lastOrder;

		private long units;

		private BigDecimal revenue = BigDecimal.ZERO;

		private int told = -1;

		Lines(ReportProgress progress, Period period, int progressEvery) {
			this.progress = progress;
			this.progressEvery = progressEvery;
			this.from = period.from();
			this.days = period.days();
		}

		void write(TableWriter table, TextRow line) {
			Long order = line.longValue(0);
			LocalDate date = line.date(1);
			Integer quantity = line.intValue(8);
			BigDecimal amount = line.decimal(10);
			table.row(order, date, line.longValue(2), line.text(3), line.text(4), line.text(5), line.text(6),
					line.text(7), quantity, line.decimal(9), amount);
			if (this.lines == 0 || order.longValue() != this.lastOrder) {
				this.orders++;
				this.lastOrder = order;
			}
			this.lines++;
			this.units += quantity;
			this.revenue = this.revenue.add(amount);
			// The share of the period's days before this line's: less than 100 until
			// the last line is written.
			int percent = (int) (ChronoUnit.DAYS.between(this.from, date) * 100 / this.days);
			if (percent != this.told || this.lines % this.progressEvery == 0) {
				this.told = percent;
				this.progress.progress(percent);
			}
		}

		void done() {
			this.progress.progress(100);
		}

		SalesTotals totals() {
			return new SalesTotals(this.orders, this.lines, this.units, this.revenue);
		}

	}

}
