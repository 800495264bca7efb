package dev.offload.worker.sales;

import java.time.Duration;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.util.Assert;

/**
 * Fills the {@code sales} schema with made-up but plausible data for the reports to read.
 * <p>
 * The data is deterministic: every value derives from row ids through a fixed hash, so
 * the same number of orders always gives the same rows and the same totals. It is
 * generated inside PostgreSQL with set-based {@code INSERT ... SELECT generate_series}
 * statements, so a million orders take seconds to a minute rather than hours of
 * row-by-row JDBC. Seeding empties the tables first, in the same transaction, so seeding
 * again replaces the data and a failed seed leaves the old data in place.
 */
@Component
public class SalesSeeder {

	/** The first order date. */
	public static final LocalDate FIRST_DAY = LocalDate.of(2021, 1, 1);

	/** The last order date. */
	public static final LocalDate LAST_DAY = LocalDate.of(2025, 12, 31);

	private static final Logger logger = LoggerFactory.getLogger(SalesSeeder.class);

	private static final List<String> REGIONS = SalesDimensions.REGIONS;

	private static final List<String> ADJECTIVES = List.of("Classic", "Compact", "Deluxe", "Eco", "Essential",
			"Premium", "Pro", "Smart", "Travel", "Vintage");

	private static final List<String> CATEGORIES = SalesDimensions.CATEGORIES;

	/** Ten nouns per category, in the order of {@link #CATEGORIES}. */
	private static final List<String> NOUNS = List.of("Stapler", "Notebook", "Pen Set", "Desk Lamp", "Paper Tray",
			"Binder", "Whiteboard", "Marker Pack", "Calendar", "Organizer", "Kettle", "Toaster", "Blender",
			"Coffee Grinder", "Chef Knife", "Cutting Board", "Saucepan", "Frying Pan", "Mixing Bowl", "Teapot", "Tent",
			"Sleeping Bag", "Backpack", "Camping Stove", "Lantern", "Hammock", "Water Bottle", "Trekking Pole",
			"Cooler", "Compass", "Headphones", "Speaker", "Keyboard", "Mouse", "Webcam", "Charger", "USB Hub",
			"Monitor Stand", "Power Bank", "Smart Plug", "Throw Blanket", "Cushion", "Vase", "Picture Frame", "Candle",
			"Rug", "Wall Clock", "Mirror", "Plant Pot", "Bookend");

	/** Every adjective with every noun: 500 distinct products. */
	private static final int PRODUCTS = ADJECTIVES.size() * NOUNS.size();

	private static final int MIN_CUSTOMERS = 50;

	private static final int ORDERS_PER_CUSTOMER = 20;

	private static final int MAX_LINES_PER_ORDER = 5;

	private final JdbcClient jdbc;

	private final TransactionTemplate transactions;

	public SalesSeeder(JdbcClient jdbc, PlatformTransactionManager transactionManager) {
		this.jdbc = jdbc;
		this.transactions = new TransactionTemplate(transactionManager);
	}

