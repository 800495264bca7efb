package dev.offload.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import dev.offload.model.files.FileStoreProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.MinIOContainer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Object;

import org.springframework.util.unit.DataSize;

/**
 * The S3 server the tests of this JVM use, started once: a real server speaking S3's HTTP
 * API, never a mock. In order of preference:
 * <ol>
 * <li>one named by {@code OFFLOAD_TEST_S3_ENDPOINT} (with
 * {@code OFFLOAD_TEST_S3_ACCESS_KEY} and {@code OFFLOAD_TEST_S3_SECRET_KEY}), such as a
 * MinIO or Ceph of your own;</li>
 * <li>MinIO through Testcontainers, where Docker runs;</li>
 * <li>S3Proxy (Maven Central, {@code org.gaul:s3proxy}) with its file system back end, as
 * a process of its own on a free port, where there is no Docker (this machine).</li>
 * </ol>
 * Each test takes a bucket of its own ({@link #newBucket}) and removes it
 * ({@link #removeBucket}), so a dirty server does not matter.
 */
public final class TestObjectStorage {

	private static final Logger logger = LoggerFactory.getLogger(TestObjectStorage.class);

	private static final String S3PROXY_JAR_PROPERTY = "offload.test.s3proxy.jar";

	private static TestObjectStorage instance;

	private final URI endpoint;

	private final String accessKey;

	private final String secretKey;

	private final String description;

	private final S3Client admin;

	private TestObjectStorage(URI endpoint, String accessKey, String secretKey, String description) {
		this.endpoint = endpoint;
		this.accessKey = accessKey;
		this.secretKey = secretKey;
		this.description = description;
		this.admin = S3Client.builder()
			.endpointOverride(endpoint)
			.region(Region.US_EAST_1)
			.forcePathStyle(true)
			.credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
			.build();
	}

	/**
	 * The S3 server for the tests, started once per JVM.
	 * @return it
	 */
	public static synchronized TestObjectStorage get() {
		if (instance == null) {
			String endpoint = System.getenv("OFFLOAD_TEST_S3_ENDPOINT");
			if (endpoint != null && !endpoint.isBlank()) {
				instance = new TestObjectStorage(URI.create(endpoint), System.getenv("OFFLOAD_TEST_S3_ACCESS_KEY"),
						System.getenv("OFFLOAD_TEST_S3_SECRET_KEY"), "the server at " + endpoint);
			}
			else if (Infrastructure.dockerAvailable()) {
				instance = startMinio();
			}
			else {
				instance = startS3Proxy();
			}
			logger.info("Tests use S3 at {} ({})", instance.endpoint, instance.description);
		}
		return instance;
	}

	/**
	 * The server's URL.
	 * @return it
	 */
	public URI endpoint() {
		return this.endpoint;
	}

	/**
	 * The access key of the server's account.
	 * @return the key
	 */
	public String accessKey() {
		return this.accessKey;
	}

	/**
	 * The secret key of the server's account.
	 * @return the key
	 */
	public String secretKey() {
		return this.secretKey;
	}

	/**
	 * What the server is, for messages.
	 * @return a description
	 */
	public String description() {
		return this.description;
	}

	/**
	 * A client with the server's credentials, for tests to look at what is stored.
	 * @return the client
	 */
	public S3Client client() {
		return this.admin;
	}

	/**
	 * Creates an empty bucket no other run uses.
	 * @return its name
	 */
	public String newBucket() {
		String bucket = "offload-test-" + UUID.randomUUID().toString().substring(0, 13).toLowerCase(Locale.ROOT);
		this.admin.createBucket((b) -> b.bucket(bucket));
		return bucket;
	}

	/**
	 * Removes a bucket with everything in it, including unfinished uploads.
	 * @param bucket the bucket
	 */
	public void removeBucket(String bucket) {
		try {
			for (MultipartUpload upload : this.admin.listMultipartUploads((l) -> l.bucket(bucket)).uploads()) {
				this.admin.abortMultipartUpload((a) -> a.bucket(bucket).key(upload.key()).uploadId(upload.uploadId()));
			}
			for (S3Object object : objects(bucket)) {
				this.admin.deleteObject((d) -> d.bucket(bucket).key(object.key()));
			}
			this.admin.deleteBucket((d) -> d.bucket(bucket));
		}
		catch (NoSuchBucketException ex) {
			// Already gone.
		}
	}

	/**
	 * The objects in a bucket.
	 * @param bucket the bucket
	 * @return its objects, by key
	 */
	public List<S3Object> objects(String bucket) {
		return this.admin.listObjectsV2Paginator((l) -> l.bucket(bucket)).contents().stream().toList();
	}

	/**
	 * The multipart uploads in a bucket that were neither completed nor aborted.
	 * @param bucket the bucket
	 * @return their keys
	 */
	public List<String> unfinishedUploads(String bucket) {
		return this.admin.listMultipartUploads((l) -> l.bucket(bucket))
			.uploads()
			.stream()
			.map(MultipartUpload::key)
			.toList();
	}

	/**
	 * Settings for a file store on this server.
	 * @param bucket the bucket
	 * @return the settings, with the smallest part size S3 allows so a test file has
	 * several parts
	 */
	public FileStoreProperties.S3 settings(String bucket) {
		return settings(this.endpoint, bucket);
	}

