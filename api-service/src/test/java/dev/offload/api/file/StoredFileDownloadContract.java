package dev.offload.api.file;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Random;
import java.util.UUID;

import dev.offload.api.retention.ReportFileRetention;
import dev.offload.model.files.FileStore;
import dev.offload.model.files.FileStores;
import dev.offload.model.files.FileUpload;
import dev.offload.model.files.StoredFile;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.web.servlet.client.RestTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Report files in a file store served as streams: checksums, ETags, ranges, integrity
 * failures; and retention deleting stored and orphaned files. Each store has a subclass
 * that gives it its database, broker and {@code offload.files.*}.
 */
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "offload.api.retention.keep-files-for=7d", "offload.api.retention.orphan-upload-age=1h" })
@AutoConfigureRestTestClient
abstract class StoredFileDownloadContract {

	@Autowired
	private RestTestClient client;

	@Autowired
	private JdbcClient jdbc;

	@Autowired
	private FileStores stores;

	@Autowired
	private ReportFileRetention retention;

	@Autowired
	private MeterRegistry meters;

	static void infrastructure(DynamicPropertyRegistry registry, TestDatabase database, TestBroker broker) {
		database.springProperties().forEach((name, value) -> registry.add(name, () -> value));
		broker.springProperties().forEach((name, value) -> registry.add(name, () -> value));
	}

	/**
	 * The store files are written to, as a worker would.
	 * @return the store
	 */
	FileStore store() {
		return this.stores.current();
	}

	RestTestClient client() {
		return this.client;
	}

	JdbcClient jdbc() {
		return this.jdbc;
	}

