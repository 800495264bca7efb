package dev.offload.system;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import dev.offload.model.Messages;
import dev.offload.testsupport.ServiceProcess;
import dev.offload.testsupport.TcpProxy;
import dev.offload.testsupport.TestObjectStorage;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.s3.model.S3Object;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Report files in S3-compatible object storage (a real S3 server on this machine, reached
 * through a proxy the test can cut) when things go wrong: the worker killed with SIGKILL
 * in the middle of an upload, and the object storage unreachable for 30 seconds while
 * reports finish. A report is SUCCEEDED only with its object in the bucket, finishes
 * once, and leaves nothing behind once retention has run.
 * <p>
 * Part of the fault suite (about 70 s), not of {@code ./mvnw verify}:
 * {@code ./mvnw verify -Pfault-injection -pl system-tests -am}.
 */
@Tag("fault-injection")
class ObjectStorageFaultsTests {

	private static final int SMTP_PORT = ServiceProcess.freePort();

	@RegisterExtension
	static final GreenMailExtension mail = new GreenMailExtension(new ServerSetup(SMTP_PORT, "127.0.0.1", "smtp"))
		.withPerMethodLifecycle(false);

	private static TestObjectStorage s3;

	private static String bucket;

	private static TcpProxy s3Link;

	private static RunningSystem system;

	private static JdbcClient jdbc;

	@BeforeAll
	static void startSystem() {
		s3 = TestObjectStorage.get();
		bucket = s3.newBucket();
		s3Link = TcpProxy.start(s3.endpoint().getHost(), s3.endpoint().getPort());
		Map<String, String> files = s3.serviceProperties(URI.create("http://127.0.0.1:" + s3Link.port()), bucket);
		Map<String, Object> api = new HashMap<>(files);
		// Retention runs every second and takes uploads no report recorded after 5s.
		api.put("offload.api.retention.interval", "1s");
		api.put("offload.api.retention.orphan-upload-age", "5s");
		Map<String, Object> worker = new HashMap<>(files);
		// Retries that outlast a 30-second outage: attempts at 0, 2, 6, 12, 20, 28, 36,
		// 44s.
		worker.put("offload.worker.retry.delays", "2s,4s,6s,8s,8s,8s,8s,8s");
		system = RunningSystem.start(0, SMTP_PORT, 1, api, worker, Path.of("target", "test-classes"));
		jdbc = JdbcClient.create(new DriverManagerDataSource(system.database.jdbcUrl(), system.database.username(),
				system.database.password()));
	}

	@AfterAll
	static void stopSystem() {
		if (system != null) {
			system.close();
		}
		if (s3Link != null) {
			s3Link.close();
		}
		if (bucket != null) {
			s3.removeBucket(bucket);
		}
	}

