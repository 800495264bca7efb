package dev.offload.worker.render;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;

import org.apache.commons.csv.CSVFormat;

/**
 * Renders a document as CSV (RFC 4180 through Apache Commons CSV: comma-separated, CRLF,
 * quoted where needed, UTF-8). The title and subtitle come first, then each section: its
 * heading on a line of its own, then key figures as {@code label,value} lines, or a
 * table's header and rows, or a chart's data as a table (a category column and one column
 * per series); an empty line between sections.
 * <p>
 * Numbers are written plainly (amounts with two places and a dot, ratios as decimals) so
 * they import as numbers; text from the data that a spreadsheet would read as a formula
 * gets a leading {@code '}.
 */
final class CsvDocumentWriter implements DocumentWriter {

	/** Bytes collected before they are written. */
	private static final int BUFFER_BYTES = 64 * 1024;

	/**
	 * One per thread: Commons CSV prints each value holding the format's lock, which
	 * writers on other threads would otherwise wait for. Not one per writer, and used
	 * directly rather than through a {@code CSVPrinter}, which copies its format:
	 * building and copying a format per file took about 4% of the worker's CPU for a
	 * NO_OP report.
	 */
	private static final ThreadLocal<CSVFormat> FORMAT = ThreadLocal
		.withInitial(() -> CSVFormat.RFC4180.builder().setRecordSeparator("\r\n").get());

	private final CSVFormat format = FORMAT.get();

	private final Utf8Writer out;

	CsvDocumentWriter(OutputStream out) {
		this.out = new Utf8Writer(out, BUFFER_BYTES);
	}

	@Override
	public void title(String title, String subtitle) {
		print(Cells.neutralised(title));
		if (subtitle != null) {
			print(Cells.neutralised(subtitle));
		}
	}

	@Override
	public void keyFigures(String heading, List<KeyFigure> figures) {
		startSection(heading);
		for (KeyFigure figure : figures) {
			print(Cells.neutralised(figure.label()), Cells.plain(figure.value(), figure.type()));
		}
	}

	@Override
	public void paragraph(String text) {
		startSection(null);
		print(Cells.neutralised(text));
	}

	@Override
	public TableWriter table(String heading, List<Column> columns) {
		startSection(heading);
		print(columns.stream().map((column) -> Cells.neutralised(column.name())).toArray());
		return new TableWriter() {

			@Override
			public void row(Object... cells) {
				if (cells.length != columns.size()) {
					throw new IllegalArgumentException(
							"A row of " + cells.length + " cells in a table of " + columns.size() + " columns");
				}
				// Numbers and dates are never quoted (their plain text is digits, '-',
				// '+' and '.'): they skip Commons CSV's look at every character, which
				// also copies the delimiter into a new array per value, and are written
				// without a string in between. The format writes nothing between
				// records, so rows can be written beside it.
				Utf8Writer out = CsvDocumentWriter.this.out;
				CSVFormat format = CsvDocumentWriter.this.format;
				try {
					for (int i = 0; i < cells.length; i++) {
						ColumnType type = columns.get(i).type();
						String text = (cells[i] == null || type == ColumnType.TEXT) ? Cells.plain(cells[i], type)
								: null;
						if (text != null && !printsAsItIs(text)) {
							format.print(text, out, i == 0);
							continue;
						}
						if (i > 0) {
							out.append(format.getDelimiterString());
						}
						if (text != null) {
							out.append(text);
						}
						else {
							Cells.writePlain(cells[i], type, out);
						}
					}
					out.append(format.getRecordSeparator());
				}
				catch (IOException ex) {
					throw new UncheckedIOException(ex);
				}
			}

			@Override
			public void close() {
			}

		};
	}

	/**
	 * Whether Commons CSV's minimal quoting (RFC 4180) prints a text as it is: not empty,
	 * its first character past {@code '#'} and its last past a space, with no comma,
	 * double quote, CR or LF. Most text of a large table is, and is then written without
	 * Commons CSV's own look at it, which also copies the delimiter into a new array per
	 * value; any other text is printed by Commons CSV.
	 */
	static boolean printsAsItIs(String text) {
		int length = text.length();
		if (length == 0 || text.charAt(0) <= '#' || text.charAt(length - 1) <= ' ') {
			return false;
		}
		for (int i = 0; i < length; i++) {
			char c = text.charAt(i);
			if (c == ',' || c == '"' || c == '\r' || c == '\n') {
				return false;
			}
		}
		return true;
	}

	@Override
	public void chart(Chart chart) {
		ChartData.writeAsTable(this, chart);
	}

	@Override
	public void finish() {
		try {
			this.out.flush();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private void startSection(String heading) {
		print();
		if (heading != null) {
			print(Cells.neutralised(heading));
		}
	}

	private void print(Object... values) {
		try {
			// No values: an empty record, the record separator alone.
			this.format.printRecord(this.out, values);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
