package dev.offload.model.files;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Where report files are kept ({@code offload.files.*}), read the same way by the worker,
 * which writes them, and the API, which serves and deletes them. A setting that cannot
 * work stops the service at startup with a message naming it.
 *
 * @param store where new files are written: {@code postgres} (large objects in the report
 * database, the default) or {@code s3}; files already stored in the other one stay
 * readable
 * @param s3 the S3-compatible object storage
 */
@ConfigurationProperties("offload.files")
public record FileStoreProperties(@DefaultValue(PostgresLargeObjectStore.NAME) String store, @DefaultValue S3 s3) {

	/** Checks that the store is one there is, and configured. */
	public FileStoreProperties {
		store = (store == null) ? PostgresLargeObjectStore.NAME : store.trim().toLowerCase(Locale.ROOT);
		if (!store.equals(PostgresLargeObjectStore.NAME) && !store.equals(S3FileStore.NAME)) {
			throw new IllegalArgumentException("offload.files.store is '" + store + "'; it must be '"
					+ PostgresLargeObjectStore.NAME + "' or '" + S3FileStore.NAME + "'");
		}
		if (store.equals(S3FileStore.NAME) && (s3 == null || !s3.configured())) {
			throw new IllegalArgumentException(
					"offload.files.store is 's3' but offload.files.s3.bucket is not set: name the bucket to write to");
		}
	}

	/**
	 * S3-compatible object storage: AWS S3, MinIO, Ceph RGW, or any server speaking S3's
	 * API.
	 *
	 * @param endpoint the server's URL; unset for AWS S3 in {@code region}
	 * @param region the region requests are signed for ({@code us-east-1} suits MinIO and
	 * most other servers)
	 * @param bucket the bucket; unset when S3 is not used
	 * @param prefix prepended to every key (such as {@code offload/}), so one bucket can
	 * be shared
	 * @param pathStyle whether to address the bucket in the path
	 * ({@code http://host/bucket/key}), as MinIO and Ceph usually need, rather than in
	 * the host name
	 * @param accessKey the access key; unset to use the AWS SDK's default credentials
	 * (environment, profile, web identity, instance or pod role)
	 * @param secretKey the secret key, set exactly when the access key is
	 * @param partSize how much of a file is buffered before it is sent as one part of a
	 * multipart upload (5 MB to 5 GB); a file smaller than this is one plain PUT. Each
	 * upload in progress holds one such buffer
	 * @param presignedDownloads whether a download is answered with a redirect to a
	 * presigned GET URL, so the bytes go from the object storage straight to the client
	 * @param presignedValidity how long such a URL works (at most 7 days)
	 * @param createBucket whether a missing bucket is created at startup (for local runs;
	 * in production the bucket, its encryption and its lifecycle rules are provisioned)
	 * @param connectTimeout how long to wait for a connection to the server
	 * @param requestTimeout how long one request (one part, one read of a chunk) may take
	 * before it is retried
	 * @param defaultCredentials sign in with the AWS SDK's default credentials chain (the
	 * pod's IAM role through IRSA or EKS Pod Identity, instance profiles, environment)
	 * instead of an access key; must be chosen explicitly, so that a deployment without
	 * an access key fails at start-up rather than with whatever credentials the machine
	 * has
	 */
	public record S3(URI endpoint, @DefaultValue("us-east-1") String region, String bucket,
			@DefaultValue("") String prefix, @DefaultValue("false") boolean pathStyle, String accessKey,
			String secretKey, @DefaultValue("8MB") DataSize partSize, @DefaultValue("false") boolean presignedDownloads,
			@DefaultValue("5m") Duration presignedValidity, @DefaultValue("false") boolean createBucket,
			@DefaultValue("5s") Duration connectTimeout, @DefaultValue("60s") Duration requestTimeout,
			@DefaultValue("false") boolean defaultCredentials) {

		/** Smallest part S3 accepts, except for the last one. */
		static final DataSize MIN_PART = DataSize.ofMegabytes(5);

		/** Largest part S3 accepts. */
		static final DataSize MAX_PART = DataSize.ofGigabytes(5);

		/** Checks each setting. */
		public S3 {
			bucket = blankToNull(bucket);
			accessKey = blankToNull(accessKey);
			secretKey = blankToNull(secretKey);
			prefix = (prefix == null) ? "" : prefix;
			region = (region == null || region.isBlank()) ? "us-east-1" : region.trim();
			partSize = (partSize != null) ? partSize : DataSize.ofMegabytes(8);
			presignedValidity = (presignedValidity != null) ? presignedValidity : Duration.ofMinutes(5);
			connectTimeout = (connectTimeout != null) ? connectTimeout : Duration.ofSeconds(5);
			requestTimeout = (requestTimeout != null) ? requestTimeout : Duration.ofSeconds(60);
			if (endpoint != null && (endpoint.getScheme() == null || endpoint.getHost() == null
					|| !(endpoint.getScheme().equals("http") || endpoint.getScheme().equals("https")))) {
				throw new IllegalArgumentException(
						"offload.files.s3.endpoint is '" + endpoint + "'; it must be an http:// or https:// URL");
			}
			if ((accessKey == null) != (secretKey == null)) {
				throw new IllegalArgumentException("offload.files.s3.access-key and offload.files.s3.secret-key "
						+ "are set together, or neither (with offload.files.s3.default-credentials=true)");
			}
			if (accessKey != null && defaultCredentials) {
				throw new IllegalArgumentException(
						"offload.files.s3.default-credentials=true and an access key are " + "set; choose one");
			}
			if (partSize.compareTo(MIN_PART) < 0 || partSize.compareTo(MAX_PART) > 0) {
				throw new IllegalArgumentException(
						"offload.files.s3.part-size is " + partSize + "; S3 takes parts of 5MB to 5GB");
			}
			if (partSize.toBytes() > Integer.MAX_VALUE - 8) {
				throw new IllegalArgumentException(
						"offload.files.s3.part-size is " + partSize + "; parts are buffered in memory, at most 2047MB");
			}
			if (presignedValidity.isNegative() || presignedValidity.isZero()
					|| presignedValidity.compareTo(Duration.ofDays(7)) > 0) {
				throw new IllegalArgumentException("offload.files.s3.presigned-validity is " + presignedValidity
						+ "; a presigned URL works for more than 0 seconds and at most 7 days");
			}
			if (connectTimeout.isNegative() || connectTimeout.isZero() || requestTimeout.isNegative()
					|| requestTimeout.isZero()) {
				throw new IllegalArgumentException(
						"offload.files.s3.connect-timeout and offload.files.s3.request-timeout must be positive");
			}
			if (bucket != null && !bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
				throw new IllegalArgumentException("offload.files.s3.bucket is '" + bucket
						+ "'; a bucket name is 3 to 63 lower-case letters, digits, '.' and '-'");
			}
		}

		/**
		 * Whether S3 is set up at all.
		 * @return {@code true} if a bucket is named
		 */
		public boolean configured() {
			return this.bucket != null;
		}

		private static String blankToNull(String value) {
			return (value == null || value.isBlank()) ? null : value.trim();
		}

	}

}