	/**
	 * Settings for a file store reaching this server at another address (through a
	 * proxy).
	 * @param endpoint where the server is reached
	 * @param bucket the bucket
	 * @return the settings
	 */
	public FileStoreProperties.S3 settings(URI endpoint, String bucket) {
		return new FileStoreProperties.S3(endpoint, "us-east-1", bucket, "", true, this.accessKey, this.secretKey,
				DataSize.ofMegabytes(5), false, Duration.ofMinutes(5), false, Duration.ofSeconds(2),
				Duration.ofSeconds(20), false);
	}

	/**
	 * The {@code offload.files.*} properties that make a service keep its files in a
	 * bucket of this server.
	 * @param endpoint where the service reaches the server
	 * @param bucket the bucket
	 * @return the properties
	 */
	public Map<String, String> serviceProperties(URI endpoint, String bucket) {
		FileStoreProperties.S3 settings = settings(endpoint, bucket);
		Map<String, String> properties = new LinkedHashMap<>();
		properties.put("offload.files.store", "s3");
		properties.put("offload.files.s3.endpoint", settings.endpoint().toString());
		properties.put("offload.files.s3.bucket", settings.bucket());
		properties.put("offload.files.s3.path-style", Boolean.toString(settings.pathStyle()));
		properties.put("offload.files.s3.access-key", settings.accessKey());
		properties.put("offload.files.s3.secret-key", settings.secretKey());
		properties.put("offload.files.s3.part-size", settings.partSize().toMegabytes() + "MB");
		properties.put("offload.files.s3.connect-timeout", settings.connectTimeout().toMillis() + "ms");
		properties.put("offload.files.s3.request-timeout", settings.requestTimeout().toMillis() + "ms");
		return properties;
	}

	@SuppressWarnings("resource") // lives as long as the JVM; Testcontainers' Ryuk
									// removes it
	private static TestObjectStorage startMinio() {
		MinIOContainer container = new MinIOContainer("minio/minio:RELEASE.2025-04-22T22-12-26Z");
		container.start();
		return new TestObjectStorage(URI.create(container.getS3URL()), container.getUserName(), container.getPassword(),
				"MinIO in Testcontainers");
	}

	private static TestObjectStorage startS3Proxy() {
		Path jar = s3ProxyJar();
		try {
			Path directory = Files.createTempDirectory("offload-s3proxy-");
			Path data = Files.createDirectories(directory.resolve("data"));
			int port;
			try (ServerSocket socket = new ServerSocket(0)) {
				port = socket.getLocalPort();
			}
			String accessKey = "offload-test";
			String secretKey = "offload-test-" + UUID.randomUUID();
			Path config = directory.resolve("s3proxy.conf");
			Files.writeString(config,
					String.join("\n", "s3proxy.endpoint=http://127.0.0.1:" + port, "s3proxy.authorization=aws-v2-or-v4",
							"s3proxy.identity=" + accessKey, "s3proxy.credential=" + secretKey,
							"jclouds.provider=filesystem", "jclouds.filesystem.basedir=" + data, ""));
			Path log = directory.resolve("s3proxy.log");
			Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
					"-Xmx256m", "-jar", jar.toString(), "--properties", config.toString())
				.redirectErrorStream(true)
				.redirectOutput(log.toFile())
				.start();
			Runtime.getRuntime().addShutdownHook(new Thread(() -> {
				process.destroy();
				deleteRecursively(directory);
			}, "s3proxy-stop"));
			Instant deadline = Instant.now().plusSeconds(60);
			while (!Infrastructure.answers("127.0.0.1", port)) {
				if (!process.isAlive() || Instant.now().isAfter(deadline)) {
					process.destroyForcibly();
					throw new IllegalStateException(
							"S3Proxy did not start on port " + port + "; its log:\n" + Files.readString(log));
				}
				Thread.sleep(100);
			}
			return new TestObjectStorage(URI.create("http://127.0.0.1:" + port), accessKey, secretKey,
					"S3Proxy " + jar.getFileName() + ", pid " + process.pid() + ", log " + log);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private static Path s3ProxyJar() {
		String configured = System.getProperty(S3PROXY_JAR_PROPERTY);
		Path jar = (configured != null) ? Path.of(configured) : Path.of(System.getProperty("user.home"), ".m2",
				"repository", "org", "gaul", "s3proxy", "4.1.0", "s3proxy-4.1.0-jar-with-dependencies.jar");
		if (!Files.isRegularFile(jar)) {
			throw new IllegalStateException(
					"No S3 server for the tests: no Docker engine for MinIO, and S3Proxy is not at " + jar
							+ ". Build test-support first (./mvnw install -pl test-support fetches it), or set "
							+ "OFFLOAD_TEST_S3_ENDPOINT to a server of your own.");
		}
		return jar;
	}

	private static void deleteRecursively(Path directory) {
		try (Stream<Path> paths = Files.walk(directory)) {
			paths.sorted(Comparator.reverseOrder()).forEach((path) -> path.toFile().delete());
		}
		catch (IOException ex) {
			// A temporary directory; the system cleans it.
		}
	}

}