	@Test
	void ownerDownloadsTheStoredBytesWithLengthChecksumAndETag() throws Exception {
		byte[] content = randomBytes(3 * 1024 * 1024 + 17);
		UUID id = succeeded(store(content), 0);

		byte[] body = this.client.get()
			.uri("/api/reports/{id}/file", id)
			.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.contentLength(content.length)
			.expectHeader()
			.valueEquals("ETag", "\"" + sha256(content) + "\"")
			.expectHeader()
			.valueEquals("X-Checksum-SHA256", sha256(content))
			.expectHeader()
			.valueEquals("Repr-Digest", "sha-256=:"
					+ Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(content)) + ":")
			.expectHeader()
			.valueEquals("Accept-Ranges", "bytes")
			.expectHeader()
			.contentType("text/csv")
			.expectBody(byte[].class)
			.returnResult()
			.getResponseBody();
		assertThat(sha256(body)).isEqualTo(sha256(content));
	}

	@Test
	void rangeRequestReturnsExactlyTheRequestedBytesAndAnUnsatisfiableOneIs416() {
		byte[] content = randomBytes(100_000);
		UUID id = succeeded(store(content), 0);

		byte[] middle = range(id, "bytes=1000-1999").expectStatus()
			.isEqualTo(HttpStatus.PARTIAL_CONTENT)
			.expectHeader()
			.valueEquals("Content-Range", "bytes 1000-1999/100000")
			.expectBody(byte[].class)
			.returnResult()
			.getResponseBody();
		assertThat(middle).isEqualTo(Arrays.copyOfRange(content, 1000, 2000));
		byte[] tail = range(id, "bytes=-10").expectStatus()
			.isEqualTo(HttpStatus.PARTIAL_CONTENT)
			.expectBody(byte[].class)
			.returnResult()
			.getResponseBody();
		assertThat(tail).isEqualTo(Arrays.copyOfRange(content, content.length - 10, content.length));
		byte[] resumed = range(id, "bytes=99000-").expectStatus()
			.isEqualTo(HttpStatus.PARTIAL_CONTENT)
			.expectBody(byte[].class)
			.returnResult()
			.getResponseBody();
		assertThat(resumed).isEqualTo(Arrays.copyOfRange(content, 99_000, content.length));
		range(id, "bytes=200000-").expectStatus().isEqualTo(HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE);
	}

	@Test
	void matchingETagIsNotModified() {
		byte[] content = "a,b\r\n1,2\r\n".getBytes(StandardCharsets.UTF_8);
		UUID id = succeeded(store(content), 0);
		this.client.get().uri("/api/reports/{id}/file", id).headers((headers) -> {
			headers.setBasicAuth("alice", "alice-secret");
			headers.setIfNoneMatch("\"" + sha256(content) + "\"");
		}).exchange().expectStatus().isNotModified();
	}

	@Test
	void missingOrDifferentStoredFileIsAProblemAndCountedNeverATruncatedFile() {
		double before = failures("missing") + failures("size-differs");
		StoredFile gone = store("gone".getBytes(StandardCharsets.UTF_8));
		UUID missing = succeeded(gone, 0);
		store().delete(gone.key());
		UUID resized = succeeded(store("short".getBytes(StandardCharsets.UTF_8)), 1000);

		for (UUID id : new UUID[] { missing, resized }) {
			this.client.get()
				.uri("/api/reports/{id}/file", id)
				.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
				.exchange()
				.expectStatus()
				.isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR)
				.expectHeader()
				.contentType("application/problem+json")
				.expectBody()
				.jsonPath("$.title")
				.isEqualTo("Stored report file is damaged");
		}
		assertThat(failures("missing") + failures("size-differs")).isEqualTo(before + 2);
	}

	@Test
	void anotherUsersStoredFileIsNotFound() {
		UUID id = succeeded(store("x".getBytes(StandardCharsets.UTF_8)), 0);
		this.client.get()
			.uri("/api/reports/{id}/file", id)
			.headers((headers) -> headers.setBasicAuth("bob", "bob-secret"))
			.exchange()
			.expectStatus()
			.isNotFound();
	}

	@Test
	void retentionDeletesExpiredFilesAndUploadsNoReportRecordedButLeavesRecentOnes() {
		StoredFile expired = store("old".getBytes(StandardCharsets.UTF_8));
		UUID old = succeeded(expired, 0);
		this.jdbc.sql("UPDATE reports SET finished_at = now() - interval '8 days' WHERE id = :id")
			.param("id", old)
			.update();
		StoredFile kept = store("new".getBytes(StandardCharsets.UTF_8));
		succeeded(kept, 0);
		StoredFile orphan = store("left behind by a worker that died".getBytes(StandardCharsets.UTF_8));
		StoredFile uploading = store("still being written".getBytes(StandardCharsets.UTF_8));
		registerUpload(orphan, "2 hours");
		registerUpload(uploading, "1 minute");
		// Registered long ago and recorded by the report it was registered for: kept.
		StoredFile recorded = store("recorded by its report".getBytes(StandardCharsets.UTF_8));
		registerUpload(recorded, "2 hours", succeeded(recorded, 0));
		// Registered long ago for a report that never recorded it, under a key an older
		// report (whose file expired) once recorded, as a reused key is: an orphan.
		StoredFile reused = store("under a key used before".getBytes(StandardCharsets.UTF_8));
		UUID earlier = succeeded(reused, 0);
		this.jdbc.sql("UPDATE reports SET file_deleted_at = now() WHERE id = :id").param("id", earlier).update();
		registerUpload(reused, "2 hours");

		this.retention.run();

		assertThat(store().size(expired.key())).isEmpty();
		assertThat(store().size(orphan.key())).isEmpty();
		assertThat(store().size(kept.key())).isPresent();
		assertThat(store().size(uploading.key())).isPresent();
		assertThat(store().size(recorded.key())).isPresent();
		assertThat(store().size(reused.key())).isEmpty();
		assertThat(this.jdbc.sql("SELECT count(*) FROM file_uploads WHERE key = :key")
			.param("key", orphan.key())
			.query(Long.class)
			.single()).isZero();
		this.client.get()
			.uri("/api/reports/{id}/file", old)
			.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.GONE);
		assertThatExceptionOfType(dev.offload.model.files.FileMissingException.class)
			.isThrownBy(() -> store().read(expired.key(), 0, -1));
	}

	private RestTestClient.ResponseSpec range(UUID id, String range) {
		return this.client.get().uri("/api/reports/{id}/file", id).headers((headers) -> {
			headers.setBasicAuth("alice", "alice-secret");
			headers.set("Range", range);
		}).exchange();
	}

	private double failures(String reason) {
		var counter = this.meters.find("offload.files.integrity.failures").tag("reason", reason).counter();
		return (counter != null) ? counter.count() : 0;
	}

	StoredFile store(byte[] content) {
		return store(store(), content);
	}

	static StoredFile store(FileStore target, byte[] content) {
		String key = target.allocate(UUID.randomUUID(), 1, "csv");
		try (FileUpload upload = target.upload(key, "text/csv")) {
			OutputStream out = upload.stream();
			// Odd-sized writes, as a writer makes them.
			for (int offset = 0; offset < content.length; offset += 7919) {
				out.write(content, offset, Math.min(7919, content.length - offset));
			}
			return upload.complete();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	UUID succeeded(StoredFile file, long recordedSizeDelta) {
		return succeeded(this.jdbc, file, recordedSizeDelta);
	}

	static UUID succeeded(JdbcClient jdbc, StoredFile file, long recordedSizeDelta) {
		UUID id = UUID.randomUUID();
		jdbc.sql("""
				INSERT INTO reports (id, owner_id, owner_email, type, format, status, progress, task_published_at,
				                     started_at, finished_at, file_size, file_store, file_key, file_name, content_type,
				                     file_sha256)
				VALUES (:id, 'alice', 'alice@example.com', 'NO_OP', 'CSV', 'SUCCEEDED', 100, now(), now(), now(),
				        :size, :store, :key, 'report.csv', 'text/csv', :sha256)""")
			.param("id", id)
			.param("size", file.size() + recordedSizeDelta)
			.param("store", file.store())
			.param("key", file.key())
			.param("sha256", file.sha256())
			.update();
		return id;
	}

	private void registerUpload(StoredFile file, String age) {
		registerUpload(file, age, UUID.randomUUID());
	}

	private void registerUpload(StoredFile file, String age, UUID reportId) {
		this.jdbc.sql("""
				INSERT INTO file_uploads (store, key, report_id, attempt, created_at)
				VALUES (:store, :key, :id, 1, now() - CAST(:age AS interval))""")
			.param("store", file.store())
			.param("key", file.key())
			.param("id", reportId)
			.param("age", age)
			.update();
	}

	static byte[] randomBytes(int size) {
		byte[] bytes = new byte[size];
		new Random(size).nextBytes(bytes);
		return bytes;
	}

	static String sha256(byte[] content) {
		try {
			return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

}
