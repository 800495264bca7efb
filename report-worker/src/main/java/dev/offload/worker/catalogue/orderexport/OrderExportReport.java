package dev.offload.worker.catalogue.orderexport;

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

import org.springframework.stereotype.Component;

/**
 * {@code ORDER_EXPORT}: every order line of a period, optionally of one region or product
 * category, by date and order. The large report: lines go from PostgreSQL's COPY straight
 * into one table, one at a time, and are never collected, so any number of lines fits in
 * a small heap.
 * <p>
 * The key figures come first, from an aggregate over the same lines in the same snapshot
 * (so they agree with the rows); its line count also makes progress exact, lines written
 * over lines to write. It costs PostgreSQL one more scan, which runs alongside the lines'
 * join and sort when the report data pool has a connection to spare.
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

	private final ReportData data;

	OrderExportReport(ReportData data) {
		this.data = data;
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
		this.data.read(progress, (jdbc) -> {
			// The key figures' aggregate runs while PostgreSQL joins and sorts the lines,
			// before which no line comes: most of its time is hidden in theirs.
			try (Lines export = new Lines(document, progress, this.data.alongside(progress, lines::totals))) {
				// Through COPY rather than a cursor: PostgreSQL streams the lines without
				// a round trip per batch. The row's fields are a SalesLine's, in order.
				this.data.copy(lines.eachOnSettings(), lines.settings(), export::write);
				export.finish();
			}
		});
	}

	private static String subtitle(Period period, ReportParameters parameters) {
		StringBuilder subtitle = new StringBuilder(period.toString());
		parameters.optional(SalesParameters.REGION).ifPresent((region) -> subtitle.append(", ").append(region));
		parameters.optional(SalesParameters.CATEGORY).ifPresent((category) -> subtitle.append(", ").append(category));
		return subtitle.toString();
	}

	/**
	 * The key figures, then the table of lines: both begin with the first line (or at the
	 * end, if there is none), when the totals have come.
	 */
	private static final class Lines implements AutoCloseable {

		private final DocumentWriter document;

		private final ReportProgress progress;

		private final ReportData.Alongside<SalesTotals> totals;

		private TableWriter table;

		private Progress done;

		Lines(DocumentWriter document, ReportProgress progress, ReportData.Alongside<SalesTotals> totals) {
			this.document = document;
			this.progress = progress;
			this.totals = totals;
		}

		void write(TextRow line) {
			if (this.table == null) {
				begin();
			}
			this.table.row(line.longValue(0), line.date(1), line.longValue(2), line.text(3), line.text(4), line.text(5),
					line.text(6), line.text(7), line.intValue(8), line.decimal(9), line.decimal(10));
			this.done.oneMore();
		}

		void finish() {
			if (this.table == null) {
				begin();
			}
		}

		@Override
		public void close() {
			if (this.table != null) {
				this.table.close();
			}
		}

		private void begin() {
			SalesTotals totals = this.totals.get();
			this.document.keyFigures("Key figures",
					List.of(new KeyFigure("Order lines", totals.lines(), ColumnType.INTEGER),
							new KeyFigure("Orders", totals.orders(), ColumnType.INTEGER),
							new KeyFigure("Units", totals.units(), ColumnType.INTEGER),
							new KeyFigure("Revenue", totals.revenue(), ColumnType.AMOUNT)));
			this.done = new Progress(this.progress, totals.lines());
			this.table = this.document.table("Order lines", COLUMNS);
		}

	}

	/**
	 * Lines written over lines to write, told only when the percentage changes: a hundred
	 * calls for millions of rows.
	 */
	private static final class Progress {

		private final ReportProgress progress;

		private final long total;

		private long written;

		private int told = -1;

		Progress(ReportProgress progress, long total) {
			this.progress = progress;
			this.total = total;
		}

		void oneMore() {
			this.written++;
			int percent = (int) (this.written * 100 / this.total);
			if (percent != this.told) {
				this.told = percent;
				this.progress.progress(percent);
			}
		}

	}

}
