package dev.offload.worker.render;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.time.LocalDate;

/**
 * A writer for one thread that encodes characters as UTF-8 straight into a byte buffer
 * and writes the buffer when it is full. What Commons CSV prints into and what POI writes
 * a sheet's XML through: both make a call per value or less, a million rows make tens of
 * millions of calls, and most values are a few ASCII characters. A
 * {@link java.io.BufferedWriter} takes a lock per call, and its
 * {@code append(CharSequence, int, int)} (Commons CSV's call for every value) copies the
 * part into a new string first; an {@link java.io.OutputStreamWriter} runs its encoder
 * once per call; collecting characters and encoding them a buffer at a time copied every
 * character three times (into the buffer, into a string, into its bytes). Here an ASCII
 * character is one store.
 * <p>
 * The bytes are those of {@link String#getBytes(java.nio.charset.Charset)} with UTF-8 for
 * the same characters, lone surrogates included (each becomes {@code ?}); a high
 * surrogate written last waits for its low half until the writer is flushed or closed.
 */
final class Utf8Writer extends Writer {

	/** The most bytes one character (or a surrogate pair) takes. */
	private static final int MAX_BYTES_PER_CHARACTER = 4;

	/** The most bytes a {@code long}'s digits take, its sign included. */
	private static final int LONG_BYTES = 20;

	/** The bytes of a date of the years 0 to 9999. */
	private static final int DATE_BYTES = 10;

	private static final byte REPLACEMENT = '?';

	private final OutputStream out;

	private final byte[] buffer;

	private int length;

	/** A high surrogate waiting for its low half, or 0. */
	private char high;

	Utf8Writer(OutputStream out, int bufferBytes) {
		if (bufferBytes < MAX_BYTES_PER_CHARACTER) {
			throw new IllegalArgumentException("A buffer holds one character's bytes at least");
		}
		this.out = out;
		this.buffer = new byte[bufferBytes];
	}

	@Override
	public Writer append(CharSequence text) throws IOException {
		return append(text, 0, text.length());
	}

	@Override
	public Writer append(CharSequence text, int start, int end) throws IOException {
		if (text instanceof String string) {
			encode(string, start, end);
		}
		else {
			for (int i = start; i < end; i++) {
				write(text.charAt(i));
			}
		}
		return this;
	}

	@Override
	public Writer append(char c) throws IOException {
		write(c);
		return this;
	}

	@Override
	public void write(String text) throws IOException {
		encode(text, 0, text.length());
	}

	@Override
	public void write(String text, int offset, int count) throws IOException {
		encode(text, offset, offset + count);
	}

	private void encode(String text, int start, int end) throws IOException {
		int i = start;
		while (i < end) {
			// ASCII, as long as it fits: one store per character.
			if (this.high == 0) {
				byte[] bytes = this.buffer;
				int at = this.length;
				int stop = Math.min(end, i + bytes.length - at);
				for (char c; i < stop && (c = text.charAt(i)) < 0x80; i++) {
					bytes[at++] = (byte) c;
				}
				this.length = at;
				if (i == end) {
					return;
				}
			}
			write(text.charAt(i++));
		}
	}

	/**
	 * Writes a number's digits as {@link Long#toString(long)} gives them, without the
	 * string.
	 * @param value the number
	 * @throws IOException if the stream fails
	 */
	void appendLong(long value) throws IOException {
		if (value == Long.MIN_VALUE || !reserve(LONG_BYTES)) {
			String text = Long.toString(value);
			encode(text, 0, text.length());
			return;
		}
		byte[] bytes = this.buffer;
		long rest = Math.abs(value);
		int digits = 1;
		for (long left = rest / 10; left != 0; left /= 10) {
			digits++;
		}
		int at = this.length;
		if (value < 0) {
			bytes[at++] = '-';
		}
		int end = at + digits;
		for (int i = end - 1; i >= at; i--) {
			bytes[i] = (byte) ('0' + (rest % 10));
			rest /= 10;
		}
		this.length = end;
	}

	/**
	 * Makes room for that many bytes written straight into the buffer, unless a character
	 * waits for the second half of its surrogate pair or the buffer is smaller.
	 * @param bytes the bytes to be written
	 * @return whether they may be written into the buffer from {@code length} on
	 * @throws IOException if draining the buffer fails
	 */
	private boolean reserve(int bytes) throws IOException {
		if (this.high != 0 || this.buffer.length < bytes) {
			return false;
		}
		if (this.buffer.length - this.length < bytes) {
			drain();
		}
		return true;
	}

