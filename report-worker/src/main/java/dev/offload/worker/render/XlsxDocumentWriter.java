package dev.offload.worker.render;

import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

import org.apache.commons.compress.archivers.zip.Zip64Mode;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.apache.poi.openxml4j.util.ZipArchiveThresholdInputStream;
import org.apache.poi.openxml4j.util.ZipEntrySource;
import org.apache.poi.ss.usermodel.Cell;
import org.apache.poi.ss.usermodel.CellStyle;
import org.apache.poi.ss.usermodel.Font;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.util.WorkbookUtil;
import org.apache.poi.xssf.streaming.GZIPSheetDataWriter;
import org.apache.poi.xssf.streaming.SXSSFSheet;
import org.apache.poi.xssf.streaming.SXSSFWorkbook;
import org.apache.poi.xssf.streaming.SheetDataWriter;
import org.apache.poi.xssf.usermodel.XSSFChartSheet;
import org.apache.poi.xssf.usermodel.XSSFSheet;

/**
 * Renders a document as an Excel workbook with Apache POI's streaming
 * {@link SXSSFWorkbook}: only a window of {@value #WINDOW} rows per sheet is in memory,
 * the rest is flushed to a temporary file ({@link XlsxTempFiles}: deflated as written, by
 * default, or plain or gzipped), so any row count fits in a bounded heap.
 * <p>
 * The first sheet, "Summary", holds the title, subtitle, key figures and paragraphs; each
 * table and each chart's data is a sheet of its own, with a bold, frozen header row and
 * column widths taken from the header and the first rows. Numbers are numeric cells
 * ({@code #,##0}, {@code #,##0.00}, {@code 0.0%}), dates are date cells, and text is
 * text; a text cell that a spreadsheet would read as a formula is marked quote-prefixed
 * (Excel's own "this is text" flag). A table longer than Excel's 1,048,576 rows goes on
 * in a sheet "name (2)" with the header repeated, and the Summary sheet says so.
 */
final class XlsxDocumentWriter implements DocumentWriter {

	/** Excel's rows per sheet, the header included. */
	static final int EXCEL_MAX_ROWS = 1_048_576;

	private static final int WINDOW = 100;

	private static final int TEMP_BUFFER_BYTES = 64 * 1024;

	/**
	 * Excel's serial number of 1970-01-01 in the 1900 date system. From 1900-03-01 on, a
	 * day's serial is its epoch day plus this (POI's {@code DateUtil} gives the same,
	 * through a calendar per cell); before, Excel's phantom 1900-02-29 shifts it.
	 */
	private static final int EPOCH_SERIAL = 25_569;

	private static final LocalDate FIRST_PLAIN_SERIAL_DAY = LocalDate.of(1900, 3, 1);

	/** Rows whose widths are measured for the column widths. */
	private static final int MEASURED_ROWS = 200;

	private static final int MAX_WIDTH_CHARS = 60;

	private final OutputStream out;

	private final int maxRows;

	private final FastWorkbook workbook;

	private final SXSSFSheet summary;

	private final Set<String> sheetNames = new HashSet<>();

	private final CellStyle bold;

	private final CellStyle text;

	private final CellStyle formulaText;

	private final CellStyle integer;

	private final CellStyle amount;

	private final CellStyle percent;

	private final CellStyle date;

	private int summaryRows;

	XlsxDocumentWriter(OutputStream out, int maxRows, XlsxTempFiles tempFiles) {
		this.out = out;
		this.maxRows = maxRows;
		this.workbook = new FastWorkbook(WINDOW, tempFiles);
		Font boldFont = this.workbook.createFont();
		boldFont.setBold(true);
		this.bold = this.workbook.createCellStyle();
		this.bold.setFont(boldFont);
		this.text = this.workbook.createCellStyle();
		this.formulaText = this.workbook.createCellStyle();
		this.formulaText.setQuotePrefixed(true);
		this.integer = numberStyle("#,##0");
		this.amount = numberStyle("#,##0.00");
		this.percent = numberStyle("0.0%");
		this.date = numberStyle("yyyy-mm-dd");
		this.summary = newSheet("Summary");
		this.summary.setColumnWidth(0, 40 * 256);
		this.summary.setColumnWidth(1, 20 * 256);
	}

	@Override
	public void title(String title, String subtitle) {
		Cell cell = summaryRow().createCell(0);
		setText(cell, title);
		cell.setCellStyle(this.bold);
		if (subtitle != null) {
			setText(summaryRow().createCell(0), subtitle);
		}
	}

