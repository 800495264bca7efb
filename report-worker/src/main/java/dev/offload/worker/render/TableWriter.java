package dev.offload.worker.render;

/**
 * Streams the rows of one table of a {@link DocumentWriter}.
 */
public interface TableWriter extends AutoCloseable {

	/**
	 * Writes one row. Cells match the table's columns in number and order: a
	 * {@link String} for {@link ColumnType#TEXT}, an {@link Integer} or {@link Long} for
	 * {@link ColumnType#INTEGER}, a {@link java.math.BigDecimal} for
	 * {@link ColumnType#AMOUNT} and {@link ColumnType#PERCENT} (a ratio: 0.125 is 12.5%),
	 * a {@link java.time.LocalDate} for {@link ColumnType#DATE}; {@code null} for an
	 * empty cell.
	 * @param cells the row's cells
	 * @throws IllegalArgumentException if a cell does not fit its column
	 */
	void row(Object... cells);

	/** Ends the table. */
	@Override
	void close();

}
