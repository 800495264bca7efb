package dev.offload.worker.render;

import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;

/**
 * A chart of one or more series over the same categories.
 *
 * @param title the chart's title
 * @param kind how it is drawn
 * @param valueLabel what the values are, for the value axis (for example {@code Revenue})
 * @param categories the categories along the category axis (months, products)
 * @param series the series, each with one value per category ({@code null} for none)
 */
public record Chart(String title, Kind kind, String valueLabel, List<String> categories, List<Series> series) {

	public Chart {
		Objects.requireNonNull(title, "title");
		Objects.requireNonNull(kind, "kind");
		categories = List.copyOf(categories);
		series = List.copyOf(series);
		for (Series one : series) {
			if (one.values().size() != categories.size()) {
				throw new IllegalArgumentException("Series '" + one.name() + "' has " + one.values().size()
						+ " values for " + categories.size() + " categories");
			}
		}
	}

	/** How a chart is drawn. */
	public enum Kind {

		/**
		 * Vertical bars, one group per category (stacked if there are several series).
		 */
		BAR,

		/** One line per series. */
		LINE

	}

	/**
	 * One series of a chart.
	 *
	 * @param name its name, for the legend
	 * @param values one value per category
	 */
	public record Series(String name, List<BigDecimal> values) {

		public Series {
			Objects.requireNonNull(name, "name");
			// null values are allowed (no value for a category), so no List.copyOf.
			values = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(values));
		}

	}

}
