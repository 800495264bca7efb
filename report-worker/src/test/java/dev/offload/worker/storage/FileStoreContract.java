package dev.offload.worker.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.UUID;

import dev.offload.model.files.FileMissingException;
import dev.offload.model.files.FileStore;
import dev.offload.model.files.FileUpload;
import dev.offload.model.files.StoredFile;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * What every {@link FileStore} does, run against each real store.
 */
abstract class FileStoreContract {

	/** Larger than two parts of the smallest part size S3 takes (5 MB). */
	static final int LARGE = 12 * 1024 * 1024 + 12345;

	abstract FileStore store();

	@Test
	void aFileWrittenInPiecesIsReadBackWithItsSizeAndSha256() throws Exception {
		byte[] bytes = random(LARGE, 1);
		String key = this.store().allocate(UUID.randomUUID(), 1, "csv");
		StoredFile stored;
		try (FileUpload upload = store().upload(key, "text/csv")) {
			OutputStream out = upload.stream();
			// Written the way a writer does: many small writes and a few single bytes.
			for (int offset = 0; offset < bytes.length; offset += 8191) {
				out.write(bytes, offset, Math.min(8191, bytes.length - offset));
				if (offset % (1024 * 1024) < 8191) {
					out.write(bytes[offset]);
					out.flush();
				}
			}
			stored = upload.complete();
		}
		long written = bytes.length + (bytes.length + 1024L * 1024 - 1) / (1024 * 1024);
		assertThat(stored.store()).isEqualTo(store().name());
		assertThat(stored.key()).isEqualTo(key);
		assertThat(stored.size()).isEqualTo(written);
		assertThat(store().size(key)).contains(written);
		byte[] read;
		try (InputStream in = store().read(key, 0, -1)) {
			read = in.readAllBytes();
		}
		assertThat(read).hasSize((int) written);
		assertThat(sha256(read)).isEqualTo(stored.sha256());
		store().delete(key);
	}

	@Test
	void aRangeIsExactlyTheRequestedBytes() throws Exception {
		byte[] bytes = random(LARGE, 2);
		StoredFile stored = write(bytes);
		assertThat(range(stored.key(), 0, 10)).isEqualTo(slice(bytes, 0, 10));
		assertThat(range(stored.key(), 5 * 1024 * 1024 - 3, 7)).isEqualTo(slice(bytes, 5 * 1024 * 1024 - 3, 7));
		assertThat(range(stored.key(), LARGE - 100, -1)).isEqualTo(slice(bytes, LARGE - 100, 100));
		assertThat(range(stored.key(), LARGE - 1, 1)).isEqualTo(slice(bytes, LARGE - 1, 1));
		store().delete(stored.key());
	}

	@Test
	void aRangeClosedEarlyReleasesTheRead() throws Exception {
		StoredFile stored = write(random(LARGE, 3));
		// More reads left half-read than a pool has connections: each must be released.
		for (int i = 0; i < 80; i++) {
			try (InputStream in = store().read(stored.key(), 0, -1)) {
				assertThat(in.readNBytes(100)).hasSize(100);
			}
		}
		store().delete(stored.key());
	}

	@Test
	void smallAndEmptyFilesAreStored() throws Exception {
		StoredFile small = write("a,b\n1,2\n".getBytes());
		assertThat(small.size()).isEqualTo(8);
		assertThat(range(small.key(), 0, -1)).isEqualTo("a,b\n1,2\n".getBytes());
		StoredFile empty = write(new byte[0]);
		assertThat(empty.size()).isZero();
		assertThat(store().size(empty.key())).contains(0L);
		assertThat(range(empty.key(), 0, -1)).isEmpty();
		assertThat(empty.sha256()).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
		store().delete(small.key());
		store().delete(empty.key());
	}

	@Test
	void anUploadClosedWithoutCompletingLeavesNoFile() throws Exception {
		String key = store().allocate(UUID.randomUUID(), 1, "pdf");
		try (FileUpload upload = store().upload(key, "application/pdf")) {
			upload.stream().write(random(LARGE, 4));
		}
		assertAbandoned(key);
	}

	@Test
	void deletingRemovesTheFileAndWhatAnUnfinishedUploadLeft() throws Exception {
		StoredFile stored = write(random(1000, 5));
		store().delete(stored.key());
		assertThat(store().size(stored.key())).isEmpty();
		// A writer that died mid-upload: neither completed nor closed.
		String key = store().allocate(UUID.randomUUID(), 1, "csv");
		FileUpload abandoned = store().upload(key, "text/csv");
		abandoned.stream().write(random(LARGE, 6));
		store().delete(key);
		assertNothingUnder(key);
		// Deleting what is not there is no error.
		store().delete(key);
	}

	@Test
	void aMissingFileIsReportedAsMissing() {
		String key = store().allocate(UUID.randomUUID(), 1, "csv");
		store().delete(key);
		assertThat(store().size(key)).isEmpty();
		assertThatExceptionOfType(FileMissingException.class).isThrownBy(() -> store().read(key, 0, -1).close());
	}

	/**
	 * Checks that nothing is left under a key: no file, and (where the store has them) no
	 * unfinished upload.
	 * @param key the key
	 */
	void assertNothingUnder(String key) {
		assertThat(store().size(key)).isEmpty();
	}

	/**
	 * Checks that an upload closed without completing kept none of its bytes.
	 * @param key the upload's key
	 */
	void assertAbandoned(String key) {
		assertNothingUnder(key);
	}

	StoredFile write(byte[] bytes) throws IOException {
		String key = store().allocate(UUID.randomUUID(), 1, "bin");
		try (FileUpload upload = store().upload(key, "application/octet-stream")) {
			upload.stream().write(bytes);
			return upload.complete();
		}
	}

	byte[] range(String key, long offset, long length) throws IOException {
		try (InputStream in = store().read(key, offset, length)) {
			return in.readAllBytes();
		}
	}

	static byte[] random(int size, long seed) {
		byte[] bytes = new byte[size];
		new Random(seed).nextBytes(bytes);
		return bytes;
	}

	static byte[] slice(byte[] bytes, int offset, int length) {
		byte[] slice = new byte[length];
		System.arraycopy(bytes, offset, slice, 0, length);
		return slice;
	}

	static String sha256(byte[] bytes) throws Exception {
		return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
	}

}