	/**
	 * Replaces the sales data with {@code orders} generated orders, their customers,
	 * products and regions.
	 * @param orders how many orders to create
	 * @return what was created
	 */
	public SeedResult seed(int orders) {
		Assert.isTrue(orders > 0, "orders must be positive");
		int customers = Math.max(MIN_CUSTOMERS, orders / ORDERS_PER_CUSTOMER);
		long days = ChronoUnit.DAYS.between(FIRST_DAY, LAST_DAY) + 1;
		long started = System.nanoTime();
		logger.info("Seeding {} orders, {} customers, {} products, {} regions", orders, customers, PRODUCTS,
				REGIONS.size());
		SeedResult result = this.transactions.execute((status) -> {
			this.jdbc.sql("TRUNCATE sales.order_lines, sales.orders, sales.products, sales.customers, sales.regions")
				.update();
			insertRegions();
			this.jdbc.sql("""
					INSERT INTO sales.customers (id, name, region_id)
					SELECT g, 'Customer ' || lpad(g::text, 7, '0'), 1 + %s
					  FROM generate_series(1, :customers) AS g
					""".formatted(random("g", 1, REGIONS.size()))).param("customers", customers).update();
			insertProducts();
			this.jdbc.sql("""
					INSERT INTO sales.orders (id, customer_id, ordered_on)
					SELECT g, 1 + %s, DATE '%s' + %s::integer
					  FROM generate_series(1, :orders) AS g
					""".formatted(random("g", 2, customers), FIRST_DAY, random("g", 3, days)))
				.param("orders", orders)
				.update();
			// Up to five lines per order; small quantities are the most common. A line's
			// price is its product's list price.
			String lineKey = "o.id * 8 + s.line_no";
			long lines = this.jdbc.sql("""
					INSERT INTO sales.order_lines (order_id, line_no, product_id, quantity, unit_price)
					SELECT l.order_id, l.line_no, p.id, l.quantity, p.unit_price
					  FROM (SELECT o.id AS order_id, s.line_no, 1 + %s AS product_id,
					               (1 + %s * %s)::integer AS quantity
					          FROM sales.orders o
					         CROSS JOIN LATERAL generate_series(1, 1 + %s::integer) AS s(line_no)) l
					  JOIN sales.products p ON p.id = l.product_id
					""".formatted(random(lineKey, 4, PRODUCTS), random(lineKey, 5, 4), random(lineKey, 6, 4),
					random("o.id", 7, MAX_LINES_PER_ORDER)))
				.update();
			this.jdbc.sql("ANALYZE sales.regions, sales.customers, sales.products, sales.orders, sales.order_lines")
				.update();
			return new SeedResult(orders, lines, customers, PRODUCTS, REGIONS.size(),
					Duration.ofNanos(System.nanoTime() - started));
		});
		logger.info("Seeded {} orders with {} lines, {} customers, {} products and {} regions in {} ms",
				result.orders(), result.lines(), result.customers(), result.products(), result.regions(),
				result.took().toMillis());
		return result;
	}

	private void insertRegions() {
		String values = REGIONS.stream()
			.map((region) -> "(" + (REGIONS.indexOf(region) + 1) + ", " + literal(region) + ")")
			.collect(Collectors.joining(", "));
		this.jdbc.sql("INSERT INTO sales.regions (id, name) VALUES " + values).update();
	}

	private void insertProducts() {
		// Product g is adjective (g - 1) / 50 with noun (g - 1) % 50; a noun's category
		// is
		// its block of ten. Prices run from 1.00 to 499.99.
		this.jdbc
			.sql("""
					INSERT INTO sales.products (id, sku, name, category, unit_price)
					SELECT g, 'SKU-' || lpad(g::text, 5, '0'),
					       (%s)[1 + (g - 1) / %d] || ' ' || (%s)[1 + (g - 1) %% %d],
					       (%s)[1 + ((g - 1) %% %d) / 10],
					       (100 + %s) / 100.0
					  FROM generate_series(1, :products) AS g
					""".formatted(array(ADJECTIVES), NOUNS.size(), array(NOUNS), NOUNS.size(), array(CATEGORIES),
					NOUNS.size(), random("g", 8, 49_900)))
			.param("products", PRODUCTS)
			.update();
	}

	/**
	 * SQL for a pseudo-random number in {@code [0, bound)} derived from {@code key}
	 * alone: a 32-bit integer hash (multiply, xor-shift, multiply, xor-shift). Every
	 * product stays below 2^63, so it never overflows PostgreSQL's bigint. The salt gives
	 * each column of a row its own, uncorrelated value.
	 */
	static String random(String key, int salt, long bound) {
		String mixed = "((((" + key + ")::bigint * 2654435761) + " + (salt * 1013904223L) + ") & 4294967295)";
		String multiplied = "(((" + mixed + " # (" + mixed + " >> 16)) * 1597334677) & 4294967295)";
		return "((" + multiplied + " # (" + multiplied + " >> 13)) % " + bound + ")";
	}

	private static String array(List<String> values) {
		return values.stream().map(SalesSeeder::literal).collect(Collectors.joining(", ", "ARRAY[", "]"));
	}

	private static String literal(String value) {
		return "'" + value.replace("'", "''") + "'";
	}

	/**
	 * What a seed created.
	 *
	 * @param orders the orders
	 * @param lines the order lines
	 * @param customers the customers
	 * @param products the products
	 * @param regions the regions
	 * @param took how long it took
	 */
	public record SeedResult(int orders, long lines, int customers, int products, int regions, Duration took) {

	}

}
