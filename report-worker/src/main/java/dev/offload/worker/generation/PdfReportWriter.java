package dev.offload.worker.generation;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

import dev.offload.model.ReportFormat;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.PDPageContentStream.AppendMode;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;

import org.springframework.stereotype.Component;

/**
 * Writes a sales summary as a PDF (Apache PDFBox): the title, then one table per section
 * of the CSV (revenue by month and region, top products, totals), flowing over as many A4
 * pages as the tables need, with the table header repeated on each page.
 */
@Component
class PdfReportWriter implements SalesSummaryWriter {

	@Override
	public ReportFormat format() {
		return ReportFormat.PDF;
	}

	@Override
	public byte[] write(SalesSummary summary) {
		try (PDDocument document = new PDDocument(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
			document.getDocumentInformation().setTitle(summary.title());
			document.getDocumentInformation().setCreator("Offload report worker");
			try (Layout layout = new Layout(document)) {
				layout.title(summary.title());

				layout.heading("Revenue by month and region");
				Table byMonth = new Table(List.of(Column.left("Month", 70), Column.left("Region", 185),
						Column.right("Orders", 80), Column.right("Revenue", 160)));
				List<List<String>> monthRows = new ArrayList<>();
				for (SalesSummary.MonthRegion row : summary.byMonthAndRegion()) {
					monthRows.add(List.of(row.month().toString(), row.region(), Long.toString(row.orders()),
							CsvReportWriter.amount(row.revenue())));
				}
				layout.table(byMonth, monthRows);

				layout.heading("Top products");
				Table products = new Table(List.of(Column.left("SKU", 80), Column.left("Name", 215),
						Column.right("Quantity", 80), Column.right("Revenue", 120)));
				List<List<String>> productRows = new ArrayList<>();
				for (SalesSummary.Product product : summary.topProducts()) {
					productRows.add(List.of(product.sku(), product.name(), Long.toString(product.quantity()),
							CsvReportWriter.amount(product.revenue())));
				}
				layout.table(products, productRows);

				layout.heading("Totals");
				SalesSummary.Totals totals = summary.totals();
				Table totalsTable = new Table(List.of(Column.right("Orders", 110), Column.right("Lines", 110),
						Column.right("Quantity", 110), Column.right("Revenue", 165)));
				layout.table(totalsTable, List.of(List.of(Long.toString(totals.orders()), Long.toString(totals.lines()),
						Long.toString(totals.quantity()), CsvReportWriter.amount(totals.revenue()))));
			}
			numberPages(document);
			document.save(out);
			return out.toByteArray();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not write the PDF", ex);
		}
	}

	private static void numberPages(PDDocument document) throws IOException {
		PDType1Font font = new PDType1Font(Standard14Fonts.FontName.HELVETICA);
		int pages = document.getNumberOfPages();
		for (int i = 0; i < pages; i++) {
			PDPage page = document.getPage(i);
			try (PDPageContentStream content = new PDPageContentStream(document, page, AppendMode.APPEND, true, true)) {
				String text = "Page " + (i + 1) + " of " + pages;
				float width = font.getStringWidth(text) / 1000 * Layout.SMALL;
				content.beginText();
				content.setFont(font, Layout.SMALL);
				content.newLineAtOffset(page.getMediaBox().getWidth() - Layout.MARGIN - width, Layout.MARGIN / 2);
				content.showText(text);
				content.endText();
			}
		}
	}

	private record Column(String header, float width, boolean alignRight) {

		static Column left(String header, float width) {
			return new Column(header, width, false);
		}

		static Column right(String header, float width) {
			return new Column(header, width, true);
		}

	}

	private record Table(List<Column> columns) {

	}

	/**
	 * Places text top to bottom, starting a new page when the current one is full.
	 */
	private static final class Layout implements AutoCloseable {

		static final float MARGIN = 50;

		static final float SMALL = 8;

		private static final float TITLE = 16;

		private static final float HEADING = 12;

		private static final float BODY = 9;

		private static final float ROW_HEIGHT = 13;

		private final PDDocument document;

		private final PDType1Font regular = new PDType1Font(Standard14Fonts.FontName.HELVETICA);

		private final PDType1Font bold = new PDType1Font(Standard14Fonts.FontName.HELVETICA_BOLD);

		private PDPageContentStream content;

		private float y;

		Layout(PDDocument document) throws IOException {
			this.document = document;
			newPage();
		}

		void title(String text) throws IOException {
			text(this.bold, TITLE, MARGIN, text);
			this.y -= TITLE * 1.5f;
		}

		void heading(String text) throws IOException {
			// Keep a heading with its table's header and first row.
			ensureSpace(HEADING * 2 + ROW_HEIGHT * 2);
			this.y -= HEADING / 2;
			text(this.bold, HEADING, MARGIN, text);
			this.y -= HEADING * 1.2f;
		}

		void table(Table table, List<List<String>> rows) throws IOException {
			header(table);
			for (List<String> row : rows) {
				if (this.y - ROW_HEIGHT < MARGIN) {
					newPage();
					header(table);
				}
				row(table, this.regular, row);
			}
			this.y -= ROW_HEIGHT / 2;
		}

		private void header(Table table) throws IOException {
			row(table, this.bold, table.columns().stream().map(Column::header).toList());
			float width = (float) table.columns().stream().mapToDouble(Column::width).sum();
			this.content.setLineWidth(0.5f);
			this.content.moveTo(MARGIN, this.y + ROW_HEIGHT - 3);
			this.content.lineTo(MARGIN + width, this.y + ROW_HEIGHT - 3);
			this.content.stroke();
		}

		private void row(Table table, PDType1Font font, List<String> cells) throws IOException {
			float x = MARGIN;
			for (int i = 0; i < table.columns().size(); i++) {
				Column column = table.columns().get(i);
				String text = fit(font, printable(font, cells.get(i)), column.width() - 6);
				float textWidth = width(font, BODY, text);
				float at = column.alignRight() ? x + column.width() - textWidth : x;
				text(font, BODY, at, text);
				x += column.width();
			}
			this.y -= ROW_HEIGHT;
		}

		private void ensureSpace(float height) throws IOException {
			if (this.y - height < MARGIN) {
				newPage();
			}
		}

		private void text(PDType1Font font, float size, float x, String text) throws IOException {
			this.content.beginText();
			this.content.setFont(font, size);
			this.content.newLineAtOffset(x, this.y);
			this.content.showText(text);
			this.content.endText();
		}

		private void newPage() throws IOException {
			if (this.content != null) {
				this.content.close();
			}
			PDPage page = new PDPage(PDRectangle.A4);
			this.document.addPage(page);
			this.content = new PDPageContentStream(this.document, page);
			this.y = page.getMediaBox().getHeight() - MARGIN;
		}

		private static String fit(PDType1Font font, String text, float maxWidth) throws IOException {
			if (width(font, BODY, text) <= maxWidth) {
				return text;
			}
			String shortened = text;
			while (!shortened.isEmpty() && width(font, BODY, shortened + "...") > maxWidth) {
				shortened = shortened.substring(0, shortened.length() - 1);
			}
			return shortened + "...";
		}

		private static float width(PDType1Font font, float size, String text) throws IOException {
			return font.getStringWidth(text) / 1000 * size;
		}

		/**
		 * The text with every character the standard font cannot show (it covers
		 * WinAnsiEncoding only) replaced by a question mark, so data never breaks the
		 * document.
		 */
		private static String printable(PDType1Font font, String text) {
			if (text == null) {
				return "";
			}
			StringBuilder printable = new StringBuilder(text.length());
			text.codePoints().forEach((codePoint) -> {
				String character = Character.isISOControl(codePoint) ? " " : Character.toString(codePoint);
				try {
					font.encode(character);
					printable.append(character);
				}
				catch (IllegalArgumentException | IOException ex) {
					printable.append('?');
				}
			});
			return printable.toString();
		}

		@Override
		public void close() throws IOException {
			this.content.close();
		}

	}

}
