package dev.offload.worker.render;

import java.awt.Color;
import java.awt.geom.Rectangle2D;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.List;
import java.util.Locale;

import de.rototor.pdfbox.graphics2d.PdfBoxGraphics2D;
import org.apache.pdfbox.io.IOUtils;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.font.PDFont;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.apache.pdfbox.pdmodel.graphics.form.PDFormXObject;
import org.apache.pdfbox.util.Matrix;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * Renders a document as a PDF people read: A4 landscape, the document's title in a header
 * and "Page n of m" in a footer on every page; key figures as a two-column block; tables
 * with their header row repeated on each page, numbers right-aligned with thousands
 * separators, text left-aligned and shortened to its column; charts drawn with JFreeChart
 * as vector graphics (through a Graphics2D bridge into a PDF form), not as pictures.
 * <p>
 * Pages are kept in a temporary file rather than the heap while the document grows
 * (PDFBox's temp-file stream cache), and written out at {@link #finish()}, when the page
 * count is known.
 */
final class PdfDocumentWriter implements DocumentWriter {

	private static final PDRectangle PAGE = new PDRectangle(PDRectangle.A4.getHeight(), PDRectangle.A4.getWidth());

	private static final float MARGIN = 40;

	private static final float LINE = 14;

	private static final float TABLE_FONT_SIZE = 8.5f;

	private static final float CHART_HEIGHT = 300;

	private final OutputStream out;

	private final PDDocument document;

	private final PDFont regular = new PDType1Font(Standard14Fonts.FontName.HELVETICA);

	private final PDFont bold = new PDType1Font(Standard14Fonts.FontName.HELVETICA_BOLD);

	private String title = "";

	private PDPageContentStream page;

	private float y;

	PdfDocumentWriter(OutputStream out) {
		this.out = out;
		this.document = new PDDocument(IOUtils.createTempFileOnlyStreamCache());
	}

	@Override
	public void title(String title, String subtitle) {
		this.title = title;
		this.document.getDocumentInformation().setTitle(title);
		space(60);
		text(this.bold, 20, MARGIN, title);
		this.y -= 26;
		if (subtitle != null) {
			text(this.regular, 12, MARGIN, subtitle);
			this.y -= 22;
		}
	}

	@Override
	public void keyFigures(String heading, List<KeyFigure> figures) {
		heading(heading);
		for (KeyFigure figure : figures) {
			space(LINE);
			text(this.regular, 10, MARGIN, figure.label());
			String value = Cells.display(Cells.check(figure.value(), figure.type()), figure.type());
			textRight(this.bold, 10, MARGIN + 320, value.isEmpty() ? "n/a" : value);
			this.y -= LINE;
		}
		this.y -= 8;
	}

	@Override
	public void paragraph(String line) {
		space(LINE);
		text(this.regular, 10, MARGIN, line);
		this.y -= LINE + 4;
	}

	@Override
	public TableWriter table(String heading, List<Column> columns) {
		heading(heading);
		return new PdfTable(List.copyOf(columns));
	}

	@Override
	public void chart(Chart chart) {
		heading(chart.title());
		space(CHART_HEIGHT);
		float width = PAGE.getWidth() - 2 * MARGIN;
		try {
			PdfBoxGraphics2D graphics = new PdfBoxGraphics2D(this.document, width, CHART_HEIGHT);
			jfreeChart(chart).draw(graphics, new Rectangle2D.Double(0, 0, width, CHART_HEIGHT));
			graphics.dispose();
			PDFormXObject form = graphics.getXFormObject();
			this.page.saveGraphicsState();
			this.page.transform(Matrix.getTranslateInstance(MARGIN, this.y - CHART_HEIGHT));
			this.page.drawForm(form);
			this.page.restoreGraphicsState();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		this.y -= CHART_HEIGHT + 16;
	}

	@Override
	public void abandon() {
		try {
			closePage();
		}
		catch (RuntimeException ex) {
			// The page's stream goes with the document below.
		}
		try {
			// Deletes the temporary file its pages are cached in.
			this.document.close();
		}
		catch (IOException ex) {
			// Nothing more to do.
		}
	}

	@Override
	public void finish() {
		try {
			closePage();
			if (this.document.getNumberOfPages() == 0) {
				newPage();
				closePage();
			}
			int pages = this.document.getNumberOfPages();
			for (int i = 0; i < pages; i++) {
				PDPage each = this.document.getPage(i);
				try (PDPageContentStream footer = new PDPageContentStream(this.document, each,
						PDPageContentStream.AppendMode.APPEND, true, true)) {
					String number = "Page " + (i + 1) + " of " + pages;
					footer.beginText();
					footer.setFont(this.regular, 8);
					footer.newLineAtOffset(PAGE.getWidth() - MARGIN - this.regular.getStringWidth(number) / 1000 * 8,
							MARGIN / 2);
					footer.showText(number);
					footer.endText();
				}
			}
			this.document.save(this.out);
			this.out.flush();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		finally {
			try {
				this.document.close();
			}
			catch (IOException ex) {
				// The temporary file goes with the document; nothing more to do.
			}
		}
	}

	private JFreeChart jfreeChart(Chart chart) {
		DefaultCategoryDataset data = new DefaultCategoryDataset();
		for (Chart.Series series : chart.series()) {
			for (int i = 0; i < chart.categories().size(); i++) {
				BigDecimal value = series.values().get(i);
				data.addValue((value != null) ? value : null, series.name(), chart.categories().get(i));
			}
		}
		JFreeChart drawn = switch (chart.kind()) {
			case BAR -> ChartFactory.createStackedBarChart(null, null, chart.valueLabel(), data,
					PlotOrientation.VERTICAL, chart.series().size() > 1, false, false);
			case LINE -> ChartFactory.createLineChart(null, null, chart.valueLabel(), data, PlotOrientation.VERTICAL,
					chart.series().size() > 1, false, false);
		};
		drawn.setBackgroundPaint(Color.WHITE);
		CategoryPlot plot = drawn.getCategoryPlot();
		plot.setBackgroundPaint(Color.WHITE);
		plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
		// Many categories (a year of months) do not fit side by side: slant them rather
		// than let JFreeChart shorten them to "20...".
		if (chart.categories().size() > 6) {
			plot.getDomainAxis().setCategoryLabelPositions(CategoryLabelPositions.UP_45);
		}
		((NumberAxis) plot.getRangeAxis())
			.setNumberFormatOverride(new DecimalFormat("#,##0", DecimalFormatSymbols.getInstance(Locale.ROOT)));
		return drawn;
	}

	private void heading(String heading) {
		if (heading == null) {
			return;
		}
		space(LINE * 4);
		this.y -= 6;
		text(this.bold, 12, MARGIN, heading);
		this.y -= LINE + 4;
	}

	/**
	 * Makes sure {@code height} points are left on the page, starting a new one if not.
	 */
	private void space(float height) {
		if (this.page == null || this.y - height < MARGIN + 10) {
			closePage();
			newPage();
		}
	}

	private void newPage() {
		try {
			PDPage next = new PDPage(PAGE);
			this.document.addPage(next);
			this.page = new PDPageContentStream(this.document, next);
			this.y = PAGE.getHeight() - MARGIN;
			text(this.regular, 8, MARGIN, this.title);
			this.page.setStrokingColor(Color.LIGHT_GRAY);
			this.page.moveTo(MARGIN, this.y - 4);
			this.page.lineTo(PAGE.getWidth() - MARGIN, this.y - 4);
			this.page.stroke();
			this.y -= 24;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private void closePage() {
		if (this.page == null) {
			return;
		}
		try {
			this.page.close();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		this.page = null;
	}

	private void text(PDFont font, float size, float x, String value) {
		try {
			this.page.beginText();
			this.page.setFont(font, size);
			this.page.newLineAtOffset(x, this.y);
			this.page.showText(encodable(font, value));
			this.page.endText();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private void textRight(PDFont font, float size, float right, String value) {
		text(font, size, right - width(font, size, value), value);
	}

	private float width(PDFont font, float size, String value) {
		try {
			return font.getStringWidth(encodable(font, value)) / 1000 * size;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** The text with every character the font cannot show replaced by {@code ?}. */
	private static String encodable(PDFont font, String value) {
		StringBuilder shown = new StringBuilder(value.length());
		value.codePoints().forEach((c) -> {
			String one = new String(Character.toChars(c));
			try {
				font.encode(one);
				shown.append((c < 32) ? " " : one);
			}
			catch (IOException | IllegalArgumentException ex) {
				shown.append('?');
			}
		});
		return shown.toString();
	}

	/** A table laid out over as many pages as it needs, its header on each. */
	private final class PdfTable implements TableWriter {

		private final List<Column> columns;

		private final float[] left;

		private final float[] widths;

		PdfTable(List<Column> columns) {
			this.columns = columns;
			float available = PAGE.getWidth() - 2 * MARGIN;
			float weights = 0;
			for (Column column : columns) {
				weights += weight(column);
			}
			this.left = new float[columns.size()];
			this.widths = new float[columns.size()];
			float x = MARGIN;
			for (int i = 0; i < columns.size(); i++) {
				this.widths[i] = available * weight(columns.get(i)) / weights;
				this.left[i] = x;
				x += this.widths[i];
			}
			header();
		}

		private static float weight(Column column) {
			return (column.type() == ColumnType.TEXT) ? 2.2f : 1f;
		}

		@Override
		public void row(Object... cells) {
			if (cells.length != this.columns.size()) {
				throw new IllegalArgumentException(
						"A row of " + cells.length + " cells in a table of " + this.columns.size() + " columns");
			}
			if (PdfDocumentWriter.this.page == null || PdfDocumentWriter.this.y - LINE < MARGIN + 10) {
				closePage();
				newPage();
				header();
			}
			for (int i = 0; i < cells.length; i++) {
				ColumnType type = this.columns.get(i).type();
				cell(PdfDocumentWriter.this.regular, i, Cells.display(Cells.check(cells[i], type), type), type);
			}
			PdfDocumentWriter.this.y -= LINE;
		}

		@Override
		public void close() {
			PdfDocumentWriter.this.y -= 10;
		}

		private void header() {
			space(LINE * 2);
			for (int i = 0; i < this.columns.size(); i++) {
				cell(PdfDocumentWriter.this.bold, i, this.columns.get(i).name(), this.columns.get(i).type());
			}
			try {
				PDPageContentStream content = PdfDocumentWriter.this.page;
				content.setStrokingColor(Color.GRAY);
				content.moveTo(MARGIN, PdfDocumentWriter.this.y - 4);
				content.lineTo(PAGE.getWidth() - MARGIN, PdfDocumentWriter.this.y - 4);
				content.stroke();
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
			PdfDocumentWriter.this.y -= LINE + 2;
		}

		private void cell(PDFont font, int column, String value, ColumnType type) {
			float room = this.widths[column] - 6;
			String shown = fit(font, value, room);
			if (type == ColumnType.TEXT) {
				text(font, TABLE_FONT_SIZE, this.left[column] + 2, shown);
			}
			else {
				textRight(font, TABLE_FONT_SIZE, this.left[column] + this.widths[column] - 4, shown);
			}
		}

		private String fit(PDFont font, String value, float room) {
			if (width(font, TABLE_FONT_SIZE, value) <= room) {
				return value;
			}
			String shortened = value;
			while (!shortened.isEmpty() && width(font, TABLE_FONT_SIZE, shortened + "...") > room) {
				shortened = shortened.substring(0, shortened.length() - 1);
			}
			return shortened + "...";
		}

	}

}
