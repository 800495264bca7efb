package dev.offload.worker.catalogue;

import dev.offload.model.ReportParameter;
import dev.offload.worker.sales.SalesDimensions;
import dev.offload.worker.sales.SalesLines;

/**
 * The filters report types over the sales data share: a region and a product category,
 * declared once with the choices the data has, and applied to the lines a report reads.
 */
public final class SalesParameters {

	/** The name of the region parameter. */
	public static final String REGION = "region";

	/** The name of the category parameter. */
	public static final String CATEGORY = "category";

	private SalesParameters() {
	}

	/**
	 * An optional region, left out for every region.
	 * @return the parameter
	 */
	public static ReportParameter region() {
		return ReportParameter
			.choice(REGION, "Only customers in this region; leave out for every region.", SalesDimensions.REGIONS)
			.optional(null);
	}

	/**
	 * An optional product category, left out for every category.
	 * @return the parameter
	 */
	public static ReportParameter category() {
		return ReportParameter
			.choice(CATEGORY, "Only products of this category; leave out for every category.",
					SalesDimensions.CATEGORIES)
			.optional(null);
	}

	/**
	 * The lines of a period, filtered by whichever of {@value #REGION} and
	 * {@value #CATEGORY} the parameters give.
	 * @param period the period
	 * @param parameters the report's parameters
	 * @return the lines to read
	 */
	public static SalesLines lines(Period period, ReportParameters parameters) {
		return SalesLines.between(period.from(), period.to())
			.inRegion(parameters.optional(REGION).orElse(null))
			.inCategory(parameters.optional(CATEGORY).orElse(null));
	}

}
