package dev.offload.model.files;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.http.Abortable;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Report files in S3-compatible object storage (AWS S3, MinIO, Ceph RGW), through the AWS
 * SDK for Java v2.
 * <p>
 * A file is written while it is rendered: its bytes fill a buffer of
 * {@code offload.files.s3.part-size}, which is sent as one part of a multipart upload
 * whenever it is full, so an upload holds one part in memory whatever the file's size. A
 * file smaller than one part is a single PUT. The object exists only once the upload is
 * completed; an upload that was abandoned, or whose worker died, leaves parts that
 * {@link #delete} aborts (retention calls it for every upload no report recorded; a
 * bucket lifecycle rule for incomplete multipart uploads is a good second net).
 * <p>
 * A failure to reach the server, or a server-side error (5xx, throttling), is an
 * {@link UncheckedIOException}, which the worker retries as transient; a refusal (denied,
 * no such bucket) is a {@link FileStoreException}.
 */
public final class S3FileStore implements FileStore, AutoCloseable {

	/** This store's name. */
	public static final String NAME = "s3";

	private static final Logger logger = LoggerFactory.getLogger(S3FileStore.class);

	private static final int FIRST_BUFFER = 64 * 1024;

	private final S3Client client;

	private final S3Presigner presigner;

	private final String bucket;

	private final String prefix;

	private final int partSize;

	/**
	 * Creates the store and its clients from the settings.
	 * @param settings the settings; their bucket must be set
	 */
	public S3FileStore(FileStoreProperties.S3 settings) {
		if (!settings.configured()) {
			throw new IllegalArgumentException("offload.files.s3.bucket is not set");
		}
		if (settings.accessKey() == null && !settings.defaultCredentials()) {
			throw new IllegalArgumentException("offload.files.s3.access-key and secret-key are not set; set them, or "
					+ "offload.files.s3.default-credentials=true to use the AWS SDK's default credentials chain");
		}
		AwsCredentialsProvider credentials = (settings.accessKey() != null)
				? StaticCredentialsProvider
					.create(AwsBasicCredentials.create(settings.accessKey(), settings.secretKey()))
				: DefaultCredentialsProvider.builder().build();
		S3Configuration s3 = S3Configuration.builder().pathStyleAccessEnabled(settings.pathStyle()).build();
		S3ClientBuilder builder = S3Client.builder()
			.region(Region.of(settings.region()))
			.credentialsProvider(credentials)
			.serviceConfiguration(s3)
			.httpClientBuilder(ApacheHttpClient.builder()
				.connectionTimeout(settings.connectTimeout())
				.socketTimeout(settings.requestTimeout())
				.maxConnections(64))
			.overrideConfiguration((o) -> o.apiCallAttemptTimeout(settings.requestTimeout()));
		S3Presigner.Builder presigner = S3Presigner.builder()
			.region(Region.of(settings.region()))
			.credentialsProvider(credentials)
			.serviceConfiguration(s3);
		if (settings.endpoint() != null) {
			builder.endpointOverride(settings.endpoint());
			presigner.endpointOverride(settings.endpoint());
		}
		this.client = builder.build();
		this.presigner = presigner.build();
		this.bucket = settings.bucket();
		this.prefix = settings.prefix();
		this.partSize = (int) settings.partSize().toBytes();
	}

	@Override
	public String name() {
		return NAME;
	}

	/**
	 * The bucket files go to.
	 * @return its name
	 */
	public String bucket() {
		return this.bucket;
	}

	/**
	 * Creates the bucket if it does not exist (for local runs).
	 */
	public void createBucketIfMissing() {
		call("check bucket " + this.bucket, () -> {
			try {
				this.client.headBucket((b) -> b.bucket(this.bucket));
			}
			catch (NoSuchBucketException ex) {
				this.client.createBucket((b) -> b.bucket(this.bucket));
				logger.info("Created bucket {}", this.bucket);
			}
			catch (S3Exception ex) {
				if (ex.statusCode() != 404) {
					throw ex;
				}
				this.client.createBucket((b) -> b.bucket(this.bucket));
				logger.info("Created bucket {}", this.bucket);
			}
			return null;
		});
	}

	@Override
	public String allocate(UUID reportId, int attempt, String extension) {
		// The random part keeps two writers of one attempt (a claim taken over) apart.
		String random = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
		return this.prefix + "reports/" + reportId + "/" + attempt + "-" + random + "." + extension;
	}

	@Override
	public FileUpload upload(String key, String contentType) {
		return new Upload(key, contentType);
	}