	@Override
	public void keyFigures(String heading, List<KeyFigure> figures) {
		summaryHeading(heading);
		for (KeyFigure figure : figures) {
			Row row = summaryRow();
			setText(row.createCell(0), figure.label());
			setValue(row.createCell(1), Cells.check(figure.value(), figure.type()), figure.type());
		}
	}

	@Override
	public void paragraph(String line) {
		this.summaryRows++;
		setText(summaryRow().createCell(0), line);
	}

	@Override
	public TableWriter table(String heading, List<Column> columns) {
		return new SheetTable(heading, List.copyOf(columns));
	}

	@Override
	public void chart(Chart chart) {
		ChartData.writeAsTable(this, chart);
	}

	/** How this document keeps its rows on disk while it is written. */
	XlsxTempFiles tempFiles() {
		return this.workbook.tempFiles;
	}

	@Override
	public void finish() {
		try {
			this.workbook.write(this.out);
			this.out.flush();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		finally {
			try {
				this.workbook.close();
			}
			catch (IOException ex) {
				// The temporary files are deleted by close(); nothing more to do.
			}
		}
	}

	@Override
	public void abandon() {
		try {
			// Deletes the temporary sheet files (POI's dispose), written or not.
			this.workbook.close();
		}
		catch (IOException ex) {
			// Nothing more to do: close() deleted what it could.
		}
	}

	private CellStyle numberStyle(String format) {
		CellStyle style = this.workbook.createCellStyle();
		style.setDataFormat(this.workbook.createDataFormat().getFormat(format));
		return style;
	}

	private SXSSFSheet newSheet(String wanted) {
		String base = WorkbookUtil.createSafeSheetName((wanted == null || wanted.isBlank()) ? "Sheet" : wanted);
		String name = base;
		for (int n = 2; this.sheetNames.contains(name.toLowerCase(java.util.Locale.ROOT)); n++) {
			String suffix = " (" + n + ")";
			name = base.substring(0, Math.min(base.length(), 31 - suffix.length())) + suffix;
		}
		this.sheetNames.add(name.toLowerCase(java.util.Locale.ROOT));
		return this.workbook.createSheet(name);
	}

	private Row summaryRow() {
		return this.summary.createRow(this.summaryRows++);
	}

	private void summaryHeading(String heading) {
		this.summaryRows++;
		if (heading != null) {
			Cell cell = summaryRow().createCell(0);
			setText(cell, heading);
			cell.setCellStyle(this.bold);
		}
	}

	private void setText(Cell cell, String value) {
		cell.setCellValue(value);
		cell.setCellStyle(Cells.looksLikeFormula(value) ? this.formulaText : this.text);
	}

	private void setValue(Cell cell, Object value, ColumnType type) {
		if (value == null) {
			return;
		}
		switch (type) {
			case TEXT -> setText(cell, (String) value);
			case INTEGER -> {
				cell.setCellValue(((Number) value).doubleValue());
				cell.setCellStyle(this.integer);
			}
			case AMOUNT -> {
				cell.setCellValue(((BigDecimal) value).doubleValue());
				cell.setCellStyle(this.amount);
			}
			case PERCENT -> {
				cell.setCellValue(((BigDecimal) value).doubleValue());
				cell.setCellStyle(this.percent);
			}
			case DATE -> {
				LocalDate day = (LocalDate) value;
				if (day.isBefore(FIRST_PLAIN_SERIAL_DAY)) {
					cell.setCellValue(day);
				}
				else {
					cell.setCellValue(day.toEpochDay() + EPOCH_SERIAL);
				}
				cell.setCellStyle(this.date);
			}
		}
	}

	/** The rows of one table, over as many sheets as Excel's row limit needs. */
	private final class SheetTable implements TableWriter {

		private final String heading;

		private final List<Column> columns;

		private final int[] widths;

		private SXSSFSheet sheet;

		private int sheets;

		private int rows;

		private long measured;

		SheetTable(String heading, List<Column> columns) {
			this.heading = heading;
			this.columns = columns;
			this.widths = new int[columns.size()];
			startSheet();
		}

		@Override
		public void row(Object... cells) {
			if (cells.length != this.columns.size()) {
				throw new IllegalArgumentException(
						"A row of " + cells.length + " cells in a table of " + this.columns.size() + " columns");
			}
			if (this.rows >= XlsxDocumentWriter.this.maxRows) {
				startSheet();
			}
			Row row = this.sheet.createRow(this.rows++);
			for (int i = 0; i < cells.length; i++) {
				ColumnType type = this.columns.get(i).type();
				setValue(row.createCell(i), Cells.check(cells[i], type), type);
				if (this.measured < MEASURED_ROWS) {
					measure(i, Cells.display(cells[i], type));
				}
			}
			if (this.measured++ == MEASURED_ROWS) {
				applyWidths();
			}
		}

		@Override
		public void close() {
			if (this.measured <= MEASURED_ROWS) {
				applyWidths();
			}
		}

		private void startSheet() {
			this.sheets++;
			String name = (this.sheets == 1) ? this.heading : this.heading + " (" + this.sheets + ")";
			if (this.sheet != null) {
				applyWidths();
				paragraph("The table \"" + this.heading + "\" has more rows than a sheet holds ("
						+ XlsxDocumentWriter.this.maxRows + " with its header): it goes on in sheet \"" + name + "\".");
			}
			this.sheet = newSheet(name);
			this.rows = 0;
			Row header = this.sheet.createRow(this.rows++);
			for (int i = 0; i < this.columns.size(); i++) {
				Cell cell = header.createCell(i);
				setText(cell, this.columns.get(i).name());
				cell.setCellStyle(XlsxDocumentWriter.this.bold);
				measure(i, this.columns.get(i).name());
			}
			this.sheet.createFreezePane(0, 1);
		}

		private void measure(int column, String shown) {
			this.widths[column] = Math.max(this.widths[column], Math.min(MAX_WIDTH_CHARS, shown.length() + 2));
		}

		private void applyWidths() {
			for (int i = 0; i < this.widths.length; i++) {
				this.sheet.setColumnWidth(i, Math.max(8, this.widths[i]) * 256);
			}
		}

	}

	/**
	 * POI's streaming workbook, faster: the sheet XML written through a
	 * {@link Utf8Writer}, not POI's buffered writer that locks and encodes per call, and
	 * every deflater at the fastest level (which makes the file about a third larger than
	 * the default).
	 * <p>
	 * {@link XlsxTempFiles#DEFLATED}: each sheet's XML is deflated as it is written, on a
	 * thread of the workbook's own, into its temporary file, which becomes the sheet's
	 * zip entry as it is ({@link DeflatedEntry}). Otherwise POI's way: the temporary
	 * files (plain, or gzipped and inflated again) are deflated into the workbook when it
	 * is written, on the writing thread, after the last row.
	 */
	private static final class FastWorkbook extends SXSSFWorkbook {

		private static final String SHEET_DATA = "<sheetData";

		private final XlsxTempFiles tempFiles;

		private ExecutorService deflaterThread;

		FastWorkbook(int window, XlsxTempFiles tempFiles) {
			super(window);
			this.tempFiles = tempFiles;
			setCompressTempFiles(tempFiles == XlsxTempFiles.GZIP);
		}

		@Override
		protected SheetDataWriter createSheetDataWriter() throws IOException {
			return switch (this.tempFiles) {
				case DEFLATED -> new DeflatedSheetDataWriter();
				case PLAIN -> new SheetDataWriter(getSharedStringSource()) {

					// Called by the constructor: uses no field of its own.
					@Override
					public Writer createWriter(File file) throws IOException {
						return new Utf8Writer(new FileOutputStream(file), TEMP_BUFFER_BYTES);
					}

				};
				case GZIP -> new GZIPSheetDataWriter(getSharedStringSource()) {

					// Called by the constructor: uses no field of its own.
					@Override
					public Writer createWriter(File file) throws IOException {
						FileOutputStream out = new FileOutputStream(file);
						try {
							return new Utf8Writer(new GZIPOutputStream(out, TEMP_BUFFER_BYTES) {
								{
									this.def.setLevel(Deflater.BEST_SPEED);
								}
							}, TEMP_BUFFER_BYTES);
						}
						catch (IOException | RuntimeException ex) {
							out.close();
							throw ex;
						}
					}

				};
			};
		}

		private Executor deflaterThread() {
			if (this.deflaterThread == null) {
				this.deflaterThread = Executors.newSingleThreadExecutor((task) -> {
					Thread thread = new Thread(task, "xlsx-deflater");
					thread.setDaemon(true);
					return thread;
				});
			}
			return this.deflaterThread;
		}

		@Override
		protected ZipArchiveOutputStream createArchiveOutputStream(OutputStream out) {
			ZipArchiveOutputStream zip = super.createArchiveOutputStream(out);
			zip.setLevel(Deflater.BEST_SPEED);
			return zip;
		}

		@Override
		protected void injectData(ZipEntrySource template, OutputStream out) throws IOException {
			if (this.tempFiles != XlsxTempFiles.DEFLATED) {
				super.injectData(template, out);
				return;
			}
			// Commons Compress's own zip writer, not POI's (which cannot take an entry
			// already deflated); without Zip64 fields where they are not needed, as POI
			// wrote workbooks before 5.0.
			ZipArchiveOutputStream zip = new ZipArchiveOutputStream(out);
			zip.setUseZip64(Zip64Mode.AsNeeded);
			zip.setLevel(Deflater.BEST_SPEED);
			// Finished only if every entry was written: a failure is thrown as it is, not
			// hidden behind the unfinished archive's.
			try (template) {
				Enumeration<? extends ZipArchiveEntry> entries = template.getEntries();
				while (entries.hasMoreElements()) {
					ZipArchiveEntry entry = entries.nextElement();
					try (InputStream in = template.getInputStream(entry)) {
						if (in instanceof ZipArchiveThresholdInputStream threshold) {
							// As POI: a template's sheet is not a zip bomb for being
							// repetitive.
							threshold.setGuardState(false);
						}
						XSSFSheet sheet = getSheetFromZipEntryName(entry.getName());
						if (sheet != null && !(sheet instanceof XSSFChartSheet)) {
							injectSheet(zip, entry.getName(), in.readAllBytes(), getSheet(sheet.getSheetName()));
						}
						else {
							ZipArchiveEntry copy = new ZipArchiveEntry(entry.getName());
							zip.putArchiveEntry(copy);
							in.transferTo(zip);
							zip.closeArchiveEntry();
						}
					}
				}
				zip.finish();
			}
		}

		/**
		 * The template's sheet XML with the sheet's rows in its {@code sheetData}, as POI
		 * puts them, the rows' deflate data copied as it is.
		 */
		private static void injectSheet(ZipArchiveOutputStream zip, String name, byte[] template, SXSSFSheet sheet)
				throws IOException {
			String xml = new String(template, StandardCharsets.UTF_8);
			String head;
			String tail;
			int empty = xml.indexOf(SHEET_DATA + "/>");
			if (empty >= 0) {
				head = xml.substring(0, empty) + SHEET_DATA + ">";
				tail = "</sheetData>" + xml.substring(empty + SHEET_DATA.length() + 2);
			}
			else {
				int end = xml.indexOf("</sheetData>");
				if (xml.indexOf(SHEET_DATA + ">") < 0 || end < 0) {
					throw new IOException("The workbook's template of " + name + " has no sheetData");
				}
				head = xml.substring(0, end);
				tail = xml.substring(end);
			}
			try (InputStream rows = sheet.getWorksheetXMLInputStream()) {
				DeflatedEntry.add(zip, name, head.getBytes(StandardCharsets.UTF_8), rows, ((Rows) rows).deflated,
						tail.getBytes(StandardCharsets.UTF_8));
			}
		}

		/**
		 * A sheet's XML deflated as it is written ({@link BackgroundDeflater}) on the
		 * workbook's deflating thread; read back as that raw deflate data, not as XML. An
		 * inner class: POI's constructor opens the file through
		 * {@link #createWriter(File)}, before a field of this class is set, but after the
		 * reference to the workbook is.
		 */
		private final class DeflatedSheetDataWriter extends SheetDataWriter {

			DeflatedSheetDataWriter() throws IOException {
				super(getSharedStringSource());
			}

			@Override
			public Writer createWriter(File file) throws IOException {
				return new Utf8Writer(new BackgroundDeflater(new FileOutputStream(file), deflaterThread()),
						TEMP_BUFFER_BYTES);
			}

			@Override
			public InputStream getWorksheetXMLInputStream() throws IOException {
				BackgroundDeflater deflater = (BackgroundDeflater) ((Utf8Writer) this._out).stream();
				BackgroundDeflater.Deflated deflated = deflater.deflated();
				return new Rows(new FileInputStream(getTempFile()), deflated);
			}

		}

		/** The raw deflate data of a sheet's rows, and what it holds. */
		private static final class Rows extends FilterInputStream {

			private final BackgroundDeflater.Deflated deflated;

			Rows(InputStream in, BackgroundDeflater.Deflated deflated) {
				super(in);
				this.deflated = deflated;
			}

		}

		@Override
		public void close() throws IOException {
			try {
				// Closes the sheets' writers (each waits for its deflating) and deletes
				// their files.
				super.close();
			}
			finally {
				if (this.deflaterThread != null) {
					this.deflaterThread.shutdown();
				}
			}
		}

	}

}
