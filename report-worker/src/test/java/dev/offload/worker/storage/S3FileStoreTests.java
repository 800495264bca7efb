package dev.offload.worker.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;

import dev.offload.model.files.FileStore;
import dev.offload.model.files.FileStoreException;
import dev.offload.model.files.FileUpload;
import dev.offload.model.files.S3FileStore;
import dev.offload.model.files.StoredFile;
import dev.offload.testsupport.TestObjectStorage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The S3 store against a real S3 server on this machine (S3Proxy, or MinIO where Docker
 * runs), with the AWS SDK's client unmocked.
 */
class S3FileStoreTests extends FileStoreContract {

	private static TestObjectStorage s3;

	private static String bucket;

	private static S3FileStore store;

	@BeforeAll
	static void createBucket() {
		s3 = TestObjectStorage.get();
		bucket = s3.newBucket();
		store = new S3FileStore(s3.settings(bucket));
	}

	@AfterAll
	static void removeBucket() {
		store.close();
		s3.removeBucket(bucket);
	}

	@Override
	FileStore store() {
		return store;
	}

	@Override
	void assertNothingUnder(String key) {
		super.assertNothingUnder(key);
		assertThat(s3.unfinishedUploads(bucket)).doesNotContain(key);
	}

	@Test
	void aLargeFileIsAMultipartUploadOfPartSizedParts() throws Exception {
		StoredFile stored = write(random(LARGE, 7));
		String eTag = s3.client().headObject((h) -> h.bucket(bucket).key(stored.key())).eTag();
		// A multipart object's ETag ends in its number of parts: 5 MB, 5 MB and the rest.
		assertThat(eTag.replace("\"", "")).endsWith("-3");
		store.delete(stored.key());
	}

	@Test
	void keysCarryThePrefixTheReportAndTheAttempt() {
		UUID report = UUID.randomUUID();
		String key = store.allocate(report, 3, "xlsx");
		assertThat(key).startsWith("reports/" + report + "/3-").endsWith(".xlsx");
		assertThat(store.allocate(report, 3, "xlsx")).isNotEqualTo(key);
	}

	@Test
	void aPresignedUrlDownloadsTheFileWithoutCredentials() throws Exception {
		byte[] bytes = random(100_000, 8);
		StoredFile stored = write(bytes);
		URI url = store.presignedDownload(stored.key(), "sales-2026.csv", "text/csv", Duration.ofMinutes(1))
			.orElseThrow();
		HttpResponse<byte[]> response = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(url).build(), HttpResponse.BodyHandlers.ofByteArray());
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.body()).isEqualTo(bytes);
		assertThat(response.headers().firstValue("Content-Disposition")).hasValueSatisfying(
				(disposition) -> assertThat(disposition).contains("attachment").contains("sales-2026.csv"));
		HttpResponse<byte[]> tampered = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create(url.toString().replace(stored.key(), stored.key() + "x"))).build(),
					HttpResponse.BodyHandlers.ofByteArray());
		assertThat(tampered.statusCode()).isEqualTo(403);
		store.delete(stored.key());
	}

	@Test
	void anUnreachableServerIsATransientFailure() throws IOException {
		int closedPort;
		try (ServerSocket socket = new ServerSocket(0)) {
			closedPort = socket.getLocalPort();
		}
		try (S3FileStore unreachable = new S3FileStore(
				s3.settings(URI.create("http://127.0.0.1:" + closedPort), bucket))) {
			String key = unreachable.allocate(UUID.randomUUID(), 1, "csv");
			FileUpload upload = unreachable.upload(key, "text/csv");
			upload.stream().write(new byte[100]);
			assertThatExceptionOfType(UncheckedIOException.class).isThrownBy(upload::complete)
				.withMessageContaining("did not answer");
			upload.close();
			assertThatExceptionOfType(UncheckedIOException.class).isThrownBy(() -> unreachable.size(key));
		}
	}

	@Test
	void aMissingBucketIsARefusalNotATransientFailure() throws IOException {
		try (S3FileStore nowhere = new S3FileStore(
				s3.settings("offload-no-such-bucket-" + UUID.randomUUID().toString().substring(0, 8)))) {
			String key = nowhere.allocate(UUID.randomUUID(), 1, "csv");
			FileUpload upload = nowhere.upload(key, "text/csv");
			upload.stream().write(new byte[100]);
			assertThatExceptionOfType(FileStoreException.class).isThrownBy(upload::complete)
				.withMessageContaining("refused")
				.withMessageContaining("404");
			upload.close();
		}
	}

}
