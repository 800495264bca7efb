package dev.offload.api.file;

import dev.offload.model.files.S3FileStore;
import dev.offload.testsupport.AfterTheContext;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import dev.offload.testsupport.TestObjectStorage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Downloads streamed through the API from S3-compatible object storage (a real S3 server
 * on this machine), a bucket of this class's own.
 */
class S3StoredFileDownloadTests extends StoredFileDownloadContract {

	private static final TestDatabase database = TestDatabase.create();

	private static final TestBroker broker = TestBroker.create();

	private static final TestObjectStorage s3 = TestObjectStorage.get();

	private static final String bucket = s3.newBucket();

	@DynamicPropertySource
	static void infrastructure(DynamicPropertyRegistry registry) {
		infrastructure(registry, database, broker);
		s3.serviceProperties(s3.endpoint(), bucket).forEach((name, value) -> registry.add(name, () -> value));
	}

	@RegisterExtension
	static final AfterTheContext cleanUp = AfterTheContext.close(() -> s3.removeBucket(bucket), broker, database);

	@Test
	void filesAreWrittenToTheBucket() {
		assertThat(store().name()).isEqualTo(S3FileStore.NAME);
		String key = store("in the bucket".getBytes()).key();
		assertThat(s3.objects(bucket)).anySatisfy((object) -> assertThat(object.key()).isEqualTo(key));
	}

}
