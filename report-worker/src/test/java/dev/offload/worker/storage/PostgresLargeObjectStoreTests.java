package dev.offload.worker.storage;

import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import dev.offload.model.files.FileStore;
import dev.offload.model.files.PostgresLargeObjectStore;
import dev.offload.testsupport.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.jdbc.DataSourceBuilder;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * The embedded store, on a database of its own in the local PostgreSQL.
 */
class PostgresLargeObjectStoreTests extends FileStoreContract {

	private static TestDatabase database;

	private static FileStore store;

	private static DataSource dataSource;

	private static TransactionTemplate transactions;

	@BeforeAll
	static void createDatabase() {
		database = TestDatabase.create();
		dataSource = dataSource();
		store = new PostgresLargeObjectStore(dataSource);
		transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
	}

	private static DataSource dataSource() {
		return DataSourceBuilder.create()
			.url(database.jdbcUrl())
			.username(database.username())
			.password(database.password())
			.build();
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

	/**
	 * Allocated inside a transaction on the store's database (the worker registers the
	 * upload in it), the object is created in that transaction: it exists once the
	 * transaction commits, and not at all if it rolls back, so a registration that failed
	 * leaves no object behind.
	 */
	@Test
	void anObjectAllocatedInATransactionCommitsAndRollsBackWithIt() {
		String committed = transactions.execute((status) -> store.allocate(UUID.randomUUID(), 1, "csv"));
		assertThat(store.size(committed)).contains(0L);
		store.delete(committed);

		String[] rolledBack = new String[1];
		assertThatIllegalStateException().isThrownBy(() -> transactions.executeWithoutResult((status) -> {
			rolledBack[0] = store.allocate(UUID.randomUUID(), 1, "csv");
			assertThat(store.size(rolledBack[0])).as("not visible outside its transaction").isEmpty();
			throw new IllegalStateException("registration failed");
		}));
		assertThat(rolledBack[0]).isNotNull().isNotEqualTo(committed);
		assertThat(store.size(rolledBack[0])).isEmpty();
	}

	/**
	 * Only a transaction on the store's own data source is joined. Inside a transaction
	 * on another data source (the worker's report data pool, say), or a scope with no
	 * transaction, Spring may hand out a connection that commits each statement: the
	 * object is created in a transaction of its own, as if there were none, and outlives
	 * the caller's rollback.
	 */
	@Test
	void anObjectAllocatedOutsideATransactionOnTheStoresDataSourceCommitsOnItsOwn() throws Exception {
		DataSource otherPool = dataSource();
		TransactionTemplate other = new TransactionTemplate(new DataSourceTransactionManager(otherPool));
		TransactionTemplate supports = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
		supports.setPropagationBehavior(TransactionDefinition.PROPAGATION_SUPPORTS);
		for (TransactionTemplate scope : List.of(other, supports)) {
			String[] key = new String[1];
			assertThatIllegalStateException().isThrownBy(() -> scope.executeWithoutResult((status) -> {
				key[0] = store.allocate(UUID.randomUUID(), 1, "csv");
				throw new IllegalStateException("the caller's work failed");
			}));
			assertThat(store.size(key[0])).contains(0L);
			store.delete(key[0]);
		}
		((AutoCloseable) otherPool).close();
	}

}
