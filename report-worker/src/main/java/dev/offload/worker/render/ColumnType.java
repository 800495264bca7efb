package dev.offload.worker.render;

/**
 * What the cells of a column (or a key figure) hold.
 */
public enum ColumnType {

	/** Text from the data or the report; never interpreted. */
	TEXT,

	/** A whole number ({@code Integer} or {@code Long}), with thousands separators. */
	INTEGER,

	/**
	 * An exact decimal amount ({@code BigDecimal}), two places, thousands separators.
	 */
	AMOUNT,

	/** A calendar date ({@code LocalDate}), ISO-8601. */
	DATE,

	/** A ratio ({@code BigDecimal}; 0.125 is 12.5%); may be negative (a decline). */
	PERCENT

}
