package dev.offload.worker.render;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import org.apache.commons.compress.archivers.zip.Zip64Mode;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIOException;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * A zip entry of a deflated head, a {@link BackgroundDeflater}'s data and a deflated
 * tail, as the JDK's zip reader inflates and checks it, and the CRC combination it rests
 * on against the CRC of the bytes themselves.
 */
class DeflatedEntryTests {

	private final Random random = new Random(16);

	private final ExecutorService thread = Executors.newSingleThreadExecutor();

	@AfterEach
	void stopThread() {
		this.thread.shutdown();
	}

	@ParameterizedTest
	@ValueSource(ints = { 0, 1, 3, 4, 5, 255, 256, 65_536, 1_000_003 })
	void combinedCrcsAreTheCrcOfBothSequences(int secondLength) {
		for (int firstLength : new int[] { 0, 1, 17, 4_096 }) {
			byte[] first = bytes(firstLength);
			byte[] second = bytes(secondLength);
			byte[] both = Arrays.copyOf(first, firstLength + secondLength);
			System.arraycopy(second, 0, both, firstLength, secondLength);
			assertThat(DeflatedEntry.combineCrc(crc(first), crc(second), secondLength))
				.as("%d then %d bytes", firstLength, secondLength)
				.isEqualTo(crc(both));
		}
	}

	@ParameterizedTest
	@ValueSource(ints = { 0, 1, 70_000, 3_000_000 })
	void anEntryOfAHeadDeflatedDataAndATailInflatesToThemAll(int middleLength) throws IOException {
		byte[] head = "<worksheet><sheetData>".getBytes();
		byte[] middle = text(middleLength);
		byte[] tail = "</sheetData></worksheet>".getBytes();
		ByteArrayOutputStream deflatedMiddle = new ByteArrayOutputStream();
		BackgroundDeflater deflater = new BackgroundDeflater(deflatedMiddle, this.thread);
		// In pieces of several sizes, as a writer's buffer gives them.
		for (int at = 0, piece = 1; at < middleLength; at += piece, piece = piece * 3 % 100_000 + 1) {
			deflater.write(middle, at, Math.min(piece, middleLength - at));
		}
		deflater.close();
		assertThat(deflater.deflated().size()).isEqualTo(middleLength);
		assertThat(deflater.deflated().crc()).isEqualTo(crc(middle));
		assertThat(deflater.deflated().deflatedSize()).isEqualTo(deflatedMiddle.size());

		ByteArrayOutputStream file = new ByteArrayOutputStream();
		try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(file)) {
			zip.setUseZip64(Zip64Mode.AsNeeded);
			DeflatedEntry.add(zip, "sheet.xml", head, new ByteArrayInputStream(deflatedMiddle.toByteArray()),
					deflater.deflated(), tail);
		}

		try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(file.toByteArray()))) {
			ZipEntry entry = zip.getNextEntry();
			assertThat(entry.getName()).isEqualTo("sheet.xml");
			assertThat(entry.getMethod()).isEqualTo(ZipEntry.DEFLATED);
			// Read to the end, where the JDK checks the entry's size and CRC-32.
			byte[] read = zip.readAllBytes();
			assertThat(read).hasSize(head.length + middleLength + tail.length);
			assertThat(Arrays.copyOfRange(read, 0, head.length)).isEqualTo(head);
			assertThat(Arrays.copyOfRange(read, head.length, head.length + middleLength)).isEqualTo(middle);
			assertThat(Arrays.copyOfRange(read, head.length + middleLength, read.length)).isEqualTo(tail);
			assertThat(zip.getNextEntry()).isNull();
		}
		if (middleLength > 1_000_000) {
			assertThat(deflatedMiddle.size()).as("compressed").isLessThan(middleLength / 2);
		}
	}

	@Test
	void aFailureWritingTheFileIsThrownByTheNextWriteOrClose() throws IOException {
		FailingFile file = new FailingFile();
		BackgroundDeflater deflater = new BackgroundDeflater(file, this.thread);
		byte[] chunk = bytes(200_000);
		IOException thrown = null;
		for (int i = 0; i < 100 && thrown == null; i++) {
			try {
				deflater.write(chunk, 0, chunk.length);
			}
			catch (IOException ex) {
				thrown = ex;
			}
		}
		if (thrown == null) {
			thrown = closeFailure(deflater);
		}
		else {
			assertThat(closeFailure(deflater)).as("close after the failure").isNotNull();
		}
		assertThat(thrown).hasMessageContaining("Deflating failed: disk full");
		assertThat(file.closed).as("the file is closed all the same").isTrue();
		assertThat(closeFailure(deflater)).as("closed again").hasMessageContaining("disk full");
		assertThatIOException().isThrownBy(deflater::deflated).withMessageContaining("disk full");
	}

	@Test
	void aStoppedThreadFailsTheWriterAndItsFileIsClosed() throws IOException {
		FailingFile file = new FailingFile();
		file.failAfter = Long.MAX_VALUE;
		BackgroundDeflater deflater = new BackgroundDeflater(file, this.thread);
		deflater.write(text(10_000), 0, 10_000);
		this.thread.shutdown();
		assertThat(closeFailure(deflater)).hasMessage("The deflating thread has stopped");
		assertThat(file.closed).isTrue();
		assertThat(file.written).as("what was written before is deflated").isPositive();
	}

	@Test
	void aTaskThatCouldNotBeHandedOverHoldsNothingUp() {
		FailingFile file = new FailingFile();
		BackgroundDeflater deflater = new BackgroundDeflater(file, (task) -> {
			throw new OutOfMemoryError("unable to create native thread");
		});
		assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
			assertThatExceptionOfType(OutOfMemoryError.class).isThrownBy(() -> deflater.write(new byte[10], 0, 10));
			assertThatExceptionOfType(OutOfMemoryError.class).isThrownBy(deflater::close);
		});
		assertThat(file.closed).isTrue();
	}

	private static IOException closeFailure(BackgroundDeflater deflater) {
		try {
			deflater.close();
			return null;
		}
		catch (IOException ex) {
			return ex;
		}
	}

	private byte[] bytes(int length) {
		byte[] bytes = new byte[length];
		this.random.nextBytes(bytes);
		return bytes;
	}

	/** Compressible bytes, like sheet XML. */
	private byte[] text(int length) {
		byte[] text = new byte[length];
		for (int i = 0; i < length; i++) {
			text[i] = (byte) ((i % 80 == 79) ? '\n' : 'a' + this.random.nextInt(6));
		}
		return text;
	}

	private static long crc(byte[] bytes) {
		CRC32 crc = new CRC32();
		crc.update(bytes);
		return crc.getValue();
	}

	/** A file whose disk fills after a megabyte. */
	private static final class FailingFile extends OutputStream {

		volatile long failAfter = 1_000_000;

		volatile long written;

		volatile boolean closed;

		@Override
		public void write(int b) throws IOException {
			write(new byte[] { (byte) b }, 0, 1);
		}

		@Override
		public void write(byte[] bytes, int offset, int length) throws IOException {
			if (this.written + length > this.failAfter) {
				throw new IOException("disk full");
			}
			this.written += length;
		}

		@Override
		public void close() {
			this.closed = true;
		}

	}

}
