package dev.offload.worker.sales;

import java.util.List;

/**
 * The regions and product categories of the sales data, as {@link SalesSeeder} creates
 * them. Report types offer them as choices (a region, a category), so the choices and the
 * data come from one list.
 */
public final class SalesDimensions {

	/** The regions' names, in the order of their ids. */
	public static final List<String> REGIONS = List.of("Africa", "Asia Pacific", "Central Europe", "Latin America",
			"Middle East", "North America", "Northern Europe", "Southern Europe");

	/** The product categories. */
	public static final List<String> CATEGORIES = List.of("Office", "Kitchen", "Outdoor", "Electronics", "Home");

	private SalesDimensions() {
	}

}