	@Override
	public Optional<Long> size(String key) {
		return call("look up " + key, () -> {
			try {
				return Optional.of(this.client.headObject((h) -> h.bucket(this.bucket).key(key)).contentLength());
			}
			catch (NoSuchKeyException ex) {
				return Optional.empty();
			}
			catch (S3Exception ex) {
				if (ex.statusCode() == 404) {
					return Optional.empty();
				}
				throw ex;
			}
		});
	}

	@Override
	public InputStream read(String key, long offset, long length) {
		if (length == 0) {
			return InputStream.nullInputStream();
		}
		String range = (length < 0) ? "bytes=" + offset + "-" : "bytes=" + offset + "-" + (offset + length - 1);
		return call("read " + key, () -> {
			try {
				InputStream in = this.client.getObject((g) -> g.bucket(this.bucket).key(key).range(range),
						ResponseTransformer.toInputStream());
				return new AbortingInputStream(in);
			}
			catch (NoSuchKeyException ex) {
				throw new FileMissingException(NAME, key);
			}
			catch (S3Exception ex) {
				if (ex.statusCode() == 404) {
					throw new FileMissingException(NAME, key);
				}
				if (ex.statusCode() == 416 && offset == 0) {
					// An empty object has no byte 0.
					return InputStream.nullInputStream();
				}
				throw ex;
			}
		});
	}

	@Override
	public Optional<URI> presignedDownload(String key, String fileName, String contentType, Duration validity) {
		// The caller passes a name already reduced to safe characters.
		String disposition = "attachment; filename=\"" + fileName.replaceAll("[^A-Za-z0-9._-]", "_") + "\"";
		URI url = call("presign " + key,
				() -> this.presigner
					.presignGetObject((p) -> p.signatureDuration(validity)
						.getObjectRequest((g) -> g.bucket(this.bucket)
							.key(key)
							.responseContentType(contentType)
							.responseContentDisposition(disposition)))
					.url()
					.toURI());
		return Optional.of(url);
	}

	@Override
	public void delete(String key) {
		call("delete " + key, () -> {
			// Parts of an upload that was never completed are kept (and billed) until it
			// is aborted.
			List<MultipartUpload> unfinished = this.client
				.listMultipartUploads((l) -> l.bucket(this.bucket).prefix(key))
				.uploads();
			for (MultipartUpload upload : unfinished) {
				if (upload.key().equals(key)) {
					this.client.abortMultipartUpload((a) -> a.bucket(this.bucket).key(key).uploadId(upload.uploadId()));
				}
			}
			this.client.deleteObject((d) -> d.bucket(this.bucket).key(key));
			return null;
		});
	}

	@Override
	public void close() {
		this.presigner.close();
		this.client.close();
	}

	private <T> T call(String what, SdkCall<T> call) {
		try {
			return call.run();
		}
		catch (FileMissingException ex) {
			throw ex;
		}
		catch (SdkClientException ex) {
			throw new UncheckedIOException(new IOException("S3 could not " + what + " in bucket " + this.bucket
					+ ": the server did not answer (" + ex.getMessage() + ")", ex));
		}
		catch (S3Exception ex) {
			if (ex.statusCode() >= 500 || ex.statusCode() == 429 || ex.isThrottlingException()) {
				throw new UncheckedIOException(new IOException("S3 could not " + what + " in bucket " + this.bucket
						+ ": " + ex.statusCode() + " " + ex.getMessage(), ex));
			}
			throw new FileStoreException("S3 refused to " + what + " in bucket " + this.bucket + ": " + ex.statusCode()
					+ " " + ex.getMessage(), ex);
		}
		catch (SdkException ex) {
			throw new UncheckedIOException(
					new IOException("S3 could not " + what + " in bucket " + this.bucket + ": " + ex.getMessage(), ex));
		}
		catch (java.net.URISyntaxException ex) {
			throw new IllegalStateException(ex);
		}
	}

	@FunctionalInterface
	private interface SdkCall<T> {

		T run() throws java.net.URISyntaxException;

	}

	/**
	 * A response body that, closed before its end, aborts its connection instead of
	 * reading the rest of the object (a range request on a large file, a client that went
	 * away).
	 */
	private static final class AbortingInputStream extends FilterInputStream {

		private boolean ended;

		AbortingInputStream(InputStream in) {
			super(in);
		}

		@Override
		public int read() throws IOException {
			int b = super.read();
			this.ended |= (b < 0);
			return b;
		}

		@Override
		public int read(byte[] b, int off, int len) throws IOException {
			int n = super.read(b, off, len);
			this.ended |= (n < 0);
			return n;
		}

