package dev.offload.worker.generation;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.List;

/**
 * The content of a sales summary, independent of the format it is written in.
 *
 * @param from the first order date included
 * @param to the last order date included
 * @param byMonthAndRegion revenue by month and region, by month then region name
 * @param topProducts the products with the most revenue, most first
 * @param totals the totals over the whole range
 */
record SalesSummary(LocalDate from, LocalDate to, List<MonthRegion> byMonthAndRegion, List<Product> topProducts,
		Totals totals) {

	/** The report's title. */
	String title() {
		return "Sales summary " + this.from + " to " + this.to;
	}

	/**
	 * Sales of one region in one month.
	 *
	 * @param month the month
	 * @param region the region's name
	 * @param orders the number of orders
	 * @param revenue the revenue
	 */
	record MonthRegion(YearMonth month, String region, long orders, BigDecimal revenue) {

	}

	/**
	 * Sales of one product.
	 *
	 * @param sku the product's SKU
	 * @param name the product's name
	 * @param quantity the units sold
	 * @param revenue the revenue
	 */
	record Product(String sku, String name, long quantity, BigDecimal revenue) {

	}

	/**
	 * Totals over the whole range.
	 *
	 * @param orders the number of orders
	 * @param lines the number of order lines
	 * @param quantity the units sold
	 * @param revenue the revenue
	 */
	record Totals(long orders, long lines, long quantity, BigDecimal revenue) {

	}

}