	/**
	 * Writes a date as {@link LocalDate#toString()} gives it ({@code yyyy-MM-dd} for the
	 * years 0 to 9999), without the string.
	 * @param date the date
	 * @throws IOException if the stream fails
	 */
	void appendDate(LocalDate date) throws IOException {
		int year = date.getYear();
		if (year < 0 || year > 9999 || !reserve(DATE_BYTES)) {
			String text = date.toString();
			encode(text, 0, text.length());
			return;
		}
		byte[] bytes = this.buffer;
		int at = this.length;
		bytes[at++] = (byte) ('0' + year / 1000);
		bytes[at++] = (byte) ('0' + year / 100 % 10);
		bytes[at++] = (byte) ('0' + year / 10 % 10);
		bytes[at++] = (byte) ('0' + year % 10);
		bytes[at++] = '-';
		int month = date.getMonthValue();
		bytes[at++] = (byte) ('0' + month / 10);
		bytes[at++] = (byte) ('0' + month % 10);
		bytes[at++] = '-';
		int day = date.getDayOfMonth();
		bytes[at++] = (byte) ('0' + day / 10);
		bytes[at++] = (byte) ('0' + day % 10);
		this.length = at;
	}

	@Override
	public void write(char[] chars, int offset, int count) throws IOException {
		int i = offset;
		int end = offset + count;
		while (i < end) {
			if (this.high == 0) {
				byte[] bytes = this.buffer;
				int at = this.length;
				int stop = Math.min(end, i + bytes.length - at);
				for (char c; i < stop && (c = chars[i]) < 0x80; i++) {
					bytes[at++] = (byte) c;
				}
				this.length = at;
				if (i == end) {
					return;
				}
			}
			write(chars[i++]);
		}
	}

	@Override
	public void write(int c) throws IOException {
		write((char) c);
	}

	private void write(char c) throws IOException {
		if (this.buffer.length - this.length < MAX_BYTES_PER_CHARACTER) {
			drain();
		}
		if (this.high != 0) {
			char high = this.high;
			this.high = 0;
			if (Character.isLowSurrogate(c)) {
				put(Character.toCodePoint(high, c));
				return;
			}
			this.buffer[this.length++] = REPLACEMENT;
		}
		if (Character.isHighSurrogate(c)) {
			this.high = c;
		}
		else if (Character.isLowSurrogate(c)) {
			this.buffer[this.length++] = REPLACEMENT;
		}
		else {
			put(c);
		}
	}

	/** Puts a code point's UTF-8 bytes; the buffer has room for them. */
	private void put(int codePoint) {
		byte[] bytes = this.buffer;
		int at = this.length;
		if (codePoint < 0x80) {
			bytes[at++] = (byte) codePoint;
		}
		else if (codePoint < 0x800) {
			bytes[at++] = (byte) (0xc0 | (codePoint >> 6));
			bytes[at++] = (byte) (0x80 | (codePoint & 0x3f));
		}
		else if (codePoint < 0x10000) {
			bytes[at++] = (byte) (0xe0 | (codePoint >> 12));
			bytes[at++] = (byte) (0x80 | ((codePoint >> 6) & 0x3f));
			bytes[at++] = (byte) (0x80 | (codePoint & 0x3f));
		}
		else {
			bytes[at++] = (byte) (0xf0 | (codePoint >> 18));
			bytes[at++] = (byte) (0x80 | ((codePoint >> 12) & 0x3f));
			bytes[at++] = (byte) (0x80 | ((codePoint >> 6) & 0x3f));
			bytes[at++] = (byte) (0x80 | (codePoint & 0x3f));
		}
		this.length = at;
	}

	/** The stream this writes to. */
	OutputStream stream() {
		return this.out;
	}

	/**
	 * Writes what is buffered, a high surrogate still waiting for its low half included
	 * (as {@code ?}, since nothing more may come), and flushes the stream.
	 */
	@Override
	public void flush() throws IOException {
		end();
		this.out.flush();
	}

	/** Writes what is buffered and closes the stream. */
	@Override
	public void close() throws IOException {
		try {
			end();
		}
		finally {
			this.out.close();
		}
	}

	private void end() throws IOException {
		if (this.high != 0) {
			if (this.length == this.buffer.length) {
				drain();
			}
			this.high = 0;
			this.buffer[this.length++] = REPLACEMENT;
		}
		drain();
	}

	private void drain() throws IOException {
		if (this.length > 0) {
			this.out.write(this.buffer, 0, this.length);
			this.length = 0;
		}
	}

}