		@Override
		public void close() throws IOException {
			if (!this.ended && this.in instanceof Abortable abortable) {
				abortable.abort();
			}
			super.close();
		}

	}

	/**
	 * One file being written: whole parts go as they fill, the rest at
	 * {@link #complete()}.
	 */
	private final class Upload implements FileUpload {

		private final String key;

		private final String contentType;

		private final DigestingOutputStream stream;

		private final List<CompletedPart> parts = new ArrayList<>();

		private byte[] buffer = new byte[FIRST_BUFFER];

		private int count;

		private String uploadId;

		private boolean finished;

		Upload(String key, String contentType) {
			this.key = key;
			this.contentType = contentType;
			this.stream = new DigestingOutputStream(new OutputStream() {

				@Override
				public void write(int b) throws IOException {
					write(new byte[] { (byte) b }, 0, 1);
				}

				@Override
				public void write(byte[] b, int off, int len) throws IOException {
					buffer(b, off, len);
				}

			});
		}

		@Override
		public Optional<String> key() {
			return Optional.of(this.key);
		}

		@Override
		public OutputStream stream() {
			return this.stream;
		}

		private void buffer(byte[] b, int off, int len) throws IOException {
			if (this.finished) {
				throw new IOException("The upload of " + this.key + " is finished");
			}
			while (len > 0) {
				if (this.count == this.buffer.length) {
					if (this.buffer.length < S3FileStore.this.partSize) {
						this.buffer = Arrays.copyOf(this.buffer,
								Math.min(this.buffer.length * 2, S3FileStore.this.partSize));
					}
					else {
						sendPart();
					}
				}
				int n = Math.min(len, this.buffer.length - this.count);
				System.arraycopy(b, off, this.buffer, this.count, n);
				this.count += n;
				off += n;
				len -= n;
			}
		}

		private void sendPart() throws IOException {
			try {
				call("upload a part of " + this.key, () -> {
					if (this.uploadId == null) {
						this.uploadId = S3FileStore.this.client.createMultipartUpload(
								(c) -> c.bucket(S3FileStore.this.bucket).key(this.key).contentType(this.contentType))
							.uploadId();
					}
					int partNumber = this.parts.size() + 1;
					byte[] bytes = this.buffer;
					int length = this.count;
					UploadPartResponse part = S3FileStore.this.client.uploadPart(
							(u) -> u.bucket(S3FileStore.this.bucket)
								.key(this.key)
								.uploadId(this.uploadId)
								.partNumber(partNumber)
								.contentLength((long) length),
							RequestBody.fromContentProvider(() -> new ByteArrayInputStream(bytes, 0, length), length,
									"application/octet-stream"));
					this.parts.add(CompletedPart.builder().partNumber(partNumber).eTag(part.eTag()).build());
					return null;
				});
				this.count = 0;
			}
			catch (UncheckedIOException ex) {
				throw ex.getCause();
			}
		}

		@Override
		public StoredFile complete() {
			try {
				this.stream.flush();
				if (this.uploadId == null) {
					byte[] bytes = this.buffer;
					int length = this.count;
					call("store " + this.key,
							() -> S3FileStore.this.client.putObject(
									(p) -> p.bucket(S3FileStore.this.bucket)
										.key(this.key)
										.contentType(this.contentType)
										.contentLength((long) length),
									RequestBody.fromContentProvider(() -> new ByteArrayInputStream(bytes, 0, length),
											length, this.contentType)));
				}
				else {
					if (this.count > 0) {
						sendPart();
					}
					call("complete " + this.key,
							() -> S3FileStore.this.client
								.completeMultipartUpload((c) -> c.bucket(S3FileStore.this.bucket)
									.key(this.key)
									.uploadId(this.uploadId)
									.multipartUpload((m) -> m.parts(this.parts))));
				}
				this.finished = true;
				this.buffer = null;
				return new StoredFile(NAME, this.key, this.stream.size(), this.stream.sha256());
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}

		@Override
		public void close() {
			if (this.finished) {
				return;
			}
			this.finished = true;
			this.buffer = null;
			if (this.uploadId != null) {
				try {
					S3FileStore.this.client.abortMultipartUpload(
							(a) -> a.bucket(S3FileStore.this.bucket).key(this.key).uploadId(this.uploadId));
				}
				catch (SdkException ex) {
					// Retention aborts it: the upload is registered.
					logger.warn("Could not abort the upload of {} now; retention will: {}", this.key, ex.getMessage());
				}
			}
		}

	}

}
