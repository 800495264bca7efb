package dev.offload.worker.catalogue;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import dev.offload.worker.render.Chart;
import dev.offload.worker.render.Column;
import dev.offload.worker.render.ColumnType;
import dev.offload.worker.render.DocumentWriter;
import dev.offload.worker.render.KeyFigure;
import dev.offload.worker.render.TableWriter;

/**
 * A {@link DocumentWriter} that records every call and every row, so tests can read a
 * report's figures back. It also holds report types to the writers' contract: the title
 * once and first, one table open at a time, cells of the kind their column says, nothing
 * after {@link #finish()}.
 * <p>
 * Made with {@link #countingRows()}, it keeps no rows, only each table's row count and
 * column sums, for reports too large to keep.
 */
public final class RecordingDocument implements DocumentWriter {

	private final boolean keepRows;

	private final List<Section> sections = new ArrayList<>();

	private String title;

	private String subtitle;

	private boolean titled;

	private Table open;

	private boolean finished;

	private RecordingDocument(boolean keepRows) {
		this.keepRows = keepRows;
	}

	/**
	 * A document that keeps every row.
	 * @return the document
	 */
	public static RecordingDocument keepingRows() {
		return new RecordingDocument(true);
	}

	/**
	 * A document that counts and sums rows but keeps none.
	 * @return the document
	 */
	public static RecordingDocument countingRows() {
		return new RecordingDocument(false);
	}

	/**
	 * Builds a report into a new recording document, as the pipeline would: parameters
	 * read against the type's descriptor, then {@link #finish()}.
	 * @param definition the report type
	 * @param parameters the parameters, as a request gives them
	 * @return the recorded document
	 */
	public static RecordingDocument build(ReportDefinition definition, Map<String, String> parameters) {
		return build(definition, parameters, ReportProgress.NONE);
	}

	/**
	 * Builds a report into a new recording document.
	 * @param definition the report type
	 * @param parameters the parameters, as a request gives them
	 * @param progress told the report's progress
	 * @return the recorded document
	 */
	public static RecordingDocument build(ReportDefinition definition, Map<String, String> parameters,
			ReportProgress progress) {
		RecordingDocument document = keepingRows();
		definition.build(ReportParameters.of(definition.descriptor(), parameters), progress, document);
		document.finish();
		return document;
	}

	@Override
	public void title(String title, String subtitle) {
		checkOpen("title");
		if (this.titled || !this.sections.isEmpty()) {
			throw new IllegalStateException("The title comes first and once");
		}
		this.titled = true;
		this.title = title;
		this.subtitle = subtitle;
	}

	@Override
	public void keyFigures(String heading, List<KeyFigure> figures) {
		checkOpen("key figures");
		for (KeyFigure figure : figures) {
			checkCell(figure.type(), figure.value(), "Key figure '" + figure.label() + "'");
		}
		this.sections.add(new Figures(heading, List.copyOf(figures)));
	}

	@Override
	public void paragraph(String text) {
		checkOpen("a paragraph");
		this.sections.add(new Paragraph(text));
	}

	@Override
	public TableWriter table(String heading, List<Column> columns) {
		checkOpen("a table");
		Table table = new Table(heading, List.copyOf(columns), this.keepRows);
		this.sections.add(table);
		this.open = table;
		return new TableWriter() {

			@Override
			public void row(Object... cells) {
				if (table.closed) {
					throw new IllegalStateException("Table '" + heading + "' is closed");
				}
				table.add(cells);
			}

			@Override
			public void close() {
				table.closed = true;
				RecordingDocument.this.open = null;
			}

		};
	}

	@Override
	public void chart(Chart chart) {
		checkOpen("a chart");
		this.sections.add(new ChartSection(chart));
	}

	@Override
	public void finish() {
		checkOpen("finish");
		this.finished = true;
	}

	private void checkOpen(String what) {
		if (this.finished) {
			throw new IllegalStateException("The document is finished; " + what + " came after");
		}
		if (this.open != null) {
			throw new IllegalStateException("Table '" + this.open.heading + "' is still open; " + what + " came");
		}
	}

	static void checkCell(ColumnType type, Object value, String where) {
		if (value == null) {
			return;
		}
		boolean fits = switch (type) {
			case TEXT -> value instanceof String;
			case INTEGER -> value instanceof Integer || value instanceof Long;
			case AMOUNT, PERCENT -> value instanceof BigDecimal;
			case DATE -> value instanceof LocalDate;
		};
		if (!fits) {
			throw new IllegalArgumentException(
					where + " is " + type + " but holds a " + value.getClass().getSimpleName() + ": " + value);
		}
	}

	/**
	 * The title.
	 * @return the title, or {@code null} if there is none
	 */
	public String title() {
		return this.title;
	}

	/**
	 * The line under the title.
	 * @return the subtitle
	 */
	public String subtitle() {
		return this.subtitle;
	}

	/**
	 * Whether {@link #finish()} was called.
	 * @return {@code true} once finished
	 */
	public boolean finished() {
		return this.finished;
	}

	/**
	 * Every section after the title, in order.
	 * @return the sections
	 */
	public List<Section> sections() {
		return Collections.unmodifiableList(this.sections);
	}

	/**
	 * The headings of the tables, in order.
	 * @return the headings
	 */
	public List<String> tableHeadings() {
		return this.sections.stream().filter(Table.class::isInstance).map((s) -> ((Table) s).heading()).toList();
	}

