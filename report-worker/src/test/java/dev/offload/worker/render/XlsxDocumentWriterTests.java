package dev.offload.worker.render;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import org.apache.poi.ss.usermodel.CellType;
import org.apache.poi.util.DefaultTempFileCreationStrategy;
import org.apache.poi.util.TempFile;
import org.apache.poi.ss.usermodel.DateUtil;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The XLSX writer's cells as POI reads them back, through its faster temporary files and
 * date serials.
 */
class XlsxDocumentWriterTests {

	private static final List<LocalDate> DAYS = List.of(LocalDate.of(1900, 1, 1), LocalDate.of(1900, 2, 28),
			LocalDate.of(1900, 3, 1), LocalDate.of(1970, 1, 1), LocalDate.of(2024, 2, 29), LocalDate.of(9999, 12, 31));

	private static final List<String> TEXTS = List.of("plain", "Zoë Café", "☕ mug", "emoji 😀 in the middle",
			"<tag> & \"quotes\" 'single'", " leading and trailing ", "line\nbreak");

	@Test
	void datesReadBackAsTheirDaysOnBothSidesOfExcelsPhantomLeapDay() throws IOException {
		try (XSSFWorkbook workbook = render(XlsxTempFiles.PLAIN)) {
			Sheet sheet = workbook.getSheet("Lines");
			for (int i = 0; i < DAYS.size(); i++) {
				var cell = sheet.getRow(i + 1).getCell(0);
				assertThat(cell.getCellType()).isEqualTo(CellType.NUMERIC);
				assertThat(DateUtil.isCellDateFormatted(cell)).isTrue();
				assertThat(cell.getCellStyle().getDataFormatString()).isEqualTo("yyyy-mm-dd");
				assertThat(cell.getLocalDateTimeCellValue().toLocalDate()).isEqualTo(DAYS.get(i));
				assertThat(cell.getNumericCellValue()).isEqualTo(DateUtil.getExcelDate(DAYS.get(i)));
			}
		}
	}

	@ParameterizedTest
	@EnumSource(XlsxTempFiles.class)
	void textAndNumbersSurviveTheTemporaryFiles(XlsxTempFiles tempFiles) throws IOException {
		try (XSSFWorkbook workbook = render(tempFiles)) {
			Sheet sheet = workbook.getSheet("Lines");
			for (int i = 0; i < TEXTS.size(); i++) {
				assertThat(sheet.getRow(i + 1).getCell(1).getStringCellValue()).isEqualTo(TEXTS.get(i));
				assertThat(sheet.getRow(i + 1).getCell(2).getNumericCellValue()).isEqualTo(i + 0.25);
			}
			assertThat(sheet.getLastRowNum()).isEqualTo(20_000);
			assertThat(sheet.getRow(20_000).getCell(1).getStringCellValue())
				.isEqualTo(TEXTS.get(19_999 % TEXTS.size()));
		}
	}

	@ParameterizedTest
	@EnumSource(XlsxTempFiles.class)
	void itsTemporaryFilesAreGoneWhenItIsFinishedOrAbandoned(XlsxTempFiles tempFiles, @TempDir Path directory)
			throws IOException {
		TempFile.setTempFileCreationStrategy(new DefaultTempFileCreationStrategy(directory.toFile()));
		try {
			// Other tests' documents left open would keep theirs: only this one's counts.
			long deflaterThreads = deflaterThreads();
			for (boolean abandoned : List.of(false, true)) {
				DocumentWriter document = new XlsxDocumentWriter(OutputStream.nullOutputStream(),
						XlsxDocumentWriter.EXCEL_MAX_ROWS, tempFiles);
				document.title("Days", null);
				TableWriter table = document.table("Lines", List.of(Column.text("text"), Column.amount("amount")));
				for (int i = 0; i < 1_000; i++) {
					table.row(TEXTS.get(i % TEXTS.size()), BigDecimal.valueOf(i));
				}
				assertThat(files(directory)).as("rows past the window are on disk").isNotEmpty();
				if (abandoned) {
					document.abandon();
				}
				else {
					table.close();
					document.finish();
				}
				assertThat(files(directory)).as(abandoned ? "abandoned" : "finished").isEmpty();
				document.abandon();
				// A deflated document's thread ends with it.
				await().atMost(Duration.ofSeconds(10)).until(() -> deflaterThreads() <= deflaterThreads);
			}
		}
		finally {
			TempFile.setTempFileCreationStrategy(new DefaultTempFileCreationStrategy());
		}
	}

