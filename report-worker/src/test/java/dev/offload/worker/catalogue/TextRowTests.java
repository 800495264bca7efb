package dev.offload.worker.catalogue;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Rows of PostgreSQL's COPY text format as the server writes them.
 */
class TextRowTests {

	@Test
	void fieldsAreSplitAtTabsAndTheLineEndIsDropped() {
		TextRow row = row("42\t2024-02-29\tKettle\t-7\t1234.50\n");
		assertThat(row.size()).isEqualTo(5);
		assertThat(row.longValue(0)).isEqualTo(42L);
		assertThat(row.date(1)).isEqualTo(LocalDate.of(2024, 2, 29));
		assertThat(row.text(2)).isEqualTo("Kettle");
		assertThat(row.intValue(3)).isEqualTo(-7);
		assertThat(row.decimal(4)).isEqualTo(new BigDecimal("1234.50"));
	}

	@Test
	void backslashNIsNullAndAnEmptyFieldIsAnEmptyText() {
		TextRow row = row("\\N\t\t\\N\t\\N\t\\N\n");
		assertThat(row.isNull(0)).isTrue();
		assertThat(row.text(0)).isNull();
		assertThat(row.text(1)).isEmpty();
		assertThat(row.longValue(2)).isNull();
		assertThat(row.decimal(3)).isNull();
		assertThat(row.date(4)).isNull();
	}

	@Test
	void escapesAreUndone() {
		TextRow row = row("a\\tb\\nc\\rd\\\\e\\bf\\fg\\vh\tN\\\\N\t\\101\\x42\\7\t\\x\n");
		assertThat(row.text(0)).isEqualTo("a\tb\nc\rd\\e\bf\fg\u000bh");
		assertThat(row.isNull(1)).isFalse();
		assertThat(row.text(1)).isEqualTo("N\\N");
		assertThat(row.text(2)).isEqualTo("AB\u0007");
		assertThat(row.text(3)).isEqualTo("x");
	}

	@Test
	void textIsUtf8() {
		assertThat(row("Zoë's Café ☕\n").text(0)).isEqualTo("Zoë's Café ☕");
	}

	@Test
	void numbersOutsideTheFastPathStillParse() {
		TextRow row = row("-9223372036854775808\t9223372036854775807\t-0.005\t1E+3\n");
		assertThat(row.longValue(0)).isEqualTo(Long.MIN_VALUE);
		assertThat(row.longValue(1)).isEqualTo(Long.MAX_VALUE);
		assertThat(row.decimal(2)).isEqualTo(new BigDecimal("-0.005"));
		assertThat(row.decimal(3)).isEqualTo(new BigDecimal("1E+3"));
	}

	@Test
	void decimalsHaveTheValueAndScaleOfBigDecimalsOwnParse() {
		List<String> texts = List.of("0", "-0", "0.00", "-0.00", "1234.50", "-1234.50", "12.", ".5", "-.5",
				"999999999999999999", "-99999999999999.9999", "1234567890123456789", "0.0000000000000000001",
				"00012.3400", "1E+3", "1e-2", "+5");
		for (String text : texts) {
			BigDecimal decimal = row(text + "\n").decimal(0);
			assertThat(decimal).as(text).isEqualTo(new BigDecimal(text));
			assertThat(decimal.scale()).as(text).isEqualTo(new BigDecimal(text).scale());
		}
		for (String text : List.of("", "-", ".", "1.2.3", "--1", "1-", "12a")) {
			assertThatExceptionOfType(NumberFormatException.class).as(text)
				.isThrownBy(() -> row(text + "\n").decimal(0));
		}
	}

	@Test
	void whatIsNotANumberOrADateSaysSo() {
		TextRow row = row("12a\t\t2024-13-01\tinfinity\t99999999999999999999\tNaN\n");
		assertThatExceptionOfType(NumberFormatException.class).isThrownBy(() -> row.longValue(0));
		assertThatExceptionOfType(NumberFormatException.class).isThrownBy(() -> row.longValue(1));
		assertThatExceptionOfType(java.time.DateTimeException.class).isThrownBy(() -> row.date(2));
		assertThatExceptionOfType(java.time.DateTimeException.class).isThrownBy(() -> row.date(3));
		assertThatExceptionOfType(NumberFormatException.class).isThrownBy(() -> row.longValue(4));
		assertThatExceptionOfType(NumberFormatException.class).isThrownBy(() -> row.decimal(5));
		assertThatExceptionOfType(ArithmeticException.class).isThrownBy(() -> row("3000000000\n").intValue(0));
	}

	@Test
	void aFieldPastTheRowIsAnError() {
		TextRow row = row("1\t2\n");
		assertThatExceptionOfType(IndexOutOfBoundsException.class).isThrownBy(() -> row.text(2));
	}

	@Test
	void theRowIsReusedAndWiderRowsGrowIt() {
		TextRow row = new TextRow();
		row.read("1\t2\n".getBytes(StandardCharsets.UTF_8));
		StringBuilder wide = new StringBuilder();
		for (int i = 0; i < 40; i++) {
			wide.append(i).append((i < 39) ? "\t" : "\n");
		}
		row.read(wide.toString().getBytes(StandardCharsets.UTF_8));
		assertThat(row.size()).isEqualTo(40);
		assertThat(row.longValue(39)).isEqualTo(39L);
		row.read("x\n".getBytes(StandardCharsets.UTF_8));
		assertThat(row.size()).isEqualTo(1);
		assertThat(row.text(0)).isEqualTo("x");
	}

	private static TextRow row(String line) {
		TextRow row = new TextRow();
		row.read(line.getBytes(StandardCharsets.UTF_8));
		return row;
	}

}
