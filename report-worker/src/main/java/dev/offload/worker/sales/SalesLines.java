package dev.offload.worker.sales;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The order lines of the sales data that a report reads: those of the orders placed in a
 * date range (both ends included), optionally only of one region, one product category or
 * one customer. It owns the join over the sales tables and the filters, so every report
 * type selects from the same rows the same way.
 * <p>
 * Queries name the tables as {@code l} (order line), {@code o} (order), {@code c}
 * (customer), {@code r} (region) and {@code p} (product). A line's amount is
 * {@value #AMOUNT}: a {@code numeric} product, exact, as are its sums.
 *
 * @param from the first order date included
 * @param to the last order date included
 * @param region the region's name, or {@code null} for every region
 * @param category the product category, or {@code null} for every category
 * @param customerId the customer's id, or {@code null} for every customer
 */
public record SalesLines(LocalDate from, LocalDate to, String region, String category, Long customerId) {

	/** The SQL of a line's amount: quantity times the line's unit price. */
	public static final String AMOUNT = "(l.quantity * l.unit_price)";

	private static final String ORDER_LINES = """
			  FROM sales.order_lines l
			  JOIN sales.orders o ON o.id = l.order_id
			""";

	private static final String CUSTOMERS_AND_REGIONS = """
			  JOIN sales.customers c ON c.id = o.customer_id
			  JOIN sales.regions r ON r.id = c.region_id
			""";

	private static final String PRODUCTS = """
			  JOIN sales.products p ON p.id = l.product_id
			""";

	private static final String IN_RANGE = """
			 WHERE o.ordered_on BETWEEN :from AND :to
			""";

	/** Every line with its order, customer, region and product. */
	private static final String LINES = ORDER_LINES + CUSTOMERS_AND_REGIONS + PRODUCTS + IN_RANGE;

	private static final String EACH_COLUMNS = """
			o.id AS order_id, o.ordered_on, c.id AS customer_id, c.name AS customer, r.name AS region,
			       p.sku, p.name AS product, p.category, l.quantity, l.unit_price, %s AS amount""".formatted(AMOUNT);

	/**
	 * By date, then order: ORDER_EXPORT counts orders as it writes the lines (a line
	 * whose order is not the one before it starts one), so an order's lines must be
	 * together, and tells progress by the line's date, so dates must rise.
	 */
	private static final String EACH_ORDER = " ORDER BY o.ordered_on, o.id, l.line_no\n";

	/** The prefix of the transaction settings {@link #selectOnSettings} reads. */
	private static final String SETTINGS = "offload.sales.";

	public SalesLines {
		Objects.requireNonNull(from, "from");
		Objects.requireNonNull(to, "to");
	}

	/**
	 * Every line of the orders placed in a date range.
	 * @param from the first order date included
	 * @param to the last order date included
	 * @return the lines
	 */
	public static SalesLines between(LocalDate from, LocalDate to) {
		return new SalesLines(from, to, null, null, null);
	}

	/**
	 * The same filters over another date range (such as the previous period).
	 * @param otherFrom the first order date included
	 * @param otherTo the last order date included
	 * @return the lines
	 */
	public SalesLines during(LocalDate otherFrom, LocalDate otherTo) {
		return new SalesLines(otherFrom, otherTo, this.region, this.category, this.customerId);
	}

	/**
	 * Only the lines of customers in one region.
	 * @param name the region's name, or {@code null} for every region
	 * @return the lines
	 */
	public SalesLines inRegion(String name) {
		return new SalesLines(this.from, this.to, name, this.category, this.customerId);
	}

	/**
	 * Only the lines of products of one category.
	 * @param name the category, or {@code null} for every category
	 * @return the lines
	 */
	public SalesLines inCategory(String name) {
		return new SalesLines(this.from, this.to, this.region, name, this.customerId);
	}

	/**
	 * Only the lines of one customer's orders.
	 * @param id the customer's id
	 * @return the lines
	 */
	public SalesLines ofCustomer(long id) {
		return new SalesLines(this.from, this.to, this.region, this.category, id);
	}

	/**
	 * A query over these lines, its parameters bound.
	 * @param jdbc the report's client
	 * @param columns the select list, for example {@code p.category, sum(l.quantity)}
	 * @param rest what follows the filters ({@code GROUP BY}, {@code ORDER BY}), or an
	 * empty string
	 * @return the statement, ready to run
	 */
	public JdbcClient.StatementSpec select(JdbcClient jdbc, String columns, String rest) {
		return select(jdbc, LINES, columns, rest);
	}

	private JdbcClient.StatementSpec select(JdbcClient jdbc, String lines, String columns, String rest) {
		String sql = sql(lines, columns, rest, ":from", ":to", ":region", ":category", ":customerId");
		JdbcClient.StatementSpec statement = jdbc.sql(sql).param("from", this.from).param("to", this.to);
		if (this.region != null) {
			statement = statement.param("region", this.region);
		}
		if (this.category != null) {
			statement = statement.param("category", this.category);
		}
		if (this.customerId != null) {
			statement = statement.param("customerId", this.customerId);
		}
		return statement;
	}

	/**
	 * A query over these lines that reads its values from settings of the transaction
	 * ({@link #settings()}, set with {@code set_config} and bound parameters before it
	 * runs), for statements that take no parameters (PostgreSQL's {@code COPY}): no value
	 * is ever written into the SQL.
	 * @param columns the select list
	 * @param rest what follows the filters, or an empty string
	 * @return the SQL
	 */
	public String selectOnSettings(String columns, String rest) {
		return sql(LINES, columns, rest, setting("from") + "::date", setting("to") + "::date", setting("region"),
				setting("category"), setting("customer_id") + "::bigint");
	}

	/**
	 * The SQL of {@link #each}, reading its values from {@link #settings()}: the columns
	 * of a {@link SalesLine} in the order of its components.
	 * @return the SQL
	 */
	public String eachOnSettings() {
		return selectOnSettings(EACH_COLUMNS, EACH_ORDER);
	}

	/**
	 * The values {@link #selectOnSettings} reads, by setting name, as text.
	 * @return the settings to set in the transaction before the query
	 */
	public Map<String, String> settings() {
		Map<String, String> settings = new LinkedHashMap<>();
		settings.put(SETTINGS + "from", this.from.toString());
		settings.put(SETTINGS + "to", this.to.toString());
		if (this.region != null) {
			settings.put(SETTINGS + "region", this.region);
		}
		if (this.category != null) {
			settings.put(SETTINGS + "category", this.category);
		}
		if (this.customerId != null) {
			settings.put(SETTINGS + "customer_id", this.customerId.toString());
		}
		return settings;
	}

	private static String setting(String name) {
		return "current_setting('" + SETTINGS + name + "')";
	}

	private String sql(String lines, String columns, String rest, String from, String to, String region,
			String category, String customerId) {
		StringBuilder sql = new StringBuilder("SELECT ").append(columns)
			.append('\n')
			.append(lines.replace(":from", from).replace(":to", to));
		if (this.region != null) {
			sql.append("   AND r.name = ").append(region).append('\n');
		}
		if (this.category != null) {
			sql.append("   AND p.category = ").append(category).append('\n');
		}
		if (this.customerId != null) {
			sql.append("   AND o.customer_id = ").append(customerId).append('\n');
		}
		return sql.append(rest).toString();
	}

	/**
	 * The totals of these lines, added up by PostgreSQL.
	 * @param jdbc the report's client
	 * @return the totals; zero if there are no lines
	 */
	public SalesTotals totals(JdbcClient jdbc) {
		// Every line has exactly one order, customer, region and product (NOT NULL
		// foreign keys), so a join only a filter needs changes no total. PostgreSQL
		// cannot leave out an inner join it does not need; without them the totals of a
		// year of lines took half the time.
		String lines = ORDER_LINES + ((this.region != null) ? CUSTOMERS_AND_REGIONS : "")
				+ ((this.category != null) ? PRODUCTS : "") + IN_RANGE;
		return select(jdbc, lines,
				"count(DISTINCT o.id) AS orders, count(*) AS lines, "
						+ "coalesce(sum(l.quantity), 0) AS units, coalesce(sum(" + AMOUNT + "), 0) AS revenue",
				"")
			.withFetchSize(0)
			.query((rs, row) -> new SalesTotals(rs.getLong("orders"), rs.getLong("lines"), rs.getLong("units"),
					rs.getBigDecimal("revenue")))
			.single();
	}

	/**
	 * Units and revenue of every product these lines sell, most revenue first (then by
	 * SKU). One row per product, so memory grows with the products, not the lines.
	 * @param jdbc the report's client
	 * @return the products
	 */
	public List<ProductSales> byProduct(JdbcClient jdbc) {
		List<ProductSales> products = new ArrayList<>();
		select(jdbc, "p.sku, p.name, p.category, sum(l.quantity) AS units, sum(" + AMOUNT + ") AS revenue", """
				 GROUP BY p.id, p.sku, p.name, p.category
				 ORDER BY revenue DESC, p.sku
				""").withFetchSize(0).query((rs) -> {
			products.add(new ProductSales(rs.getString("sku"), rs.getString("name"), rs.getString("category"),
					rs.getLong("units"), rs.getBigDecimal("revenue")));
		});
		return products;
	}

	/**
	 * Streams these lines one at a time, by order date, order and line number, from a
	 * cursor: nothing is kept, so any number of lines fits in memory.
	 * @param jdbc the report's client, whose queries stream
	 * @param each called with every line
	 */
	public void each(JdbcClient jdbc, Consumer<SalesLine> each) {
		select(jdbc, EACH_COLUMNS, EACH_ORDER).query((rs) -> {
			// By position: a lookup by name per cell costs a map lookup, millions of
			// times.
			each.accept(new SalesLine(rs.getLong(1), rs.getObject(2, LocalDate.class), rs.getLong(3), rs.getString(4),
					rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8), rs.getInt(9),
					rs.getBigDecimal(10), rs.getBigDecimal(11)));
		});
	}

	/**
	 * Totals of a set of order lines.
	 *
	 * @param orders the distinct orders
	 * @param lines the order lines
	 * @param units the units (sum of quantities)
	 * @param revenue the sum of the lines' amounts, exact
	 */
	public record SalesTotals(long orders, long lines, long units, BigDecimal revenue) {

		public SalesTotals {
			// coalesce(..., 0) has scale 0; amounts are cents.
			revenue = revenue.setScale(2, RoundingMode.UNNECESSARY);
		}

		/**
		 * Revenue per order, to the cent (half up).
		 * @return the average, or {@code null} if there are no orders
		 */
		public BigDecimal averageOrder() {
			return (this.orders > 0) ? this.revenue.divide(BigDecimal.valueOf(this.orders), 2, RoundingMode.HALF_UP)
					: null;
		}

	}

	/**
	 * What one product sold.
	 *
	 * @param sku its SKU
	 * @param name its name
	 * @param category its category
	 * @param units the units sold
	 * @param revenue the revenue, exact
	 */
	public record ProductSales(String sku, String name, String category, long units, BigDecimal revenue) {

	}

	/**
	 * One order line with its order, customer, region and product.
	 *
	 * @param orderId the order's id
	 * @param orderedOn the order's date
	 * @param customerId the customer's id
	 * @param customer the customer's name
	 * @param region the customer's region
	 * @param sku the product's SKU
	 * @param product the product's name
	 * @param category the product's category
	 * @param quantity the units
	 * @param unitPrice the line's price per unit
	 * @param amount quantity times unit price, exact
	 */
	public record SalesLine(long orderId, LocalDate orderedOn, long customerId, String customer, String region,
			String sku, String product, String category, int quantity, BigDecimal unitPrice, BigDecimal amount) {

	}

}
