package dev.offload.worker.catalogue.salessummary;

import java.math.BigDecimal;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.offload.model.ReportFormat;
import dev.offload.model.ReportParameter;
import dev.offload.model.ReportTypeDescriptor;
import dev.offload.worker.catalogue.FileNames;
import dev.offload.worker.catalogue.Period;
import dev.offload.worker.catalogue.Ratios;
import dev.offload.worker.catalogue.ReportData;
import dev.offload.worker.catalogue.ReportDefinition;
import dev.offload.worker.catalogue.ReportParameters;
import dev.offload.worker.catalogue.ReportProgress;
import dev.offload.worker.catalogue.SalesParameters;
import dev.offload.worker.render.Chart;
import dev.offload.worker.render.Column;
import dev.offload.worker.render.ColumnType;
import dev.offload.worker.render.DocumentWriter;
import dev.offload.worker.render.KeyFigure;
import dev.offload.worker.render.TableWriter;
import dev.offload.worker.sales.SalesLines;
import dev.offload.worker.sales.SalesLines.ProductSales;
import dev.offload.worker.sales.SalesLines.SalesTotals;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * {@code SALES_SUMMARY}: the headline figures of a period against the previous period of
 * the same length, revenue by month and region, and the top products.
 * <p>
 * PostgreSQL adds everything up ({@code GROUP BY}, exact {@code numeric} sums), so the
 * worker holds one row per month and region and one per product, whatever the number of
 * order lines.
 */
@Component
class SalesSummaryReport implements ReportDefinition {

	static final String NAME = "SALES_SUMMARY";

	static final int TOP_PRODUCTS = 10;

	private static final ReportTypeDescriptor DESCRIPTOR = new ReportTypeDescriptor(NAME, 1, "Sales summary",
			"Revenue, orders and units of a period against the previous one, revenue by month and region, "
					+ "and the top products.",
			parameters(), List.of(ReportFormat.CSV, ReportFormat.XLSX, ReportFormat.PDF), false);

	private final ReportData data;

	SalesSummaryReport(ReportData data) {
		this.data = data;
	}

	private static List<ReportParameter> parameters() {
		List<ReportParameter> parameters = new ArrayList<>(Period.parameters("order date"));
		parameters.add(SalesParameters.region());
		return parameters;
	}

	@Override
	public ReportTypeDescriptor descriptor() {
		return DESCRIPTOR;
	}

	@Override
	public String fileName(ReportParameters parameters) {
		return FileNames.of("sales-summary", FileNames.of(Period.of(parameters)),
				parameters.optional(SalesParameters.REGION).orElse(null));
	}

	@Override
	public void build(ReportParameters parameters, ReportProgress progress, DocumentWriter document) {
		Period period = Period.of(parameters);
		String region = parameters.optional(SalesParameters.REGION).orElse(null);
		SalesLines lines = SalesParameters.lines(period, parameters);
		Period previous = period.previous();
		document.title("Sales summary", period + ((region != null) ? ", " + region : ""));
		this.data.read(progress, (jdbc) -> {
			SalesTotals totals = lines.totals(jdbc);
			SalesTotals before = lines.during(previous.from(), previous.to()).totals(jdbc);
			progress.progress(25);
			document.keyFigures("Key figures",
					List.of(new KeyFigure("Revenue", totals.revenue(), ColumnType.AMOUNT),
							new KeyFigure("Orders", totals.orders(), ColumnType.INTEGER),
							new KeyFigure("Order lines", totals.lines(), ColumnType.INTEGER),
							new KeyFigure("Units", totals.units(), ColumnType.INTEGER),
							new KeyFigure("Average order value", totals.averageOrder(), ColumnType.AMOUNT),
							new KeyFigure("Revenue change", Ratios.change(totals.revenue(), before.revenue()),
									ColumnType.PERCENT),
							new KeyFigure("Orders change", Ratios.change(totals.orders(), before.orders()),
									ColumnType.PERCENT)));
			document.paragraph("Changes compare with " + previous + ", the previous period of the same length.");

			List<String> regions = regions(jdbc, region);
			Map<YearMonth, Map<String, BigDecimal>> revenue = revenueByMonthAndRegion(jdbc, lines);
			progress.progress(50);
			writePivot(document, period.months(), regions, revenue);
			document.chart(chart(period.months(), regions, revenue));

			List<ProductSales> products = lines.byProduct(jdbc);
			progress.progress(75);
			writeTopProducts(document, products.subList(0, Math.min(TOP_PRODUCTS, products.size())), totals.revenue());

			try (TableWriter table = document.table("Totals", List.of(Column.integer("Orders"),
					Column.integer("Order lines"), Column.integer("Units"), Column.amount("Revenue")))) {
				table.row(totals.orders(), totals.lines(), totals.units(), totals.revenue());
			}
		});
	}

