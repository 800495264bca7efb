package dev.offload.worker.render;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.List;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CSV writer's bytes: exactly what Commons CSV prints through a plain
 * {@link OutputStreamWriter}, for the values that need quoting, escaping or more than
 * ASCII.
 */
class CsvDocumentWriterTests {

	private static final CSVFormat FORMAT = CSVFormat.RFC4180.builder().setRecordSeparator("\r\n").get();

	private static final List<String> AWKWARD = List.of("", "plain", "comma, inside", "quote \" inside", "\"quoted\"",
			"line\nbreak", "carriage\rreturn", "\r\n", " leading space", "trailing space ", "tab\tinside", "#hash",
			"!bang", "=SUM(A1)", "-1", "+1", "@x", "Zoë Café", "☕ mug", "emoji 😀 in the middle", "😀", "\u00a0nbsp",
			"'already quoted");

	@Test
	void everyAwkwardTextIsPrintedAsCommonsCsvPrintsIt() throws IOException {
		List<Column> columns = List.of(Column.text("first"), Column.text("second"), Column.integer("n"));
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		DocumentWriter document = new CsvDocumentWriter(out);
		StringWriter expected = new StringWriter();
		CSVPrinter reference = new CSVPrinter(expected, FORMAT);
		document.title("Awkward", null);
		reference.printRecord("Awkward");
		reference.println();
		reference.printRecord("Lines");
		reference.printRecord("first", "second", "n");
		try (TableWriter table = document.table("Lines", columns)) {
			for (String first : AWKWARD) {
				for (String second : List.of("", "x", "a,b", "😀")) {
					table.row(first, second, 1);
					reference.printRecord(Cells.neutralised(first), Cells.neutralised(second), "1");
				}
			}
			table.row(null, null, null);
			reference.printRecord("", "", "");
		}
		document.finish();
		reference.flush();
		assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(expected.toString());
		assertThat(out.toByteArray()).isEqualTo(expected.toString().getBytes(StandardCharsets.UTF_8));
	}

	@Test
	void numbersAndDatesArePlainAndAnEmptyFirstCellIsQuoted() {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		DocumentWriter document = new CsvDocumentWriter(out);
		document.title("Numbers", null);
		try (TableWriter table = document.table("Lines",
				List.of(Column.integer("n"), Column.amount("amount"), Column.percent("share"), Column.date("day")))) {
			table.row(Long.MIN_VALUE, new BigDecimal("-0.005"), new BigDecimal("0.1250"), LocalDate.of(2024, 2, 29));
			table.row(null, new BigDecimal("1234567.891"), null, null);
		}
		document.finish();
		assertThat(out.toString(StandardCharsets.UTF_8)).endsWith(
				"n,amount,share,day\r\n" + "-9223372036854775808,0.00,0.125,2024-02-29\r\n" + "\"\",1234567.89,,\r\n");
	}

}
