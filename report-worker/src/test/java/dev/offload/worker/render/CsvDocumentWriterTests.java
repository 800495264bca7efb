package dev.offload.worker.render;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

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
			"'already quoted", "$ past the hash", "\"", "trailing tab\t", "~", "\u0080 control", "a\"b");

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
				for (String second : AWKWARD) {
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

	@Test
	void rowsOfNumbersDatesAndTextInAnyOrderAreWhatCommonsCsvPrints() throws IOException {
		List<Column> kinds = List.of(Column.integer("integer"), Column.amount("amount"), Column.percent("percent"),
				Column.date("date"), Column.text("text"));
		List<List<Object>> values = List.of(Arrays.asList(null, 0L, -1, Long.MIN_VALUE, Long.MAX_VALUE, 42),
				Arrays.asList(null, BigDecimal.ZERO, new BigDecimal("-0.005"), new BigDecimal("1E+3"),
						new BigDecimal("-123456789012.345")),
				Arrays.asList(null, new BigDecimal("0.125"), new BigDecimal("-1.50"), new BigDecimal("1E-7")),
				Arrays.asList(null, LocalDate.of(2024, 2, 29), LocalDate.of(10_000, 1, 1), LocalDate.of(-1, 12, 31)),
				Arrays.asList(null, "", "plain", "a,b", "=1", " x", "x ", "\"q\"", "#1"));
		Random random = new Random(8);
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		DocumentWriter document = new CsvDocumentWriter(out);
		StringWriter expected = new StringWriter();
		CSVPrinter reference = new CSVPrinter(expected, FORMAT);
		document.title("Mixed", null);
		reference.printRecord("Mixed");
		for (int table = 0; table < 20; table++) {
			List<Integer> order = new ArrayList<>();
			for (int i = 0; i < 1 + random.nextInt(6); i++) {
				order.add(random.nextInt(kinds.size()));
			}
			List<Column> columns = order.stream().map(kinds::get).toList();
			reference.println();
			reference.printRecord("Table " + table);
			reference.printRecord(columns.stream().map(Column::name).toArray());
			try (TableWriter writer = document.table("Table " + table, columns)) {
				for (int row = 0; row < 10; row++) {
					Object[] cells = new Object[order.size()];
					Object[] printed = new Object[order.size()];
					for (int i = 0; i < cells.length; i++) {
						List<Object> choices = values.get(order.get(i));
						cells[i] = choices.get(random.nextInt(choices.size()));
						printed[i] = Cells.plain(cells[i], columns.get(i).type());
					}
					writer.row(cells);
					reference.printRecord(printed);
				}
			}
		}
		document.finish();
		reference.flush();
		assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(expected.toString());
	}

}
