package dev.offload.api.file;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

import dev.offload.model.files.FileStores;
import dev.offload.model.files.PostgresLargeObjectStore;
import dev.offload.model.files.StoredFile;
import dev.offload.testsupport.AfterTheContext;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import dev.offload.testsupport.TestObjectStorage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.HttpStatus;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.client.RestTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With {@code offload.files.s3.presigned-downloads}, a download is a redirect to a
 * short-lived presigned URL of the object storage, so the bytes never pass through the
 * API; files stored in PostgreSQL before the switch to S3 are still streamed.
 */
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "offload.files.s3.presigned-downloads=true", "offload.files.s3.presigned-validity=2m" })
@AutoConfigureRestTestClient
class PresignedDownloadTests {

	private static final TestDatabase database = TestDatabase.create();

	private static final TestBroker broker = TestBroker.create();

	private static final TestObjectStorage s3 = TestObjectStorage.get();

	private static final String bucket = s3.newBucket();

	@Autowired
	private RestTestClient client;

	@Autowired
	private FileStores stores;

	@Autowired
	private org.springframework.jdbc.core.simple.JdbcClient jdbc;

	@DynamicPropertySource
	static void infrastructure(DynamicPropertyRegistry registry) {
		StoredFileDownloadContract.infrastructure(registry, database, broker);
		s3.serviceProperties(s3.endpoint(), bucket).forEach((name, value) -> registry.add(name, () -> value));
	}

	@RegisterExtension
	static final AfterTheContext cleanUp = AfterTheContext.close(() -> s3.removeBucket(bucket), broker, database);

	@Test
	void aDownloadRedirectsToAPresignedUrlThatServesTheFile() throws Exception {
		byte[] content = StoredFileDownloadContract.randomBytes(200_000);
		StoredFile stored = StoredFileDownloadContract.store(this.stores.current(), content);
		UUID id = succeeded(stored);

		String location = this.client.get()
			.uri("/api/reports/{id}/file", id)
			.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.FOUND)
			.expectHeader()
			.valueEquals("Cache-Control", "no-store")
			.expectHeader()
			.valueEquals("X-Checksum-SHA256", stored.sha256())
			.returnResult()
			.getResponseHeaders()
			.getFirst("Location");
		assertThat(location).startsWith(s3.endpoint().toString()).contains("X-Amz-Expires=120");

		HttpResponse<byte[]> file = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create(location)).build(), HttpResponse.BodyHandlers.ofByteArray());
		assertThat(file.statusCode()).isEqualTo(200);
		assertThat(StoredFileDownloadContract.sha256(file.body())).isEqualTo(stored.sha256());
		assertThat(file.headers().firstValue("Content-Disposition")).hasValue("attachment; filename=\"report.csv\"");
		HttpResponse<byte[]> range = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create(location)).header("Range", "bytes=100-199").build(),
					HttpResponse.BodyHandlers.ofByteArray());
		assertThat(range.statusCode()).isEqualTo(206);
		assertThat(range.body()).isEqualTo(java.util.Arrays.copyOfRange(content, 100, 200));
	}

	@Test
	void aFileStoredInPostgresBeforeTheSwitchIsStillStreamed() {
		byte[] content = "written before S3\n".getBytes(StandardCharsets.UTF_8);
		StoredFile stored = StoredFileDownloadContract
			.store(this.stores.named(PostgresLargeObjectStore.NAME).orElseThrow(), content);
		UUID id = succeeded(stored);
		byte[] body = this.client.get()
			.uri("/api/reports/{id}/file", id)
			.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(byte[].class)
			.returnResult()
			.getResponseBody();
		assertThat(body).isEqualTo(content);
	}

	private UUID succeeded(StoredFile file) {
		return StoredFileDownloadContract.succeeded(this.jdbc, file, 0);
	}

}
