package dev.offload.worker.render;

import java.util.List;

/**
 * Renders one report document into one file format, as the report is built: sections are
 * written in the order they are given and table rows are streamed, so a writer holds no
 * more than a bounded window of a document whatever its size.
 * <p>
 * A report type calls, in any order and as often as it needs: {@link #title} (once,
 * first), {@link #keyFigures}, {@link #paragraph}, {@link #table} and {@link #chart};
 * then {@link #finish()}. A table must be closed before the next section starts. Text
 * taken from data is never interpreted (no formulas, no markup) by any writer.
 */
public interface DocumentWriter {

	/**
	 * The document's title, first and once.
	 * @param title the title, for example {@code Sales summary}
	 * @param subtitle a line under it (the period covered), or {@code null}
	 */
	void title(String title, String subtitle);

	/**
	 * A block of headline figures (totals, counts, changes).
	 * @param heading the block's heading, or {@code null}
	 * @param figures the figures, in display order
	 */
	void keyFigures(String heading, List<KeyFigure> figures);

	/**
	 * A line of explanatory text.
	 * @param text the text
	 */
	void paragraph(String text);

	/**
	 * Starts a table whose rows follow through the returned writer.
	 * @param heading the table's heading
	 * @param columns its columns, which also say how each cell is formatted
	 * @return the writer of its rows; close it to end the table
	 */
	TableWriter table(String heading, List<Column> columns);

	/**
	 * A chart. Writers that cannot draw write its data as a table.
	 * @param chart the chart
	 */
	void chart(Chart chart);

	/**
	 * Ends the document and flushes everything to the output stream, which stays open
	 * (its owner closes it).
	 */
	void finish();

	/**
	 * Gives the document up without writing it: releases what it holds besides the output
	 * stream (temporary files), after the report failed or stopped. Does nothing after
	 * {@link #finish()}, or if called twice.
	 */
	default void abandon() {
	}

}
