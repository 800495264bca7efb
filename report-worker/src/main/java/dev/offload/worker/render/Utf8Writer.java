package dev.offload.worker.render;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;

/**
 * A writer for one thread that collects characters in a buffer and encodes them as UTF-8
 * a buffer at a time. What Commons CSV prints into and what POI writes a sheet's XML
 * through: both make a call per value or less. A {@link java.io.BufferedWriter} takes a
 * lock per call, and its {@code append(CharSequence, int, int)} (Commons CSV's call for
 * every value) copies the part into a new string first; an
 * {@link java.io.OutputStreamWriter} runs its encoder once per call. Over a million rows
 * that was most of the writers' time.
 */
final class Utf8Writer extends Writer {

	private final OutputStream out;

	private final char[] buffer;

	private int length;

	Utf8Writer(OutputStream out, int bufferChars) {
		if (bufferChars < 2) {
			throw new IllegalArgumentException("A buffer holds a surrogate pair at least");
		}
		this.out = out;
		this.buffer = new char[bufferChars];
	}

	@Override
	public Writer append(CharSequence text) throws IOException {
		return append(text, 0, text.length());
	}

	@Override
	public Writer append(CharSequence text, int start, int end) throws IOException {
		int at = start;
		while (at < end) {
			if (this.length == this.buffer.length) {
				encode(false);
			}
			int count = Math.min(end - at, this.buffer.length - this.length);
			if (text instanceof String string) {
				string.getChars(at, at + count, this.buffer, this.length);
			}
			else {
				for (int i = 0; i < count; i++) {
					this.buffer[this.length + i] = text.charAt(at + i);
				}
			}
			this.length += count;
			at += count;
		}
		return this;
	}

	@Override
	public Writer append(char c) throws IOException {
		write(c);
		return this;
	}

	@Override
	public void write(int c) throws IOException {
		if (this.length == this.buffer.length) {
			encode(false);
		}
		this.buffer[this.length++] = (char) c;
	}

	@Override
	public void write(String text) throws IOException {
		append(text, 0, text.length());
	}

	@Override
	public void write(String text, int offset, int count) throws IOException {
		append(text, offset, offset + count);
	}

	@Override
	public void write(char[] chars, int offset, int count) throws IOException {
		int at = offset;
		int end = offset + count;
		while (at < end) {
			if (this.length == this.buffer.length) {
				encode(false);
			}
			int part = Math.min(end - at, this.buffer.length - this.length);
			System.arraycopy(chars, at, this.buffer, this.length, part);
			this.length += part;
			at += part;
		}
	}

	/** Encodes and writes what is buffered, and flushes the stream. */
	@Override
	public void flush() throws IOException {
		encode(true);
		this.out.flush();
	}

	/** Writes what is buffered and closes the stream. */
	@Override
	public void close() throws IOException {
		try {
			encode(true);
		}
		finally {
			this.out.close();
		}
	}

	/**
	 * Writes the buffer as UTF-8. A high surrogate at its end waits for its low half,
	 * unless nothing more comes (then it is encoded as the JDK encodes a lone surrogate).
	 */
	private void encode(boolean all) throws IOException {
		int count = this.length;
		if (!all && count > 0 && Character.isHighSurrogate(this.buffer[count - 1])) {
			count--;
		}
		if (count > 0) {
			this.out.write(new String(this.buffer, 0, count).getBytes(StandardCharsets.UTF_8));
		}
		System.arraycopy(this.buffer, count, this.buffer, 0, this.length - count);
		this.length -= count;
	}

}
