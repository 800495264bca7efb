package dev.offload.worker.catalogue;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.Arrays;

/**
 * One row of a {@code COPY ... TO STDOUT} in PostgreSQL's text format, as
 * {@link ReportData#copy} hands it over: fields separated by tabs, {@code \N} for
 * {@code NULL}, backslash escapes in text. Fields are read by position (from 0) and
 * parsed only when asked for: numbers and dates straight from the bytes, without a
 * {@link String} in between.
 * <p>
 * One instance is reused for every row of a copy; keep values, never the row.
 */
public final class TextRow {

	private static final byte TAB = '\t';

	private static final byte BACKSLASH = '\\';

	private byte[] bytes = new byte[0];

	private int[] starts = new int[16];

	private int[] ends = new int[16];

	private int fields;

	private char[] chars = new char[32];

	TextRow() {
	}

	/** Reads the next row: one copy message, its line end included or not. */
	void read(byte[] row) {
		this.bytes = row;
		int end = row.length;
		if (end > 0 && row[end - 1] == '\n') {
			end--;
		}
		this.fields = 0;
		int start = 0;
		for (int i = 0; i <= end; i++) {
			if (i == end || row[i] == TAB) {
				if (this.fields == this.starts.length) {
					this.starts = Arrays.copyOf(this.starts, this.fields * 2);
					this.ends = Arrays.copyOf(this.ends, this.fields * 2);
				}
				this.starts[this.fields] = start;
				this.ends[this.fields] = i;
				this.fields++;
				start = i + 1;
			}
		}
	}

	/**
	 * The number of fields of the row.
	 * @return the fields
	 */
	public int size() {
		return this.fields;
	}

	/**
	 * Whether a field is {@code NULL}.
	 * @param field the field's position, from 0
	 * @return whether it is {@code NULL}
	 */
	public boolean isNull(int field) {
		int start = start(field);
		return this.ends[field] - start == 2 && this.bytes[start] == BACKSLASH && this.bytes[start + 1] == 'N';
	}

	/**
	 * A field as text, its escapes undone.
	 * @param field the field's position, from 0
	 * @return the text, or {@code null}
	 */
	public String text(int field) {
		if (isNull(field)) {
			return null;
		}
		int start = this.starts[field];
		int end = this.ends[field];
		for (int i = start; i < end; i++) {
			if (this.bytes[i] == BACKSLASH) {
				return unescaped(start, end);
			}
		}
		return new String(this.bytes, start, end - start, StandardCharsets.UTF_8);
	}

	/**
	 * A whole-number field ({@code bigint}, {@code integer}, {@code smallint}).
	 * @param field the field's position, from 0
	 * @return the number, or {@code null}
	 */
	public Long longValue(int field) {
		return isNull(field) ? null : parseLong(field);
	}

	/**
	 * A whole-number field that fits an {@code int}.
	 * @param field the field's position, from 0
	 * @return the number, or {@code null}
	 */
	public Integer intValue(int field) {
		return isNull(field) ? null : Math.toIntExact(parseLong(field));
	}

	/**
	 * A {@code numeric} field.
	 * @param field the field's position, from 0
	 * @return the number, exact, or {@code null}
	 */
	public BigDecimal decimal(int field) {
		if (isNull(field)) {
			return null;
		}
		int start = this.starts[field];
		int end = this.ends[field];
		BigDecimal plain = plainDecimal(start, end);
		if (plain != null) {
			return plain;
		}
		int length = end - start;
		if (this.chars.length < length) {
			this.chars = new char[Math.max(length, this.chars.length * 2)];
		}
		for (int i = 0; i < length; i++) {
			this.chars[i] = (char) this.bytes[start + i];
		}
		// NaN and infinities are not numbers BigDecimal knows: its constructor refuses
		// them.
		return new BigDecimal(this.chars, 0, length);
	}

