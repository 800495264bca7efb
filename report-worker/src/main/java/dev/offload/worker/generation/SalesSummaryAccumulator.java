package dev.offload.worker.generation;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Adds up order lines into a {@link SalesSummary}. Memory grows with the number of
 * months, regions and products, never with the number of lines: lines are streamed
 * through {@link #add} one at a time.
 * <p>
 * Lines must arrive grouped by order (all lines of an order one after another), which
 * lets orders be counted without remembering their ids.
 */
final class SalesSummaryAccumulator {

	static final int TOP_PRODUCTS = 10;

	private static final Comparator<SalesSummary.Product> MOST_REVENUE_FIRST = Comparator
		.comparing(SalesSummary.Product::revenue)
		.reversed()
		.thenComparing(SalesSummary.Product::sku);

	private final LocalDate from;

	private final LocalDate to;

	private final Map<YearMonth, Map<String, Cell>> byMonthAndRegion = new TreeMap<>();

	private final Map<String, ProductCell> byProduct = new HashMap<>();

	private long previousOrderId = Long.MIN_VALUE;

	private long orders;

	private long lines;

	private long quantity;

	private BigDecimal revenue = BigDecimal.ZERO;

	SalesSummaryAccumulator(LocalDate from, LocalDate to) {
		this.from = from;
		this.to = to;
	}

	/**
	 * Adds one order line.
	 * @param orderId the order's id
	 * @param orderedOn the order's date
	 * @param region the name of the customer's region
	 * @param sku the product's SKU
	 * @param productName the product's name
	 * @param quantity the units
	 * @param unitPrice the price per unit
	 */
	void add(long orderId, LocalDate orderedOn, String region, String sku, String productName, int quantity,
			BigDecimal unitPrice) {
		BigDecimal lineRevenue = unitPrice.multiply(BigDecimal.valueOf(quantity));
		boolean newOrder = orderId != this.previousOrderId;
		this.previousOrderId = orderId;

		Cell cell = this.byMonthAndRegion.computeIfAbsent(YearMonth.from(orderedOn), (month) -> new TreeMap<>())
			.computeIfAbsent(region, (name) -> new Cell());
		cell.revenue = cell.revenue.add(lineRevenue);
		ProductCell product = this.byProduct.computeIfAbsent(sku, (key) -> new ProductCell(productName));
		product.quantity += quantity;
		product.revenue = product.revenue.add(lineRevenue);

		if (newOrder) {
			cell.orders++;
			this.orders++;
		}
		this.lines++;
		this.quantity += quantity;
		this.revenue = this.revenue.add(lineRevenue);
	}

	/**
	 * The summary of the lines added so far.
	 * @return the summary
	 */
	SalesSummary summary() {
		List<SalesSummary.MonthRegion> rows = new ArrayList<>();
		this.byMonthAndRegion.forEach((month, regions) -> regions.forEach(
				(region, cell) -> rows.add(new SalesSummary.MonthRegion(month, region, cell.orders, cell.revenue))));
		List<SalesSummary.Product> top = this.byProduct.entrySet()
			.stream()
			.map((entry) -> new SalesSummary.Product(entry.getKey(), entry.getValue().name, entry.getValue().quantity,
					entry.getValue().revenue))
			.sorted(MOST_REVENUE_FIRST)
			.limit(TOP_PRODUCTS)
			.toList();
		return new SalesSummary(this.from, this.to, List.copyOf(rows), top,
				new SalesSummary.Totals(this.orders, this.lines, this.quantity, this.revenue));
	}

	private static final class Cell {

		private long orders;

		private BigDecimal revenue = BigDecimal.ZERO;

	}

	private static final class ProductCell {

		private final String name;

		private long quantity;

		private BigDecimal revenue = BigDecimal.ZERO;

		ProductCell(String name) {
			this.name = name;
		}

	}

}
