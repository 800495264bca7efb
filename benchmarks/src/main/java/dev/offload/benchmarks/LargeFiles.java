package dev.offload.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.offload.testsupport.ServiceProcess;
import dev.offload.testsupport.TestObjectStorage;

/**
 * Figure 7 (issue 12): one report file of about a gigabyte, written by a worker and
 * downloaded through api-service, both at {@code -Xmx256m}, through each file store:
 * S3-compatible object storage (the S3 server the tests use on this machine) and the
 * embedded PostgreSQL large objects. Beside each, a plain client moving the same bytes to
 * and from the same server in the same run: {@code curl --aws-sigv4} for S3, psql's
 * {@code \lo_import} and {@code \lo_export} for PostgreSQL.
 * <p>
 * The file comes from {@code GENERATED_FILE}, a report type of the system tests' sources
 * (added to the worker's class path, as a plug-in is), which makes numbered lines of
 * pseudo-random text without reading data: the worker's time is generating, writing CSV
 * and uploading. Checked on every run: the downloaded bytes' SHA-256 equals the stored
 * one, and a range request returns exactly the bytes at that offset of the peer's copy.
 */
final class LargeFiles {

	private static final String USER = Bench.user(0);

	private LargeFiles() {
	}

	static void run(Bench bench, Path root) {
		int megabytes = bench.quick ? 64 : 1024;
		Path plugins = root.resolve("system-tests/target/test-classes");
		if (!Files.isDirectory(plugins.resolve("dev/offload/worker/catalogue/testonly"))) {
			throw new IllegalStateException("No GENERATED_FILE report type at " + plugins
					+ ": build system-tests' test classes (scripts/benchmarks.sh does)");
		}
		TestObjectStorage s3 = TestObjectStorage.get();
		String bucket = s3.newBucket();
		Path scratch = bench.logs.resolve("large-files");
		try {
			Files.createDirectories(scratch);
			for (String store : List.of("s3", "postgres")) {
				Map<String, Object> files = new HashMap<>();
				if (store.equals("s3")) {
					files.putAll(s3.serviceProperties(s3.endpoint(), bucket));
					files.put("offload.files.s3.part-size", "8MB");
				}
				else {
					files.put("offload.files.store", "postgres");
				}
				measure(bench, root, store, files, plugins, megabytes, s3, bucket, scratch);
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		finally {
			s3.removeBucket(bucket);
			deleteQuietly(scratch.resolve("peer-copy"));
		}
		bench.notes.put("Figure 7", ("A GENERATED_FILE report of %d 'megabytes' (10,000 CSV lines each) per store. "
				+ "Worker: started_at to finished_at of the report (generate, write CSV, upload, commit), worker at "
				+ "-Xmx256m, S3 parts of 8 MB. API download: GET /api/reports/{id}/file through api-service at "
				+ "-Xmx256m, read by the JDK HttpClient into a SHA-256 digest. Peak heap: the largest occupancy G1 "
				+ "logged before a collection during the download (-Xlog:gc). Peers on the same server in the same "
				+ "run: S3 %s, curl --aws-sigv4 PUT and GET of the same bytes (one request each); PostgreSQL, "
				+ "psql \\lo_import and \\lo_export over TCP. Ratio: peer time / Offload time (above 1: Offload is "
				+ "faster).")
			.formatted(megabytes, s3.description().replaceAll(", pid.*", "")));
	}

	private static void measure(Bench bench, Path root, String store, Map<String, Object> files, Path plugins,
			int megabytes, TestObjectStorage s3, String bucket, Path scratch) throws IOException {
		Path workerGc = bench.logs.resolve("large-files-worker-" + store + "-gc.log");
		Path apiGc = bench.logs.resolve("large-files-api-" + store + "-gc.log");
		Map<String, Object> apiProperties = new HashMap<>(files);
		bench.database.springProperties().forEach(apiProperties::put);
		bench.broker.springProperties().forEach(apiProperties::put);
		apiProperties.put("offload.api.security.users[0].username", USER);
		apiProperties.put("offload.api.security.users[0].password", "{noop}" + Bench.password(0));
		apiProperties.put("offload.api.security.users[0].email", USER + "@example.com");
		apiProperties.put("offload.api.security.users[0].roles", "USER");
		JavaProcess api = JavaProcess.service("large-files-api-" + store,
				root.resolve("api-service/target/api-service-0.1.0-SNAPSHOT-exec.jar"),
				List.of("-Xmx256m", "-Xlog:gc:file=" + apiGc), ServiceProcess.freePort(), apiProperties, bench.logs);
		Map<String, Object> workerSettings = new HashMap<>(files);
		workerSettings.put("offload.worker.concurrency", 1);
		workerSettings.put("offload.worker.report-timeout", "9m");
		JavaProcess worker = bench.startWorker("large-files-worker-" + store,
				List.of("-Xmx256m", "-Xlog:gc:file=" + workerGc, "-Dloader.path=" + plugins.toAbsolutePath()),
				workerSettings);
		try {
			String id = bench.insertOne("GENERATED_FILE", "CSV", "{\"megabytes\":\"%d\"}".formatted(megabytes));
			String status = bench.awaitFinished(id, Duration.ofMinutes(10));
			if (!"SUCCEEDED".equals(status)) {
				throw new IllegalStateException("The " + store + " report ended " + status + "; see the worker's log");
			}
			double workerSeconds = bench.queryDouble(
					"SELECT extract(epoch FROM finished_at - started_at) FROM reports WHERE id = '" + id + "'");
			long size = bench.queryLong("SELECT file_size FROM reports WHERE id = '" + id + "'");
			String key = bench.queryString("SELECT file_key FROM reports WHERE id = '" + id + "'");
			String sha256 = bench.queryString("SELECT file_sha256 FROM reports WHERE id = '" + id + "'");
			double workerHeap = GcLog.heapBeforeCollections(workerGc, 0);

			// The API's download, into a digest.
			long gcFrom = GcLog.size(apiGc);
			URI file = api.baseUri().resolve("/api/reports/" + id + "/file");
			HttpClient http = HttpClient.newBuilder().build();
			// Stopped, whatever its duration, when summarised after the download.
			Profile profile = Profile.start(bench, "download-" + store, api, 900);
			long start = System.nanoTime();
			String downloaded;
			long received;
			try (InputStream in = send(http, request(file).build()).body()) {
				MessageDigest digest = sha256();
				byte[] buffer = new byte[1 << 16];
				long total = 0;
				for (int n; (n = in.read(buffer)) >= 0;) {
					digest.update(buffer, 0, n);
					total += n;
				}
				downloaded = HexFormat.of().formatHex(digest.digest());
				received = total;
			}
			double apiSeconds = (System.nanoTime() - start) / 1e9;
			String downloadProfile = profile.summary(1);
			double apiHeap = GcLog.heapBeforeCollections(apiGc, gcFrom);
			if (received != size || !downloaded.equals(sha256)) {
				throw new IllegalStateException("The " + store + " download differs: " + received + " bytes, SHA-256 "
						+ downloaded + "; stored " + size + " bytes, " + sha256);
			}

			// The peer: the same bytes out of and into the same server.
			Path copy = scratch.resolve("peer-copy");
			deleteQuietly(copy);
			double peerDownload;
			double peerUpload;
			if (store.equals("s3")) {
				// curl signs the request but not the payload; S3 wants that said.
				List<String> curl = List.of("curl", "-sS", "--fail", "--aws-sigv4", "aws:amz:us-east-1:s3", "--user",
						s3.accessKey() + ":" + s3.secretKey(), "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD");
				String url = s3.endpoint() + "/" + bucket + "/" + key;
				peerDownload = timed("large-files-curl-get", concat(curl, "-o", copy.toString(), url), bench);
				peerUpload = timed("large-files-curl-put", concat(curl, "-T", copy.toString(), url + ".peer"), bench);
			}
			else {
				peerDownload = timed("large-files-lo-export",
						psql(bench, "\\lo_export " + key + " '" + copy.toAbsolutePath() + "'"), bench);
				peerUpload = timed("large-files-lo-import", psql(bench, "\\lo_import '" + copy.toAbsolutePath() + "'"),
						bench);
				bench.update("SELECT lo_unlink(oid) FROM pg_largeobject_metadata WHERE oid <> " + key
						+ " AND oid NOT IN (SELECT file_key::oid FROM reports WHERE file_store = 'postgres' "
						+ "AND file_key IS NOT NULL)");
			}
			if (Files.size(copy) != size) {
				throw new IllegalStateException("The peer's copy has " + Files.size(copy) + " bytes, not " + size);
			}

			// A range near the end, as a resumed download asks for it.
			long offset = size - 1_000_000 - 12_345;
			HttpResponse<InputStream> range = send(http,
					request(file).header("Range", "bytes=" + offset + "-" + (offset + 999_999)).build());
			byte[] rangeBytes;
			try (InputStream in = range.body()) {
				rangeBytes = in.readAllBytes();
			}
			byte[] expected = new byte[1_000_000];
			try (RandomAccessFile peer = new RandomAccessFile(copy.toFile(), "r")) {
				peer.seek(offset);
				peer.readFully(expected);
			}
			if (range.statusCode() != 206 || !Arrays.equals(rangeBytes, expected)) {
				throw new IllegalStateException("The range request answered " + range.statusCode() + " with "
						+ rangeBytes.length + " bytes that " + (Arrays.equals(rangeBytes, expected) ? "" : "do not ")
						+ "match the file");
			}
			deleteQuietly(copy);

			double mib = size / 1024.0 / 1024.0;
			String label = store.equals("s3") ? "S3" : "PostgreSQL large objects";
			bench.rows.add(new Row("7", "%s: worker writes %,d bytes at -Xmx256m".formatted(label, size),
					"%.1f s, %.0f MiB/s, peak heap %.0f MiB".formatted(workerSeconds, mib / workerSeconds, workerHeap),
					"%s upload %.1f s, %.0f MiB/s".formatted(peer(store), peerUpload, mib / peerUpload),
					"%.2f".formatted(peerUpload / workerSeconds), "recorded", "n/a"));
			bench.rows.add(new Row("7", "%s: download through api-service at -Xmx256m".formatted(label),
					"%.1f s, %.0f MiB/s, API peak heap %.0f MiB".formatted(apiSeconds, mib / apiSeconds, apiHeap),
					"%s download %.1f s, %.0f MiB/s".formatted(peer(store), peerDownload, mib / peerDownload),
					"%.2f".formatted(peerDownload / apiSeconds),
					Row.issue16(4, ">= 1 GB at -Xmx256m, SHA-256 and range exact"), Row.met(size >= 1_000_000_000L)
							+ ((size >= 1_000_000_000L) ? "" : " (%,d bytes: a quick run's file)".formatted(size))));
			bench.notes.put("Figure 7 profile (api-service, %s download)".formatted(label), downloadProfile);
			Map<String, Object> details = new LinkedHashMap<>();
			details.put("sha256", sha256);
			details.put("range", "bytes " + offset + "-" + (offset + 999_999) + " exact");
			bench.notes.put("Figure 7 " + label, details.toString());
		}
		finally {
			worker.kill();
			api.kill();
			bench.stopWorkers();
		}
	}

	private static String peer(String store) {
		return store.equals("s3") ? "curl" : "psql";
	}

	private static List<String> psql(Bench bench, String command) {
		return List.of("psql", "-h", "127.0.0.1", "-U", "postgres", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", command,
				bench.database.name());
	}

	private static double timed(String name, List<String> command, Bench bench) {
		long start = System.nanoTime();
		Tools.exec(name, command, Duration.ofMinutes(10), bench.logs);
		return (System.nanoTime() - start) / 1e9;
	}

	private static List<String> concat(List<String> command, String... more) {
		List<String> all = new ArrayList<>(command);
		all.addAll(List.of(more));
		return all;
	}

	private static HttpRequest.Builder request(URI uri) {
		return HttpRequest.newBuilder(uri)
			.timeout(Duration.ofMinutes(10))
			.header("Authorization", Bench.basic(USER + ":" + Bench.password(0)));
	}

	private static HttpResponse<InputStream> send(HttpClient http, HttpRequest request) {
		try {
			HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
			if (response.statusCode() != 200 && response.statusCode() != 206) {
				try (InputStream body = response.body()) {
					throw new IllegalStateException(request.uri() + " answered " + response.statusCode() + ": "
							+ new String(body.readAllBytes(), StandardCharsets.UTF_8));
				}
			}
			return response;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private static MessageDigest sha256() {
		try {
			return MessageDigest.getInstance("SHA-256");
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static void deleteQuietly(Path file) {
		try {
			Files.deleteIfExists(file);
		}
		catch (IOException ex) {
			// A scratch file under target/.
		}
	}

}
