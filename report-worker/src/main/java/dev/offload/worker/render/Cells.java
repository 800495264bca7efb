package dev.offload.worker.render;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.time.LocalDate;
import java.util.Locale;

/**
 * The one owner of how a cell's value looks: checked against its column type, written
 * plainly for machines (CSV) or for people (PDF), and text from data neutralised so no
 * spreadsheet reads it as a formula.
 */
final class Cells {

	private static final DecimalFormatSymbols SYMBOLS = DecimalFormatSymbols.getInstance(Locale.ROOT);

	private Cells() {
	}

	/**
	 * Checks that a value fits its column.
	 * @param value the value, or {@code null}
	 * @param type the column type
	 * @return the value
	 */
	static Object check(Object value, ColumnType type) {
		// Small enough for the JIT to inline at every cell: the message is built apart.
		if (value != null && !fits(value, type)) {
			throw misfit(value, type);
		}
		return value;
	}

	private static boolean fits(Object value, ColumnType type) {
		return switch (type) {
			case TEXT -> value instanceof String;
			case INTEGER -> value instanceof Integer || value instanceof Long;
			case AMOUNT, PERCENT -> value instanceof BigDecimal;
			case DATE -> value instanceof LocalDate;
		};
	}

	private static IllegalArgumentException misfit(Object value, ColumnType type) {
		return new IllegalArgumentException(
				"A " + type + " cell cannot hold a " + value.getClass().getSimpleName() + " (" + value + ")");
	}

	/**
	 * The value as a machine reads it back: amounts with two places and a dot, ratios as
	 * they are, no thousands separators. Checks the value against its column as
	 * {@link #check} does, in the same switch: a writer that calls this for every cell of
	 * a million rows pays for one branch on the column's type per cell, not two.
	 * @throws IllegalArgumentException if the value does not fit its column
	 */
	static String plain(Object value, ColumnType type) {
		if (value == null) {
			return "";
		}
		return switch (type) {
			case TEXT -> (value instanceof String text) ? neutralised(text) : misfitText(value, type);
			case INTEGER ->
				(value instanceof Long || value instanceof Integer) ? value.toString() : misfitText(value, type);
			case AMOUNT -> (value instanceof BigDecimal amount)
					? amount.setScale(2, RoundingMode.HALF_EVEN).toPlainString() : misfitText(value, type);
			case PERCENT -> (value instanceof BigDecimal ratio) ? ratio.stripTrailingZeros().toPlainString()
					: misfitText(value, type);
			case DATE -> (value instanceof LocalDate) ? value.toString() : misfitText(value, type);
		};
	}

	/**
	 * Writes what {@link #plain} returns for a value that is not text, whole numbers and
	 * dates without a string in between (a million rows of a few of each make millions of
	 * strings otherwise).
	 * @param value the value, not {@code null}
	 * @param type the column type, not {@link ColumnType#TEXT}
	 * @param out where to write
	 * @throws IllegalArgumentException if the value does not fit its column
	 * @throws IOException if writing fails
	 */
	static void writePlain(Object value, ColumnType type, Utf8Writer out) throws IOException {
		if (type == ColumnType.INTEGER && (value instanceof Long || value instanceof Integer)) {
			out.appendLong(((Number) value).longValue());
		}
		else if (type == ColumnType.DATE && value instanceof LocalDate date) {
			out.appendDate(date);
		}
		else {
			out.append(plain(value, type));
		}
	}

	private static String misfitText(Object value, ColumnType type) {
		throw misfit(value, type);
	}

	/**
	 * The value as a person reads it: thousands separators, two places for amounts, a
	 * percentage with one place.
	 */
	static String display(Object value, ColumnType type) {
		if (value == null) {
			return "";
		}
		return switch (type) {
			case TEXT -> (String) value;
			case INTEGER -> new DecimalFormat("#,##0", SYMBOLS).format(((Number) value).longValue());
			case AMOUNT -> new DecimalFormat("#,##0.00", SYMBOLS).format(value);
			case PERCENT -> new DecimalFormat("#,##0.0'%'", SYMBOLS)
				.format(((BigDecimal) value).movePointRight(2).setScale(1, RoundingMode.HALF_EVEN));
			case DATE -> value.toString();
		};
	}

	/**
	 * Whether a text would be read as a formula by a spreadsheet (OWASP's CSV injection
	 * advice): it starts with {@code =}, {@code +}, {@code -}, {@code @}, a tab or a
	 * carriage return.
	 */
	static boolean looksLikeFormula(String text) {
		if (text.isEmpty()) {
			return false;
		}
		char first = text.charAt(0);
		return first == '=' || first == '+' || first == '-' || first == '@' || first == '\t' || first == '\r';
	}

	/** The text with a leading {@code '} if a spreadsheet would read it as a formula. */
	static String neutralised(String text) {
		return looksLikeFormula(text) ? "'" + text : text;
	}

}