	/**
	 * PostgreSQL's usual text of a {@code numeric}: an optional minus, digits with at
	 * most one point, at most 18 digits in all. The same value and scale as
	 * {@code new BigDecimal(text)} gives, without its general parse.
	 * @return the number, or {@code null} if the text is not of that form
	 */
	private BigDecimal plainDecimal(int start, int end) {
		boolean negative = start < end && this.bytes[start] == '-';
		long unscaled = 0;
		int digits = 0;
		int scale = -1;
		for (int i = negative ? start + 1 : start; i < end; i++) {
			byte b = this.bytes[i];
			if (b == '.' && scale < 0) {
				scale = 0;
				continue;
			}
			int digit = b - '0';
			if (digit < 0 || digit > 9 || ++digits > 18) {
				return null;
			}
			unscaled = unscaled * 10 + digit;
			if (scale >= 0) {
				scale++;
			}
		}
		if (digits == 0) {
			return null;
		}
		return BigDecimal.valueOf(negative ? -unscaled : unscaled, Math.max(scale, 0));
	}

	/**
	 * A {@code date} field, in the ISO style PostgreSQL's driver sets for its sessions.
	 * @param field the field's position, from 0
	 * @return the date, or {@code null}
	 */
	public LocalDate date(int field) {
		if (isNull(field)) {
			return null;
		}
		int start = this.starts[field];
		if (this.ends[field] - start == 10 && this.bytes[start + 4] == '-' && this.bytes[start + 7] == '-') {
			return LocalDate.of(digits(start, 4), digits(start + 5, 2), digits(start + 8, 2));
		}
		// Years past 9999, BC dates and infinities: what java.time makes of them, or an
		// error saying which.
		return LocalDate.parse(text(field));
	}

	private int start(int field) {
		if (field < 0 || field >= this.fields) {
			throw new IndexOutOfBoundsException("Field " + field + " of a row of " + this.fields);
		}
		return this.starts[field];
	}

	private long parseLong(int field) {
		int start = this.starts[field];
		int end = this.ends[field];
		boolean negative = start < end && this.bytes[start] == '-';
		int i = negative ? start + 1 : start;
		if (i == end || end - i > 18) {
			// Empty, or perhaps past a long: the JDK's parser says which.
			return Long.parseLong(new String(this.bytes, start, end - start, StandardCharsets.US_ASCII));
		}
		long value = 0;
		for (; i < end; i++) {
			int digit = this.bytes[i] - '0';
			if (digit < 0 || digit > 9) {
				throw new NumberFormatException(
						"Not a whole number: " + new String(this.bytes, start, end - start, StandardCharsets.UTF_8));
			}
			value = value * 10 + digit;
		}
		return negative ? -value : value;
	}

	private int digits(int start, int count) {
		int value = 0;
		for (int i = start; i < start + count; i++) {
			int digit = this.bytes[i] - '0';
			if (digit < 0 || digit > 9) {
				throw new IllegalArgumentException(
						"Not a date: " + new String(this.bytes, start, count, StandardCharsets.UTF_8));
			}
			value = value * 10 + digit;
		}
		return value;
	}

	/** The escapes of COPY's text format undone (PostgreSQL's COPY documentation). */
	private String unescaped(int start, int end) {
		byte[] out = new byte[end - start];
		int length = 0;
		for (int i = start; i < end; i++) {
			byte b = this.bytes[i];
			if (b != BACKSLASH || i + 1 == end) {
				out[length++] = b;
				continue;
			}
			byte next = this.bytes[++i];
			switch (next) {
				case 'b' -> out[length++] = '\b';
				case 'f' -> out[length++] = '\f';
				case 'n' -> out[length++] = '\n';
				case 'r' -> out[length++] = '\r';
				case 't' -> out[length++] = '\t';
				case 'v' -> out[length++] = 0x0b;
				case 'x' -> {
					int value = 0;
					int read = 0;
					while (read < 2 && i + 1 < end && Character.digit(this.bytes[i + 1], 16) >= 0) {
						value = value * 16 + Character.digit(this.bytes[++i], 16);
						read++;
					}
					out[length++] = (read == 0) ? (byte) 'x' : (byte) value;
				}
				default -> {
					if (next >= '0' && next <= '7') {
						int value = next - '0';
						for (int read = 1; read < 3 && i + 1 < end && this.bytes[i + 1] >= '0'
								&& this.bytes[i + 1] <= '7'; read++) {
							value = value * 8 + (this.bytes[++i] - '0');
						}
						out[length++] = (byte) value;
					}
					else {
						out[length++] = next;
					}
				}
			}
		}
		return new String(out, 0, length, StandardCharsets.UTF_8);
	}

}
