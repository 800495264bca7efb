package dev.offload.worker.generation;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CsvReportWriterTests {

	private final CsvReportWriter writer = new CsvReportWriter();

	@Test
	void fieldsWithCommasQuotesOrLineBreaksAreQuoted() {
		assertThat(CsvReportWriter.row("plain", "a,b", "say \"hi\"", "two\nlines", "cr\rlf", ""))
			.isEqualTo("plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rlf\",");
	}

	@Test
	void amountsArePlainDecimalsWithTwoPlaces() {
		assertThat(CsvReportWriter.amount(new BigDecimal("1E+7"))).isEqualTo("10000000.00");
		assertThat(CsvReportWriter.amount(new BigDecimal("12.345"))).isEqualTo("12.35");
		assertThat(CsvReportWriter.amount(BigDecimal.ZERO)).isEqualTo("0.00");
	}

	@Test
	void writesTheSectionsWithCrlfLineEndsAndTheTotalLineLast() {
		SalesSummary summary = new SalesSummary(LocalDate.of(2024, 1, 1), LocalDate.of(2024, 1, 31),
				List.of(new SalesSummary.MonthRegion(YearMonth.of(2024, 1), "North, \"East\"", 3,
						new BigDecimal("30.5"))),
				List.of(new SalesSummary.Product("SKU-00001", "Pen, blue", 4, new BigDecimal("30.50"))),
				new SalesSummary.Totals(3, 5, 4, new BigDecimal("30.5")));

		String csv = new String(this.writer.write(summary), StandardCharsets.UTF_8);

		assertThat(csv)
			.isEqualTo("Sales summary 2024-01-01 to 2024-01-31\r\n" + "\r\n" + "Revenue by month and region\r\n"
					+ "month,region,orders,revenue\r\n" + "2024-01,\"North, \"\"East\"\"\",3,30.50\r\n" + "\r\n"
					+ "Top products\r\n" + "sku,name,quantity,revenue\r\n" + "SKU-00001,\"Pen, blue\",4,30.50\r\n"
					+ "\r\n" + "Totals\r\n" + "total,orders,lines,quantity,revenue\r\n" + "TOTAL,3,5,4,30.50\r\n");
	}

	@Test
	void textThatASpreadsheetWouldEvaluateIsNeutralised() {
		assertThat(List.of("=HYPERLINK(\"http://evil\")", "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR"))
			.map(CsvReportWriter::text)
			.containsExactly("'=HYPERLINK(\"http://evil\")", "'+1+1", "'-2+3", "'@SUM(A1)", "'\tTab", "'\rCR");
		assertThat(List.of("North", "SKU-1", "a=b", "")).map(CsvReportWriter::text)
			.containsExactly("North", "SKU-1", "a=b", "");
	}

	@Test
	void formulaInjectionFromTheDataIsNeutralisedButNumbersAreNot() {
		SalesSummary summary = new SalesSummary(LocalDate.of(2024, 1, 1), LocalDate.of(2024, 1, 31),
				List.of(new SalesSummary.MonthRegion(YearMonth.of(2024, 1), "=cmd|' /C calc'!A0", 1,
						new BigDecimal("-5"))),
				List.of(new SalesSummary.Product("@SKU", "+Pen, =1+1", 1, new BigDecimal("-5"))),
				new SalesSummary.Totals(1, 1, 1, new BigDecimal("-5")));

		String csv = new String(this.writer.write(summary), StandardCharsets.UTF_8);

		assertThat(csv).contains("2024-01,'=cmd|' /C calc'!A0,1,-5.00\r\n")
			.contains("'@SKU,\"'+Pen, =1+1\",1,-5.00\r\n")
			.contains("TOTAL,1,1,1,-5.00\r\n");
	}

}
