package dev.offload.worker.storage;

import dev.offload.model.files.FileStore;
import dev.offload.model.files.PostgresLargeObjectStore;
import dev.offload.testsupport.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import org.springframework.boot.jdbc.DataSourceBuilder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The embedded store, on a database of its own in the local PostgreSQL.
 */
class PostgresLargeObjectStoreTests extends FileStoreContract {

	private static TestDatabase database;

	private static FileStore store;

	@BeforeAll
	static void createDatabase() {
		database = TestDatabase.create();
		store = new PostgresLargeObjectStore(DataSourceBuilder.create()
			.url(database.jdbcUrl())
			.username(database.username())
			.password(database.password())
			.build());
	}

	@AfterAll
	static void dropDatabase() {
		database.close();
	}

	@Override
	FileStore store() {
		return store;
	}

	/**
	 * The large object is created when its key is allocated, so it can be found and
	 * deleted before any byte is written: an abandoned upload leaves it empty, and the
	 * worker (or retention) deletes it.
	 */
	@Override
	void assertAbandoned(String key) {
		assertThat(store.size(key)).contains(0L);
		store.delete(key);
		assertThat(store.size(key)).isEmpty();
	}

}