	@Test
	void aWorkerKilledMidUploadIsRetriedAndTheReportFinishesOnceWithOneObjectAndNoOrphan() throws Exception {
		// About 12 MB written over 3 seconds: parts of 5 MB, so an upload is in progress
		// for seconds before it is completed.
		UUID id = request("{\"type\":\"GENERATED_FILE\",\"format\":\"CSV\","
				+ "\"parameters\":{\"megabytes\":\"12\",\"pauseMillis\":\"250\"}}");
		String prefix = "reports/" + id + "/";
		await().atMost(Duration.ofSeconds(60))
			.pollInterval(Duration.ofMillis(50))
			.until(() -> s3.unfinishedUploads(bucket).stream().anyMatch((key) -> key.startsWith(prefix)));
		assertThat(status(id)).isEqualTo("RUNNING");
		assertThat(objects(prefix)).isEmpty();

		system.killAndRestartWorker();

		await().atMost(Duration.ofSeconds(120)).until(() -> status(id).equals("SUCCEEDED"));
		Map<String, Object> report = jdbc
			.sql("SELECT attempts, file_key, file_size, file_sha256 FROM reports WHERE id = ?")
			.param(id)
			.query()
			.singleRow();
		assertThat((Integer) report.get("attempts")).isGreaterThanOrEqualTo(2);
		String key = (String) report.get("file_key");
		// Retention removes what the killed attempt left: its unfinished upload and its
		// registration.
		await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
			assertThat(s3.unfinishedUploads(bucket)).noneMatch((upload) -> upload.startsWith(prefix));
			assertThat(
					jdbc.sql("SELECT key FROM file_uploads WHERE report_id = ?").param(id).query(String.class).list())
				.allMatch(key::equals);
		});
		assertThat(objects(prefix)).extracting(S3Object::key).containsExactly(key);
		assertThat(objects(prefix).get(0).size()).isEqualTo(((Number) report.get("file_size")).longValue());

		HttpResponse<byte[]> file = system.download(system.api.baseUri().resolve("/api/reports/" + id + "/file"));
		assertThat(file.statusCode()).isEqualTo(200);
		assertThat(sha256(file.body())).isEqualTo(report.get("file_sha256"));
		assertThat(file.headers().firstValue("X-Checksum-SHA256")).hasValue((String) report.get("file_sha256"));
		HttpResponse<byte[]> range = system.downloadRange(system.api.baseUri().resolve("/api/reports/" + id + "/file"),
				"bytes=7000000-7000099");
		assertThat(range.statusCode()).isEqualTo(206);
		assertThat(range.body()).isEqualTo(Arrays.copyOfRange(file.body(), 7_000_000, 7_000_100));
		await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(30)).until(() -> readyEmails(id) == 1);
	}

	@Test
	void reportsWaitOutAThirtySecondOutageAndNoneSucceedsWithoutItsObject() throws Exception {
		UUID before = request("{\"type\":\"GENERATED_FILE\",\"format\":\"CSV\",\"parameters\":{\"megabytes\":\"1\"}}");
		await().atMost(Duration.ofSeconds(60)).until(() -> status(before).equals("SUCCEEDED"));
		s3Link.cut();
		// A file the API cannot reach now is not lost: 503, try again later.
		HttpResponse<byte[]> unavailable = system
			.download(system.api.baseUri().resolve("/api/reports/" + before + "/file"));
		assertThat(unavailable.statusCode()).isEqualTo(503);
		assertThat(unavailable.headers().firstValue("Retry-After")).isPresent();
		assertThat(new String(unavailable.body())).contains("File store unavailable");
		List<UUID> ids = new ArrayList<>();
		Instant restoreAt = Instant.now().plusSeconds(30);
		try {
			for (int i = 1; i <= 4; i++) {
				ids.add(request("{\"type\":\"GENERATED_FILE\",\"format\":\"CSV\",\"parameters\":{\"megabytes\":\""
						+ (i * 2) + "\"}}"));
			}
			List<String> seen = new ArrayList<>();
			while (Instant.now().isBefore(restoreAt)) {
				for (UUID id : ids) {
					String status = status(id);
					seen.add(status);
					assertThat(status).as("report %s while the object storage is unreachable", id)
						.isIn("QUEUED", "RUNNING");
				}
				Thread.sleep(500);
			}
			assertThat(seen).as("reports were tried during the outage").contains("RUNNING");
			assertThat(jdbc.sql("SELECT max(attempts) FROM reports").query(Integer.class).single())
				.as("attempts during the outage")
				.isGreaterThan(1);
		}
		finally {
			s3Link.restore();
		}
		for (UUID id : ids) {
			await().atMost(Duration.ofSeconds(90)).until(() -> status(id).equals("SUCCEEDED"));
			Map<String, Object> report = jdbc.sql("SELECT file_key, file_size, file_sha256 FROM reports WHERE id = ?")
				.param(id)
				.query()
				.singleRow();
			List<S3Object> objects = objects("reports/" + id + "/");
			assertThat(objects).extracting(S3Object::key).contains((String) report.get("file_key"));
			HttpResponse<byte[]> file = system.download(system.api.baseUri().resolve("/api/reports/" + id + "/file"));
			assertThat(file.statusCode()).isEqualTo(200);
			assertThat(file.body()).hasSize(((Number) report.get("file_size")).intValue());
			assertThat(sha256(file.body())).isEqualTo(report.get("file_sha256"));
		}
	}

	private static UUID request(String json) {
		HttpResponse<String> accepted = system.post("/api/reports", json);
		assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
		return UUID.fromString(Messages.json().readTree(accepted.body()).get("id").asString());
	}

	private static String status(UUID id) {
		HttpResponse<String> response = system.get("/api/reports/" + id);
		assertThat(response.statusCode()).isEqualTo(200);
		return Messages.json().readTree(response.body()).get("status").asString();
	}

	private static List<S3Object> objects(String prefix) {
		return s3.objects(bucket).stream().filter((object) -> object.key().startsWith(prefix)).toList();
	}

	private static long readyEmails(UUID id) {
		return Arrays.stream(mail.getReceivedMessages())
			.filter((MimeMessage message) -> GreenMailUtil.getBody(message).contains(id.toString()))
			.filter((message) -> {
				try {
					return message.getSubject().contains("ready");
				}
				catch (jakarta.mail.MessagingException ex) {
					throw new IllegalStateException(ex);
				}
			})
			.count();
	}

	private static String sha256(byte[] bytes) throws Exception {
		return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
	}

}