	/**
	 * The table of a heading.
	 * @param heading the heading
	 * @return the table
	 * @throws AssertionError if there is not exactly one
	 */
	public Table table(String heading) {
		List<Table> tables = this.sections.stream()
			.filter(Table.class::isInstance)
			.map(Table.class::cast)
			.filter((table) -> table.heading().equals(heading))
			.toList();
		if (tables.size() != 1) {
			throw new AssertionError(tables.size() + " tables headed '" + heading + "', have " + tableHeadings());
		}
		return tables.get(0);
	}

	/**
	 * The blocks of key figures, in order.
	 * @return the blocks
	 */
	public List<Figures> keyFigureBlocks() {
		return this.sections.stream().filter(Figures.class::isInstance).map(Figures.class::cast).toList();
	}

	/**
	 * The value of a key figure of a block.
	 * @param heading the block's heading, or {@code null} for a block without one
	 * @param label the figure's label
	 * @return its value, possibly {@code null}
	 * @throws AssertionError if there is no such figure
	 */
	public Object keyFigure(String heading, String label) {
		return keyFigureBlocks().stream()
			.filter((block) -> Objects.equals(heading, block.heading()))
			.flatMap((block) -> block.figures().stream())
			.filter((figure) -> figure.label().equals(label))
			.findFirst()
			.orElseThrow(() -> new AssertionError("No key figure '" + label + "' under '" + heading + "'"))
			.value();
	}

	/**
	 * The text of the paragraphs, in order.
	 * @return the paragraphs
	 */
	public List<String> paragraphs() {
		return this.sections.stream()
			.filter(Paragraph.class::isInstance)
			.map((section) -> ((Paragraph) section).text())
			.toList();
	}

	/**
	 * The chart of a title.
	 * @param title the title
	 * @return the chart
	 * @throws AssertionError if there is none
	 */
	public Chart chart(String title) {
		return this.sections.stream()
			.filter(ChartSection.class::isInstance)
			.map((section) -> ((ChartSection) section).chart())
			.filter((chart) -> chart.title().equals(title))
			.findFirst()
			.orElseThrow(() -> new AssertionError("No chart '" + title + "'"));
	}

	/** One section of the document. */
	public sealed interface Section permits Figures, Paragraph, Table, ChartSection {

	}

	/**
	 * A block of key figures.
	 *
	 * @param heading its heading
	 * @param figures its figures
	 */
	public record Figures(String heading, List<KeyFigure> figures) implements Section {

	}

	/**
	 * A paragraph.
	 *
	 * @param text its text
	 */
	public record Paragraph(String text) implements Section {

	}

	/**
	 * A chart.
	 *
	 * @param chart the chart
	 */
	public record ChartSection(Chart chart) implements Section {

	}

	/** A table, its rows (if kept), its row count and column sums. */
	public static final class Table implements Section {

		private final String heading;

		private final List<Column> columns;

		private final boolean keepRows;

		private final List<List<Object>> rows = new ArrayList<>();

		private final BigDecimal[] sums;

		private long rowCount;

		private boolean closed;

		Table(String heading, List<Column> columns, boolean keepRows) {
			this.heading = heading;
			this.columns = columns;
			this.keepRows = keepRows;
			this.sums = new BigDecimal[columns.size()];
			Arrays.fill(this.sums, BigDecimal.ZERO);
		}

		void add(Object[] cells) {
			if (cells.length != this.columns.size()) {
				throw new IllegalArgumentException("Table '" + this.heading + "' has " + this.columns.size()
						+ " columns, a row " + cells.length + " cells");
			}
			for (int i = 0; i < cells.length; i++) {
				Column column = this.columns.get(i);
				checkCell(column.type(), cells[i], "Column '" + column.name() + "' of '" + this.heading + "'");
				if (cells[i] instanceof BigDecimal decimal) {
					this.sums[i] = this.sums[i].add(decimal);
				}
				else if (cells[i] instanceof Number number) {
					this.sums[i] = this.sums[i].add(BigDecimal.valueOf(number.longValue()));
				}
			}
			this.rowCount++;
			if (this.keepRows) {
				// Arrays.asList keeps nulls, which List.of refuses.
				this.rows.add(Collections.unmodifiableList(Arrays.asList(cells.clone())));
			}
		}

		public String heading() {
			return this.heading;
		}

		public List<Column> columns() {
			return this.columns;
		}

		/**
		 * The column names, in order.
		 * @return the names
		 */
		public List<String> columnNames() {
			return this.columns.stream().map(Column::name).toList();
		}

		/**
		 * Whether the table was closed.
		 * @return {@code true} if closed
		 */
		public boolean closed() {
			return this.closed;
		}

		/**
		 * How many rows were written.
		 * @return the count
		 */
		public long rowCount() {
			return this.rowCount;
		}

		/**
		 * The rows.
		 * @return the rows, each a list of cells
		 */
		public List<List<Object>> rows() {
			if (!this.keepRows) {
				throw new IllegalStateException("This document counts rows and keeps none");
			}
			return Collections.unmodifiableList(this.rows);
		}

		/**
		 * One column's cells, top to bottom.
		 * @param name the column's name
		 * @return the cells
		 */
		public List<Object> column(String name) {
			int index = index(name);
			return rows().stream().map((row) -> row.get(index)).toList();
		}

		/**
		 * The sum of a numeric column over every row written.
		 * @param name the column's name
		 * @return the sum
		 */
		public BigDecimal sum(String name) {
			return this.sums[index(name)];
		}

		private int index(String name) {
			int index = columnNames().indexOf(name);
			if (index < 0) {
				throw new AssertionError("Table '" + this.heading + "' has no column '" + name + "': " + columnNames());
			}
			return index;
		}

	}

}