	/** The pivot's columns: every region of the data, or the one asked for. */
	private static List<String> regions(JdbcClient jdbc, String region) {
		if (region != null) {
			return List.of(region);
		}
		return jdbc.sql("SELECT name FROM sales.regions ORDER BY name").query(String.class).list();
	}

	private static Map<YearMonth, Map<String, BigDecimal>> revenueByMonthAndRegion(JdbcClient jdbc, SalesLines lines) {
		Map<YearMonth, Map<String, BigDecimal>> revenue = new HashMap<>();
		lines
			.select(jdbc,
					"to_char(o.ordered_on, 'YYYY-MM') AS month, r.name AS region, sum(" + SalesLines.AMOUNT
							+ ") AS revenue",
					" GROUP BY 1, 2\n")
			.query((rs) -> {
				revenue.computeIfAbsent(YearMonth.parse(rs.getString("month")), (month) -> new HashMap<>())
					.put(rs.getString("region"), rs.getBigDecimal("revenue"));
			});
		return revenue;
	}

	private static void writePivot(DocumentWriter document, List<YearMonth> months, List<String> regions,
			Map<YearMonth, Map<String, BigDecimal>> revenue) {
		List<Column> columns = new ArrayList<>();
		columns.add(Column.text("Month"));
		regions.forEach((region) -> columns.add(Column.amount(region)));
		columns.add(Column.amount("Total"));
		BigDecimal[] regionTotals = new BigDecimal[regions.size()];
		Arrays.fill(regionTotals, zero());
		BigDecimal grandTotal = zero();
		try (TableWriter table = document.table("Revenue by month and region", columns)) {
			for (YearMonth month : months) {
				Object[] cells = new Object[regions.size() + 2];
				cells[0] = month.toString();
				BigDecimal monthTotal = zero();
				for (int i = 0; i < regions.size(); i++) {
					BigDecimal cell = cell(revenue, month, regions.get(i));
					cells[i + 1] = cell;
					monthTotal = monthTotal.add(cell);
					regionTotals[i] = regionTotals[i].add(cell);
				}
				cells[cells.length - 1] = monthTotal;
				grandTotal = grandTotal.add(monthTotal);
				table.row(cells);
			}
			Object[] total = new Object[regions.size() + 2];
			total[0] = "Total";
			System.arraycopy(regionTotals, 0, total, 1, regionTotals.length);
			total[total.length - 1] = grandTotal;
			table.row(total);
		}
	}

	private static Chart chart(List<YearMonth> months, List<String> regions,
			Map<YearMonth, Map<String, BigDecimal>> revenue) {
		List<Chart.Series> series = regions.stream()
			.map((region) -> new Chart.Series(region,
					months.stream().map((month) -> cell(revenue, month, region)).toList()))
			.toList();
		return new Chart("Monthly revenue by region", Chart.Kind.BAR, "Revenue",
				months.stream().map(YearMonth::toString).toList(), series);
	}

	private static void writeTopProducts(DocumentWriter document, List<ProductSales> top, BigDecimal revenue) {
		try (TableWriter table = document.table("Top products",
				List.of(Column.text("SKU"), Column.text("Product"), Column.text("Category"), Column.integer("Units"),
						Column.amount("Revenue"), Column.percent("Share of revenue")))) {
			for (ProductSales product : top) {
				table.row(product.sku(), product.name(), product.category(), product.units(), product.revenue(),
						Ratios.share(product.revenue(), revenue));
			}
		}
	}

	/** A month's revenue in a region: zero when it sold nothing there. */
	private static BigDecimal cell(Map<YearMonth, Map<String, BigDecimal>> revenue, YearMonth month, String region) {
		return revenue.getOrDefault(month, Map.of()).getOrDefault(region, zero());
	}

	private static BigDecimal zero() {
		return BigDecimal.ZERO.setScale(2);
	}

}
