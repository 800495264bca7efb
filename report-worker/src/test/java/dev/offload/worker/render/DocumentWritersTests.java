package dev.offload.worker.render;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

import dev.offload.model.ReportFormat;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.contentstream.operator.Operator;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.pdfparser.PDFStreamParser;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.graphics.PDXObject;
import org.apache.pdfbox.pdmodel.graphics.form.PDFormXObject;
import org.apache.pdfbox.text.PDFTextStripper;
import org.apache.poi.ss.usermodel.Cell;
import org.apache.poi.ss.usermodel.CellType;
import org.apache.poi.ss.usermodel.DateUtil;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * One document rendered by every writer and read back with the format's own reader:
 * Commons CSV, Apache POI, PDFBox.
 */
class DocumentWritersTests {

	private final FormatWriters writers = new FormatWriters();

	@Test
	void csvIsRfc4180WithExactNumbersAndNeutralisedFormulas() throws IOException {
		String csv = new String(render(ReportFormat.CSV), StandardCharsets.UTF_8);
		assertThat(csv).contains("\r\n");
		List<CSVRecord> records = CSVFormat.RFC4180.parse(new StringReader(csv)).getRecords();
		assertThat(records.get(0).get(0)).isEqualTo("Sales summary");
		CSVRecord header = records.stream().filter((r) -> r.get(0).equals("Product")).findFirst().orElseThrow();
		int at = records.indexOf(header);
		assertThat(records.get(at + 1).values()).containsExactly("Kettle, large", "1234", "1234567.89", "2024-01-31",
				"0.125");
		assertThat(records.get(at + 2).get(0)).isEqualTo("'=SUM(A1)");
		assertThat(records.get(at + 2).get(2)).isEqualTo("-42.50");
		assertThat(records.get(at + 3).get(0)).isEqualTo("'-danger");
		assertThat(records.get(at + 4).get(0)).isEqualTo("'@x");
		assertThat(records.get(at + 5).get(0)).isEqualTo("'+1");
		assertThat(csv).contains("Revenue by month").contains("2024-01,100.00,200.00");
	}

	@Test
	void xlsxHasTypedCellsAFrozenHeaderAndNeutralisedFormulas() throws IOException {
		try (XSSFWorkbook workbook = new XSSFWorkbook(new java.io.ByteArrayInputStream(render(ReportFormat.XLSX)))) {
			assertThat(sheetNames(workbook)).containsExactly("Summary", "Top products", "Revenue by month", "Trend");
			assertThat(workbook.getSheet("Summary").getRow(0).getCell(0).getStringCellValue())
				.isEqualTo("Sales summary");
			Sheet products = workbook.getSheet("Top products");
			assertThat(products.getPaneInformation().isFreezePane()).isTrue();
			assertThat(products.getPaneInformation().getHorizontalSplitPosition()).isEqualTo((short) 1);
			Row header = products.getRow(0);
			assertThat(header.getCell(0).getStringCellValue()).isEqualTo("Product");
			Row first = products.getRow(1);
			assertThat(first.getCell(1).getCellType()).isEqualTo(CellType.NUMERIC);
			assertThat(first.getCell(1).getNumericCellValue()).isEqualTo(1234);
			assertThat(first.getCell(1).getCellStyle().getDataFormatString()).isEqualTo("#,##0");
			assertThat(first.getCell(2).getNumericCellValue()).isEqualTo(1234567.89);
			assertThat(first.getCell(2).getCellStyle().getDataFormatString()).isEqualTo("#,##0.00");
			assertThat(DateUtil.isCellDateFormatted(first.getCell(3))).isTrue();
			assertThat(first.getCell(3).getLocalDateTimeCellValue().toLocalDate()).isEqualTo(LocalDate.of(2024, 1, 31));
			assertThat(first.getCell(4).getCellStyle().getDataFormatString()).isEqualTo("0.0%");
			for (int row = 2; row <= 5; row++) {
				Cell text = products.getRow(row).getCell(0);
				assertThat(text.getCellType()).isEqualTo(CellType.STRING);
				assertThat(text.getCellStyle().getQuotePrefixed()).as(text.getStringCellValue()).isTrue();
			}
			assertThat(products.getRow(2).getCell(2).getNumericCellValue()).isEqualTo(-42.5);
		}
	}

	@Test
	void xlsxTableLongerThanASheetGoesOnInTheNextWithItsHeaderAndTheSummarySaysSo() throws IOException {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		DocumentWriter document = new XlsxDocumentWriter(out, 4, XlsxTempFiles.GZIP);
		document.title("Long", null);
		try (TableWriter table = document.table("Lines", List.of(Column.integer("n")))) {
			for (int n = 1; n <= 7; n++) {
				table.row(n);
			}
		}
		document.finish();
		try (XSSFWorkbook workbook = new XSSFWorkbook(new java.io.ByteArrayInputStream(out.toByteArray()))) {
			assertThat(sheetNames(workbook)).containsExactly("Summary", "Lines", "Lines (2)", "Lines (3)");
			assertThat(workbook.getSheet("Lines (2)").getRow(0).getCell(0).getStringCellValue()).isEqualTo("n");
			assertThat(workbook.getSheet("Lines (3)").getRow(1).getCell(0).getNumericCellValue()).isEqualTo(7);
			StringBuilder summary = new StringBuilder();
			workbook.getSheet("Summary").forEach((row) -> summary.append(row.getCell(0).getStringCellValue()));
			assertThat(summary).contains("goes on in sheet \"Lines (2)\"");
		}
	}