	/**
	 * Its own way only: POI's zip writer (plain and gzip) leaves sizes out of its local
	 * headers in a way the JDK's streaming reader does not take.
	 */
	@Test
	void everyEntryOfADeflatedWorkbookInflatesToItsSizeAndCrc() throws IOException {
		byte[] file = write(XlsxTempFiles.DEFLATED, XlsxDocumentWriter.EXCEL_MAX_ROWS, 20_000);
		List<String> names = new ArrayList<>();
		// The JDK's reader checks each entry's size and CRC-32 as it reads it to its end.
		try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(file))) {
			for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
				long size = zip.transferTo(OutputStream.nullOutputStream());
				names.add(entry.getName());
				if (entry.getName().equals("xl/worksheets/sheet2.xml")) {
					assertThat(size).as("the Lines sheet's XML").isGreaterThan(1_000_000);
				}
			}
		}
		assertThat(names).contains("[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml",
				"xl/worksheets/sheet2.xml");
	}

	@ParameterizedTest
	@EnumSource(XlsxTempFiles.class)
	void aTableLongerThanASheetGoesOnInTheNext(XlsxTempFiles tempFiles) throws IOException {
		try (XSSFWorkbook workbook = new XSSFWorkbook(new ByteArrayInputStream(write(tempFiles, 1_000, 2_500)))) {
			assertThat(workbook.getNumberOfSheets()).isEqualTo(4);
			assertThat(workbook.getSheet("Lines").getLastRowNum()).isEqualTo(999);
			assertThat(workbook.getSheet("Lines (2)").getLastRowNum()).isEqualTo(999);
			Sheet third = workbook.getSheet("Lines (3)");
			assertThat(third.getLastRowNum()).isEqualTo(2_500 - 2 * 999);
			assertThat(third.getRow(0).getCell(1).getStringCellValue()).isEqualTo("text");
			assertThat(third.getRow(third.getLastRowNum()).getCell(1).getStringCellValue())
				.isEqualTo(TEXTS.get(2_499 % TEXTS.size()));
			assertThat(workbook.getSheet("Summary").getRow(2).getCell(0).getStringCellValue())
				.contains("goes on in sheet \"Lines (2)\"");
		}
	}

	private static long deflaterThreads() {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter((thread) -> thread.getName().equals("xlsx-deflater"))
			.count();
	}

	private static List<Path> files(Path directory) throws IOException {
		try (Stream<Path> files = Files.walk(directory)) {
			return files.filter(Files::isRegularFile).toList();
		}
	}

	private static XSSFWorkbook render(XlsxTempFiles tempFiles) throws IOException {
		return new XSSFWorkbook(new ByteArrayInputStream(write(tempFiles, XlsxDocumentWriter.EXCEL_MAX_ROWS, 20_000)));
	}

	private static byte[] write(XlsxTempFiles tempFiles, int maxRows, int rows) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		DocumentWriter document = new XlsxDocumentWriter(out, maxRows, tempFiles);
		document.title("Days", null);
		try (TableWriter table = document.table("Lines",
				List.of(Column.date("day"), Column.text("text"), Column.amount("amount")))) {
			for (int i = 0; i < rows; i++) {
				table.row(DAYS.get(i % DAYS.size()), TEXTS.get(i % TEXTS.size()),
						BigDecimal.valueOf(i).add(new BigDecimal("0.25")));
			}
		}
		document.finish();
		return out.toByteArray();
	}

}
