package dev.offload.worker.render;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The writer's bytes are the JDK's UTF-8 bytes of the same characters, whatever the calls
 * and the buffer's size: surrogate pairs split across calls and across the buffer's end,
 * lone surrogates (each a {@code ?}, as {@link String#getBytes} writes them), text longer
 * than the buffer.
 */
class Utf8WriterTests {

	/**
	 * One of each kind: ASCII, two, three and four bytes, lone surrogates of both kinds.
	 */
	private static final char[] KINDS = { 'a', ',', '\n', 'é', 'ß', '☕', '€', '\ud83d', '\ude00', '\ud800', '\udfff' };

	@Test
	void randomTextThroughEveryCallIsTheJdksUtf8() throws IOException {
		Random random = new Random(16);
		for (int size : List.of(4, 5, 7, 10, 19, 20, 64, 1024)) {
			for (int round = 0; round < 50; round++) {
				StringBuilder text = new StringBuilder();
				ByteArrayOutputStream out = new ByteArrayOutputStream();
				Utf8Writer writer = new Utf8Writer(out, size);
				for (int call = 0; call < 40; call++) {
					String part = randomText(random, random.nextInt(20));
					text.append(part);
					switch (random.nextInt(9)) {
						case 0 -> writer.append(part);
						case 1 -> writer.append("<" + part + ">", 1, part.length() + 1);
						case 2 -> writer.append(new StringBuilder(part), 0, part.length());
						case 3 -> writer.write(part);
						case 4 -> writer.write("<" + part + ">", 1, part.length());
						case 5 -> writer.write(("<" + part + ">").toCharArray(), 1, part.length());
						case 6 -> {
							long number = randomLong(random);
							text.setLength(text.length() - part.length());
							text.append(number);
							writer.appendLong(number);
						}
						case 7 -> {
							LocalDate date = randomDate(random);
							text.setLength(text.length() - part.length());
							text.append(date);
							writer.appendDate(date);
						}
						default -> part.chars().forEach((c) -> {
							try {
								writer.write(c);
							}
							catch (IOException ex) {
								throw new IllegalStateException(ex);
							}
						});
					}
				}
				writer.flush();
				assertThat(out.toByteArray()).as("buffer of %d bytes: %s", size, text)
					.isEqualTo(text.toString().getBytes(StandardCharsets.UTF_8));
			}
		}
	}

	@Test
	void numbersAndDatesAreTheirToString() throws IOException {
		List<Long> numbers = List.of(0L, 7L, -7L, 9L, 10L, -10L, 99L, 100L, 1_000_000_007L, -1_000_000_007L,
				Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 1);
		List<LocalDate> dates = List.of(LocalDate.of(2024, 2, 29), LocalDate.of(0, 1, 1), LocalDate.of(9999, 12, 31),
				LocalDate.of(10_000, 1, 1), LocalDate.of(-1, 12, 31), LocalDate.of(7, 7, 7), LocalDate.MIN,
				LocalDate.MAX);
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		Utf8Writer writer = new Utf8Writer(out, 64);
		StringBuilder expected = new StringBuilder();
		for (long number : numbers) {
			writer.appendLong(number);
			writer.append(';');
			expected.append(Long.toString(number)).append(';');
		}
		for (LocalDate date : dates) {
			writer.appendDate(date);
			writer.append(';');
			expected.append(date.toString()).append(';');
		}
		writer.flush();
		assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(expected.toString());
	}

	@Test
	void aSurrogatePairSplitAcrossCallsAndTheBuffersEndIsOneCharacter() throws IOException {
		for (int size : List.of(4, 5, 6, 7)) {
			for (int before = 0; before < 8; before++) {
				ByteArrayOutputStream out = new ByteArrayOutputStream();
				Utf8Writer writer = new Utf8Writer(out, size);
				String ascii = "x".repeat(before);
				writer.write(ascii + "\ud83d");
				writer.append('\ude00');
				writer.write("!");
				writer.close();
				assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(ascii + "😀!");
			}
		}
	}

	@Test
	void aHighSurrogateLeftAtAFlushIsALoneOne() throws IOException {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		Utf8Writer writer = new Utf8Writer(out, 4);
		writer.write("abc\ud83d");
		writer.flush();
		assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("abc?");
		writer.write("\ude00z");
		writer.close();
		assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("abc??z");
	}

	@Test
	void nothingIsWrittenBeforeTheBufferFillsOrAFlush() throws IOException {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		Utf8Writer writer = new Utf8Writer(out, 8);
		writer.write("1234567");
		assertThat(out.size()).isZero();
		writer.write("89");
		assertThat(out.size()).isEqualTo(8);
		writer.flush();
		assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("123456789");
	}

	@Test
	void aBufferTooSmallForFourBytesIsRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> new Utf8Writer(new ByteArrayOutputStream(), 3));
	}

	private static String randomText(Random random, int length) {
		StringBuilder text = new StringBuilder(length);
		for (int i = 0; i < length; i++) {
			// Mostly ASCII, as report data is.
			text.append(
					(random.nextInt(3) == 0) ? KINDS[random.nextInt(KINDS.length)] : (char) ('a' + random.nextInt(26)));
		}
		return text.toString();
	}

	private static long randomLong(Random random) {
		return switch (random.nextInt(4)) {
			case 0 -> random.nextInt(100) - 50;
			case 1 -> random.nextLong();
			case 2 -> (random.nextBoolean()) ? Long.MIN_VALUE : Long.MAX_VALUE;
			default -> random.nextInt();
		};
	}

	private static LocalDate randomDate(Random random) {
		int year = (random.nextBoolean()) ? 1990 + random.nextInt(40) : random.nextInt(40_000) - 20_000;
		return LocalDate.ofEpochDay(0).withYear(year).plusDays(random.nextInt(366));
	}

}