	@Test
	void pdfHasTheTitlePageNumbersFormattedNumbersAndAVectorChart() throws IOException {
		try (PDDocument pdf = Loader.loadPDF(render(ReportFormat.PDF))) {
			assertThat(pdf.getDocumentInformation().getTitle()).isEqualTo("Sales summary");
			String text = new PDFTextStripper().getText(pdf);
			assertThat(text).contains("Sales summary", "Page 1 of " + pdf.getNumberOfPages(), "1,234,567.89", "12.5%",
					"1,234", "-42.50");
			int vectorOperators = 0;
			for (PDPage page : pdf.getPages()) {
				for (COSName name : page.getResources().getXObjectNames()) {
					PDXObject object = page.getResources().getXObject(name);
					if (object instanceof PDFormXObject form) {
						vectorOperators += pathOperators(form);
					}
				}
			}
			assertThat(vectorOperators).as("path operators in the charts' forms").isGreaterThan(20);
		}
	}

	@Test
	void largeTablesStreamThroughCsvAndXlsx() {
		for (ReportFormat format : List.of(ReportFormat.CSV, ReportFormat.XLSX)) {
			CountingOutputStream out = new CountingOutputStream();
			DocumentWriter document = this.writers.open(format, out);
			document.title("Large", null);
			try (TableWriter table = document.table("Lines",
					List.of(Column.integer("n"), Column.text("name"), Column.amount("amount"), Column.date("day")))) {
				for (int n = 0; n < 200_000; n++) {
					table.row(n, "line " + n, BigDecimal.valueOf(n, 2), LocalDate.of(2024, 1, 1).plusDays(n % 365));
				}
			}
			document.finish();
			assertThat(out.count).as(format.name()).isGreaterThan(1_000_000);
		}
	}

	private static int pathOperators(PDFormXObject form) throws IOException {
		int count = 0;
		for (Object token : new PDFStreamParser(form).parse()) {
			if (token instanceof Operator operator
					&& List.of("re", "l", "c", "m", "f", "S", "B").contains(operator.getName())) {
				count++;
			}
		}
		return count;
	}

	@Test
	void everyWriterRefusesACellThatDoesNotFitItsColumnNamingBoth() {
		List<Column> columns = List.of(Column.text("text"), Column.integer("integer"), Column.amount("amount"),
				Column.percent("percent"), Column.date("date"));
		List<Object> fitting = List.of("x", 1L, BigDecimal.ONE, new BigDecimal("0.5"), LocalDate.of(2024, 1, 31));
		List<Object> misfits = List.of(1, "1", 1.5d, 1, "2024-01-31");
		for (ReportFormat format : ReportFormat.values()) {
			for (int i = 0; i < columns.size(); i++) {
				DocumentWriter document = this.writers.open(format, OutputStream.nullOutputStream());
				document.title("Misfits", null);
				List<Object> cells = new ArrayList<>(fitting);
				cells.set(i, misfits.get(i));
				ColumnType type = columns.get(i).type();
				String kind = misfits.get(i).getClass().getSimpleName();
				try (TableWriter table = document.table("Lines", columns)) {
					table.row(fitting.toArray());
					assertThatIllegalArgumentException().as("%s, %s column", format, type)
						.isThrownBy(() -> table.row(cells.toArray()))
						.withMessageStartingWith("A " + type + " cell cannot hold a " + kind);
				}
				KeyFigure misfit = new KeyFigure("Figure", misfits.get(i), type);
				assertThatIllegalArgumentException().as("%s, %s key figure", format, type)
					.isThrownBy(() -> document.keyFigures("Key figures", List.of(misfit)))
					.withMessageStartingWith("A " + type + " cell cannot hold a " + kind);
			}
		}
	}

	private byte[] render(ReportFormat format) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		DocumentWriter document = this.writers.open(format, out);
		document.title("Sales summary", "2024-01-01 to 2024-12-31");
		document.keyFigures("Key figures",
				List.of(new KeyFigure("Revenue", new BigDecimal("1234567.89"), ColumnType.AMOUNT),
						new KeyFigure("Change", null, ColumnType.PERCENT)));
		try (TableWriter table = document.table("Top products", List.of(Column.text("Product"), Column.integer("Units"),
				Column.amount("Revenue"), Column.date("Last order"), Column.percent("Share")))) {
			table.row("Kettle, large", 1234, new BigDecimal("1234567.89"), LocalDate.of(2024, 1, 31),
					new BigDecimal("0.125"));
			table.row("=SUM(A1)", 1L, new BigDecimal("-42.50"), null, null);
			table.row("-danger", 2, BigDecimal.ONE, null, null);
			table.row("@x", 3, BigDecimal.ONE, null, null);
			table.row("+1", 4, BigDecimal.ONE, null, null);
		}
		document.chart(new Chart("Revenue by month", Chart.Kind.BAR, "Revenue", List.of("2024-01", "2024-02"),
				List.of(new Chart.Series("North", List.of(new BigDecimal("100"), new BigDecimal("150"))),
						new Chart.Series("South", List.of(new BigDecimal("200"), new BigDecimal("50"))))));
		document.chart(new Chart("Trend", Chart.Kind.LINE, "Revenue", List.of("2024-01", "2024-02"),
				List.of(new Chart.Series("All", List.of(new BigDecimal("300"), new BigDecimal("200"))))));
		document.finish();
		return out.toByteArray();
	}

	private static List<String> sheetNames(XSSFWorkbook workbook) {
		List<String> names = new ArrayList<>();
		workbook.forEach((sheet) -> names.add(sheet.getSheetName()));
		return names;
	}

	private static final class CountingOutputStream extends OutputStream {

		private long count;

		@Override
		public void write(int b) {
			this.count++;
		}

		@Override
		public void write(byte[] b, int off, int len) {
			this.count += len;
		}

	}

}
