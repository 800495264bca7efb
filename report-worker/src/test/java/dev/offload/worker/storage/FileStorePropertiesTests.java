package dev.offload.worker.storage;

import java.util.Map;

import dev.offload.model.files.FileStore;
import dev.offload.model.files.FileStoreProperties;
import dev.offload.model.files.FileStores;
import dev.offload.model.files.PostgresLargeObjectStore;
import dev.offload.model.files.S3FileStore;
import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.jdbc.DataSourceBuilder;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code offload.files.*} as both services bind it: the defaults, and every setting that
 * cannot work stopping start-up with a message naming it.
 */
class FileStorePropertiesTests {

	private final ApplicationContextRunner contexts = new ApplicationContextRunner()
		.withUserConfiguration(Settings.class);

	@Test
	void theDefaultIsPostgresWithS3Unused() {
		this.contexts.run((context) -> {
			FileStoreProperties properties = context.getBean(FileStoreProperties.class);
			assertThat(properties.store()).isEqualTo(PostgresLargeObjectStore.NAME);
			assertThat(properties.s3().configured()).isFalse();
			assertThat(properties.s3().partSize()).isEqualTo(DataSize.ofMegabytes(8));
			assertThat(properties.s3().region()).isEqualTo("us-east-1");
			assertThat(properties.s3().presignedDownloads()).isFalse();
			FileStores stores = context.getBean(FileStores.class);
			assertThat(stores.current().name()).isEqualTo(PostgresLargeObjectStore.NAME);
			assertThat(stores.named(S3FileStore.NAME)).isEmpty();
		});
	}

	@Test
	void s3WithABucketIsWhereNewFilesGoAndPostgresStaysReadable() {
		this.contexts
			.withPropertyValues("offload.files.store=S3", "offload.files.s3.bucket=reports",
					"offload.files.s3.endpoint=http://127.0.0.1:9000", "offload.files.s3.path-style=true",
					"offload.files.s3.access-key=minio", "offload.files.s3.secret-key=minio-secret")
			.run((context) -> {
				FileStores stores = context.getBean(FileStores.class);
				assertThat(stores.current().name()).isEqualTo(S3FileStore.NAME);
				assertThat(stores.named(PostgresLargeObjectStore.NAME)).isPresent();
				assertThat(stores.all()).extracting(FileStore::name)
					.containsExactlyInAnyOrder(S3FileStore.NAME, PostgresLargeObjectStore.NAME);
			});
	}

	@Test
	void anUnknownStoreIsRejected() {
		assertRejected(Map.of("offload.files.store", "disk"), "offload.files.store is 'disk'; it must be");
	}

	@Test
	void s3WithoutABucketIsRejected() {
		assertRejected(Map.of("offload.files.store", "s3"), "offload.files.s3.bucket is not set");
	}

	@Test
	void aPartSmallerThanS3TakesIsRejected() {
		assertRejected(Map.of("offload.files.s3.bucket", "reports", "offload.files.s3.part-size", "1MB"),
				"S3 takes parts of 5MB to 5GB");
	}

	@Test
	void anAccessKeyWithoutASecretIsRejected() {
		assertRejected(Map.of("offload.files.s3.bucket", "reports", "offload.files.s3.access-key", "minio"),
				"are set together, or neither");
	}

	@Test
	void anEndpointThatIsNotAnHttpUrlIsRejected() {
		assertRejected(Map.of("offload.files.s3.bucket", "reports", "offload.files.s3.endpoint", "minio:9000"),
				"it must be an http:// or https:// URL");
	}

	@Test
	void aBadBucketNameIsRejected() {
		assertRejected(Map.of("offload.files.s3.bucket", "Reports_2026"), "a bucket name is 3 to 63");
	}

	@Test
	void aPresignedUrlValidForMoreThanAWeekIsRejected() {
		assertRejected(Map.of("offload.files.s3.bucket", "reports", "offload.files.s3.presigned-validity", "8d"),
				"at most 7 days");
	}

	@Test
	void anUnreadableSizeIsRejectedNamingTheProperty() {
		assertRejected(Map.of("offload.files.s3.part-size", "big"), "offload.files.s3.part-size");
	}

	private void assertRejected(Map<String, String> settings, String message) {
		this.contexts
			.withPropertyValues(settings.entrySet()
				.stream()
				.map((entry) -> entry.getKey() + "=" + entry.getValue())
				.toArray(String[]::new))
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).hasStackTraceContaining(message);
			});
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(FileStoreProperties.class)
	static class Settings {

		@Bean(destroyMethod = "close")
		FileStores fileStores(FileStoreProperties properties) {
			// Never connected to: the stores are only built.
			return FileStores.of(properties,
					DataSourceBuilder.create().url("jdbc:postgresql://127.0.0.1:1/none").build());
		}

	}

}
