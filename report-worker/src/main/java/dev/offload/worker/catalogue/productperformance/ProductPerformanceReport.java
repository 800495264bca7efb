package dev.offload.worker.catalogue.productperformance;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
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
 * {@code PRODUCT_PERFORMANCE}: revenue and units by category and by product, each
 * product's growth against the previous period of the same length, and the best and worst
 * sellers. PostgreSQL adds up by product and by category, so memory grows with the number
 * of products (twice: this period and the previous), never with the order lines.
 */
@Component
class ProductPerformanceReport implements ReportDefinition {

	static final String NAME = "PRODUCT_PERFORMANCE";

	static final String TOP = "top";

	private static final ReportTypeDescriptor DESCRIPTOR = new ReportTypeDescriptor(NAME, 1, "Product performance",
			"Revenue and units by category and product, growth against the previous period of the same length, "
					+ "and the top and bottom products by revenue.",
			parameters(), List.of(ReportFormat.CSV, ReportFormat.XLSX, ReportFormat.PDF), false);

	/** Most revenue first; SKU breaks ties, so the order is the same every time. */
	private static final Comparator<ProductSales> MOST_REVENUE_FIRST = Comparator
		.comparing(ProductSales::revenue, Comparator.reverseOrder())
		.thenComparing(ProductSales::sku);

	private static final Comparator<ProductSales> LEAST_REVENUE_FIRST = Comparator.comparing(ProductSales::revenue)
		.thenComparing(ProductSales::sku);

	private final ReportData data;

	ProductPerformanceReport(ReportData data) {
		this.data = data;
	}

	private static List<ReportParameter> parameters() {
		List<ReportParameter> parameters = new ArrayList<>(Period.parameters("order date"));
		parameters.add(ReportParameter.integer(TOP, "How many products the top and bottom lists show.", 1, 100)
			.optional("10"));
		parameters.add(SalesParameters.category());
		return parameters;
	}

	@Override
	public ReportTypeDescriptor descriptor() {
		return DESCRIPTOR;
	}

	@Override
	public String fileName(ReportParameters parameters) {
		return FileNames.of("product-performance", FileNames.of(Period.of(parameters)),
				parameters.optional(SalesParameters.CATEGORY).orElse(null));
	}

	@Override
	public void build(ReportParameters parameters, ReportProgress progress, DocumentWriter document) {
		Period period = Period.of(parameters);
		Period previous = period.previous();
		int top = (int) parameters.integer(TOP);
		String category = parameters.optional(SalesParameters.CATEGORY).orElse(null);
		SalesLines lines = SalesParameters.lines(period, parameters);
		SalesLines before = lines.during(previous.from(), previous.to());
		document.title("Product performance", period + ((category != null) ? ", " + category : ""));
		this.data.read(progress, (jdbc) -> {
			SalesTotals totals = lines.totals(jdbc);
			SalesTotals previousTotals = before.totals(jdbc);
			List<ProductSales> products = lines.byProduct(jdbc);
			progress.progress(30);
			Map<String, ProductSales> previousProducts = new LinkedHashMap<>();
			before.byProduct(jdbc).forEach((product) -> previousProducts.put(product.sku(), product));
			progress.progress(60);
			document.keyFigures("Key figures",
					List.of(new KeyFigure("Revenue", totals.revenue(), ColumnType.AMOUNT),
							new KeyFigure("Units", totals.units(), ColumnType.INTEGER),
							new KeyFigure("Products sold", (long) products.size(), ColumnType.INTEGER),
							new KeyFigure("Revenue change", Ratios.change(totals.revenue(), previousTotals.revenue()),
									ColumnType.PERCENT),
							new KeyFigure("Units change", Ratios.change(totals.units(), previousTotals.units()),
									ColumnType.PERCENT)));
			document.paragraph("Changes and growth compare with " + previous
					+ ", the previous period of the same length. The bottom products are those with the least "
					+ "revenue among the products sold in the period.");
			writeCategories(document, byCategory(jdbc, lines), totals.revenue());
			progress.progress(80);
			writeProducts(document, products, previousProducts);
			writeRanking(document, "Top " + top + " products by revenue",
					products.stream().sorted(MOST_REVENUE_FIRST).limit(top).toList());
			writeRanking(document, "Bottom " + top + " products by revenue",
					products.stream().sorted(LEAST_REVENUE_FIRST).limit(top).toList());
		});
	}

	private static List<CategorySales> byCategory(JdbcClient jdbc, SalesLines lines) {
		return lines.select(jdbc, "p.category, sum(l.quantity) AS units, sum(" + SalesLines.AMOUNT + ") AS revenue", """
				 GROUP BY p.category
				 ORDER BY p.category
				""")
			.query((rs, row) -> new CategorySales(rs.getString("category"), rs.getLong("units"),
					rs.getBigDecimal("revenue")))
			.list();
	}

	private static void writeCategories(DocumentWriter document, List<CategorySales> categories, BigDecimal revenue) {
		try (TableWriter table = document.table("Revenue and units by category", List.of(Column.text("Category"),
				Column.integer("Units"), Column.amount("Revenue"), Column.percent("Share of revenue")))) {
			for (CategorySales category : categories) {
				table.row(category.category(), category.units(), category.revenue(),
						Ratios.share(category.revenue(), revenue));
			}
		}
		document.chart(new Chart("Revenue by category", Chart.Kind.BAR, "Revenue",
				categories.stream().map(CategorySales::category).toList(),
				List.of(new Chart.Series("Revenue", categories.stream().map(CategorySales::revenue).toList()))));
	}

	/**
	 * Every product sold in the period or the previous one: a product that stopped
	 * selling is news too, so it shows with no units and no revenue.
	 */
	private static void writeProducts(DocumentWriter document, List<ProductSales> products,
			Map<String, ProductSales> previousProducts) {
		Map<String, ProductSales> current = new LinkedHashMap<>();
		products.forEach((product) -> current.put(product.sku(), product));
		try (TableWriter table = document.table("Products",
				List.of(Column.text("SKU"), Column.text("Product"), Column.text("Category"), Column.integer("Units"),
						Column.amount("Revenue"), Column.amount("Previous revenue"), Column.percent("Growth")))) {
			for (ProductSales product : products) {
				ProductSales before = previousProducts.get(product.sku());
				BigDecimal previousRevenue = (before != null) ? before.revenue() : null;
				table.row(product.sku(), product.name(), product.category(), product.units(), product.revenue(),
						previousRevenue, Ratios.change(product.revenue(), previousRevenue));
			}
			previousProducts.values()
				.stream()
				.filter((product) -> !current.containsKey(product.sku()))
				.sorted(MOST_REVENUE_FIRST)
				.forEach((product) -> table.row(product.sku(), product.name(), product.category(), 0L,
						BigDecimal.ZERO.setScale(2), product.revenue(),
						Ratios.change(BigDecimal.ZERO, product.revenue())));
		}
	}

	private static void writeRanking(DocumentWriter document, String heading, List<ProductSales> products) {
		try (TableWriter table = document.table(heading, List.of(Column.integer("Rank"), Column.text("SKU"),
				Column.text("Product"), Column.text("Category"), Column.integer("Units"), Column.amount("Revenue")))) {
			int rank = 0;
			for (ProductSales product : products) {
				table.row(++rank, product.sku(), product.name(), product.category(), product.units(),
						product.revenue());
			}
		}
	}

	private record CategorySales(String category, long units, BigDecimal revenue) {

	}

}
