package dev.offload.api.file;

import dev.offload.testsupport.AfterTheContext;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Downloads from the embedded store: PostgreSQL large objects in the report database.
 */
class PostgresStoredFileDownloadTests extends StoredFileDownloadContract {

	private static final TestDatabase database = TestDatabase.create();

	private static final TestBroker broker = TestBroker.create();

	@DynamicPropertySource
	static void infrastructure(DynamicPropertyRegistry registry) {
		infrastructure(registry, database, broker);
	}

	@RegisterExtension
	static final AfterTheContext cleanUp = AfterTheContext.close(broker, database);

}
