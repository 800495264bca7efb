package dev.offload.worker.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import dev.offload.model.files.FileStore;
import dev.offload.model.files.FileUpload;
import dev.offload.model.files.PostgresLargeObjectStore;
import dev.offload.model.files.StoredFile;
import dev.offload.testsupport.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.jdbc.DataSourceBuilder;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIOException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * The embedded store, on a database of its own in the local PostgreSQL.
 */
class PostgresLargeObjectStoreTests extends FileStoreContract {

	/** The store's write buffer: a file that fits is written with one statement. */
	private static final int BUFFER = 256 * 1024;

	/** The write buffer's size at first, grown up to {@link #BUFFER} as a file needs. */
	private static final int FIRST_BUFFER = 8 * 1024;

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
	 * A new report's file that fits in the write buffer, completed inside a transaction
	 * on the store's database (the worker's recording of the report), is created with its
	 * bytes in that transaction and never registered: it is there once the transaction
	 * commits, and not at all if it rolls back, so nothing is left to find.
	 */
	@Test
	void aSmallNewFileCompletedInATransactionIsCreatedInItUnregistered() throws Exception {
		Registrations registrations = new Registrations();
		byte[] bytes = random(BUFFER - 1, 21);
		StoredFile committed = transactions.execute((status) -> {
			try (FileUpload upload = registrations.upload(bytes)) {
				assertThat(upload.key()).isEmpty();
				return upload.complete();
			}
		});
		assertThat(registrations.keys).isEmpty();
		assertThat(committed.size()).isEqualTo(bytes.length);
		assertThat(committed.sha256()).isEqualTo(sha256(bytes));
		assertThat(range(committed.key(), 0, -1)).isEqualTo(bytes);
		store.delete(committed.key());

		String[] rolledBack = new String[1];
		assertThatIllegalStateException().isThrownBy(() -> transactions.executeWithoutResult((status) -> {
			try (FileUpload upload = registrations.upload(bytes)) {
				rolledBack[0] = upload.complete().key();
				assertThat(upload.key()).contains(rolledBack[0]);
			}
			throw new IllegalStateException("the report was taken over");
		}));
		assertThat(rolledBack[0]).isNotNull();
		assertThat(store.size(rolledBack[0])).isEmpty();
		assertThat(registrations.keys).isEmpty();
	}

	/**
	 * Completed together inside a transaction on the store's database (the worker's
	 * recording of a batch of reports), the small new files are created with their bytes
	 * there, unregistered, in the order given and beside a file that outgrew the buffer
	 * and one already completed; they commit together, or roll back together.
	 */
	@Test
	void smallNewFilesCompletedTogetherInATransactionAreCreatedInItInOrder() throws Exception {
		Registrations registrations = new Registrations();
		List<byte[]> contents = List.of(random(10, 31), random(0, 32), random(BUFFER + 5, 33), random(FIRST_BUFFER, 34),
				random(BUFFER - 1, 35));
		List<StoredFile> committed = transactions.execute((status) -> {
			List<FileUpload> uploads = contents.stream().map(registrations::upload).toList();
			try {
				return store.completeAll(uploads);
			}
			finally {
				uploads.forEach(FileUpload::close);
			}
		});
		assertThat(registrations.keys).as("only the file that outgrew the buffer")
			.hasSize(1)
			.containsExactly(committed.get(2).key());
		assertThat(committed).extracting(StoredFile::key).doesNotHaveDuplicates();
		for (int i = 0; i < contents.size(); i++) {
			assertThat(committed.get(i).size()).isEqualTo(contents.get(i).length);
			assertThat(committed.get(i).sha256()).isEqualTo(sha256(contents.get(i)));
			assertThat(range(committed.get(i).key(), 0, -1)).as("file %d", i).isEqualTo(contents.get(i));
			store.delete(committed.get(i).key());
		}

		List<String> rolledBack = new ArrayList<>();
		assertThatIllegalStateException().isThrownBy(() -> transactions.executeWithoutResult((status) -> {
			List<FileUpload> uploads = List.of(registrations.upload(contents.get(0)),
					registrations.upload(contents.get(3)));
			store.completeAll(uploads).forEach((file) -> rolledBack.add(file.key()));
			uploads.forEach(FileUpload::close);
			throw new IllegalStateException("the reports were taken over");
		}));
		assertThat(rolledBack).hasSize(2);
		for (String key : rolledBack) {
			assertThat(store.size(key)).isEmpty();
		}
	}

	/**
	 * Small new files completed together are created by one statement per 64 of them
	 * (counted as the statements the store prepares on its data source), each with its
	 * own bytes, none registered.
	 */
	@Test
	void smallNewFilesCompletedTogetherAreCreatedByOneStatementPerSixtyFour() throws Exception {
		AtomicInteger creations = new AtomicInteger();
		DataSource counted = countingCreations(dataSource, creations);
		FileStore countedStore = new PostgresLargeObjectStore(counted);
		TransactionTemplate countedTransactions = new TransactionTemplate(new DataSourceTransactionManager(counted));
		List<byte[]> contents = new ArrayList<>();
		for (int i = 0; i < 65; i++) {
			contents.add(random(i + 1, 100 + i));
		}
		List<StoredFile> stored = countedTransactions.execute((status) -> {
			List<FileUpload> uploads = new ArrayList<>();
			for (byte[] bytes : contents) {
				FileUpload upload = countedStore.upload(UUID.randomUUID(), 1, "csv", "text/csv", (allocate) -> {
					throw new AssertionError("a small file completed in the transaction is not registered");
				});
				try {
					upload.stream().write(bytes);
				}
				catch (IOException ex) {
					throw new UncheckedIOException(ex);
				}
				uploads.add(upload);
			}
			try {
				return countedStore.completeAll(uploads);
			}
			finally {
				uploads.forEach(FileUpload::close);
			}
		});
		assertThat(creations).as("statements creating objects with their bytes").hasValue(2);
		for (int i = 0; i < contents.size(); i++) {
			assertThat(range(stored.get(i).key(), 0, -1)).as("file %d", i).isEqualTo(contents.get(i));
			store.delete(stored.get(i).key());
		}
	}

	/**
	 * The data source, with a count of the statements prepared on its connections that
	 * create large objects with their bytes.
	 */
	private static DataSource countingCreations(DataSource target, AtomicInteger creations) {
		return (DataSource) Proxy.newProxyInstance(PostgresLargeObjectStoreTests.class.getClassLoader(),
				new Class<?>[] { DataSource.class }, (proxy, method, arguments) -> {
					Object result = invoke(target, method, arguments);
					if (!(result instanceof Connection connection)) {
						return result;
					}
					return Proxy.newProxyInstance(PostgresLargeObjectStoreTests.class.getClassLoader(),
							new Class<?>[] { Connection.class }, (connectionProxy, call, callArguments) -> {
								if (call.getName().equals("prepareStatement") && callArguments != null
										&& callArguments[0] instanceof String sql && sql.contains("lo_from_bytea")) {
									creations.incrementAndGet();
								}
								return invoke(connection, call, callArguments);
							});
				});
	}

	private static Object invoke(Object target, Method method, Object[] arguments) throws Throwable {
		try {
			return method.invoke(target, arguments);
		}
		catch (InvocationTargetException ex) {
			throw ex.getCause();
		}
	}

	/**
	 * A new file the store writes outside the caller's transaction (completed without
	 * one, or outgrowing the write buffer, whose bytes go to the object as they come) is
	 * registered first, once, with the object its key names created in the registration's
	 * transaction; and it holds exactly its bytes.
	 */
	@Test
	void aNewFileWrittenOutsideTheCallersTransactionIsRegisteredFirst() throws Exception {
		TransactionTemplate none = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
		none.setPropagationBehavior(TransactionDefinition.PROPAGATION_NOT_SUPPORTED);
		for (TransactionTemplate scope : List.of(none, transactions)) {
			for (int size : new int[] { 0, 10, BUFFER + 1, 3 * BUFFER + 7 }) {
				if (scope == transactions && size < BUFFER) {
					// Created in the caller's transaction (above).
					continue;
				}
				Registrations registrations = new Registrations();
				byte[] bytes = random(size, size);
				StoredFile stored = scope.execute((status) -> {
					try (FileUpload upload = registrations.upload(bytes)) {
						if (size > BUFFER) {
							assertThat(upload.key()).as("registered before its first byte went to the object")
								.isPresent()
								.get()
								.isEqualTo(registrations.keys.get(0));
						}
						return upload.complete();
					}
				});
				assertThat(registrations.keys).as("size %d", size).containsExactly(stored.key());
				assertThat(range(stored.key(), 0, -1)).isEqualTo(bytes);
				assertThat(stored.sha256()).isEqualTo(sha256(bytes));
				store.delete(stored.key());
			}
		}
	}

	/**
	 * Registers each new file's key the way the worker does: in a transaction of its own
	 * that the store's allocation joins.
	 */
	private static final class Registrations implements FileStore.UploadRegistration {

		private final List<String> keys = new ArrayList<>();

		private final TransactionTemplate own = new TransactionTemplate(new DataSourceTransactionManager(dataSource));

		Registrations() {
			this.own.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
		}

		@Override
		public String register(Supplier<String> allocate) {
			return this.own.execute((status) -> {
				String key = allocate.get();
				this.keys.add(key);
				return key;
			});
		}

		/** A new file's upload with these bytes written, not yet completed. */
		FileUpload upload(byte[] bytes) {
			FileUpload upload = store.upload(UUID.randomUUID(), 1, "csv", "text/csv", this);
			try {
				upload.stream().write(bytes);
			}
			catch (IOException ex) {
				upload.close();
				throw new UncheckedIOException(ex);
			}
			return upload;
		}

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

	/**
	 * An upload replaces whatever the object held, whether the new file fits in the
	 * store's write buffer (written in one statement) or not (written in chunks), and
	 * whether the new file is shorter or longer than the old.
	 */
	@Test
	void anUploadReplacesWhatTheObjectHeld() throws Exception {
		String key = store.allocate(UUID.randomUUID(), 1, "csv");
		for (byte[] bytes : List.of(random(LARGE, 7), random(300 * 1024, 8), random(10, 9), random(5000, 10),
				new byte[0], random(BUFFER, 11), random(BUFFER + 1, 12), random(BUFFER - 1, 13))) {
			StoredFile stored;
			try (FileUpload upload = store.upload(key, "text/csv")) {
				upload.stream().write(bytes);
				stored = upload.complete();
			}
			assertThat(stored.size()).isEqualTo(bytes.length);
			assertThat(store.size(key)).contains((long) bytes.length);
			assertThat(range(key, 0, -1)).isEqualTo(bytes);
		}
		store.delete(key);
	}

	/**
	 * Written the way a writer writes, in small pieces and single bytes, a file is stored
	 * exactly whether it fills the write buffer (at its first size or its largest) to the
	 * byte, outgrows it by one single byte, or outgrows it by a piece.
	 */
	@Test
	void aFileFillingTheBufferExactlyOrOutgrowingItIsStoredExactly() throws Exception {
		for (int size : new int[] { FIRST_BUFFER, FIRST_BUFFER + 1, BUFFER, BUFFER + 1, BUFFER + 1000,
				3 * BUFFER + 7 }) {
			byte[] bytes = random(size, size);
			String key = store.allocate(UUID.randomUUID(), 1, "csv");
			StoredFile stored;
			try (FileUpload upload = store.upload(key, "text/csv")) {
				int offset = 0;
				while (offset < size) {
					if (offset % 3 == 0) {
						upload.stream().write(bytes[offset++]);
					}
					else {
						int piece = Math.min(1000, size - offset);
						upload.stream().write(bytes, offset, piece);
						offset += piece;
					}
				}
				stored = upload.complete();
			}
			assertThat(stored.size()).isEqualTo(size);
			assertThat(stored.sha256()).isEqualTo(sha256(bytes));
			assertThat(range(key, 0, -1)).isEqualTo(bytes);
			store.delete(key);
		}
	}

	/**
	 * The write buffer starts small and grows as the file does: pieces that fill it to
	 * the byte, outgrow it by a byte or by more than it holds, and a piece larger than
	 * what it holds once drained, are stored exactly.
	 */
	@Test
	void aFileOutgrowingTheBufferAsItGrowsIsStoredExactly() throws Exception {
		int[] pieces = { FIRST_BUFFER, 1, 100 * 1024, 200 * 1024, 5000, 130 * 1024, BUFFER - 1, 7, BUFFER, 1 };
		byte[] bytes = random(Arrays.stream(pieces).sum(), 31);
		String key = store.allocate(UUID.randomUUID(), 1, "csv");
		StoredFile stored;
		try (FileUpload upload = store.upload(key, "text/csv")) {
			int offset = 0;
			for (int piece : pieces) {
				if (piece == 1) {
					upload.stream().write(bytes[offset]);
				}
				else {
					upload.stream().write(bytes, offset, piece);
				}
				offset += piece;
			}
			stored = upload.complete();
		}
		assertThat(stored.size()).isEqualTo(bytes.length);
		assertThat(stored.sha256()).isEqualTo(sha256(bytes));
		assertThat(range(key, 0, -1)).isEqualTo(bytes);
		store.delete(key);
	}

	/**
	 * An upload that is over (completed or closed) takes no more bytes and is not
	 * completed twice: each says so instead of failing on what it released.
	 */
	@Test
	void anUploadThatIsOverSaysSo() throws Exception {
		String key = store.allocate(UUID.randomUUID(), 1, "csv");
		FileUpload upload = store.upload(key, "text/csv");
		upload.stream().write(1);
		upload.complete();
		assertThatIOException().isThrownBy(() -> upload.stream().write(2)).withMessageContaining("is over");
		assertThatIllegalStateException().isThrownBy(upload::complete).withMessageContaining("is over");
		upload.close();
		assertThatIOException().isThrownBy(() -> upload.stream().write(new byte[3])).withMessageContaining("is over");
		assertThat(range(key, 0, -1)).containsExactly(1);
		store.delete(key);
	}

	/**
	 * A file that fits in the write buffer holds no connection while it is written: a
	 * worker building more small reports at once than its pool has connections does not
	 * wait for one until each is completed.
	 */
	@Test
	void aSmallUploadHoldsNoConnectionUntilItIsCompleted() throws Exception {
		try (HikariDataSource pool = onePooledConnection()) {
			FileStore small = new PostgresLargeObjectStore(pool);
			List<String> keys = List.of(small.allocate(UUID.randomUUID(), 1, "csv"),
					small.allocate(UUID.randomUUID(), 1, "csv"), small.allocate(UUID.randomUUID(), 1, "csv"));
			List<FileUpload> uploads = keys.stream().map((key) -> small.upload(key, "text/csv")).toList();
			for (int i = 0; i < uploads.size(); i++) {
				uploads.get(i).stream().write(("report " + i + "\n").getBytes(StandardCharsets.UTF_8));
			}
			assertThat(pool.getHikariPoolMXBean().getActiveConnections()).isZero();
			for (int i = 0; i < uploads.size(); i++) {
				try (FileUpload upload = uploads.get(i)) {
					assertThat(upload.complete().size()).isEqualTo(("report " + i + "\n").length());
				}
				assertThat(range(keys.get(i), 0, -1)).asString(StandardCharsets.UTF_8).isEqualTo("report " + i + "\n");
				small.delete(keys.get(i));
			}
		}
	}

	/**
	 * The buffer grows as a file is written in pieces, and a file just under its largest
	 * size, written a thousand bytes at a time, still holds no connection until it is
	 * completed (and is then written with one statement).
	 */
	@Test
	void aFileGrowingTheBufferHoldsNoConnectionUntilItIsCompleted() throws Exception {
		try (HikariDataSource pool = onePooledConnection()) {
			FileStore small = new PostgresLargeObjectStore(pool);
			String key = small.allocate(UUID.randomUUID(), 1, "csv");
			byte[] bytes = random(BUFFER - 1, 41);
			try (FileUpload upload = small.upload(key, "text/csv")) {
				for (int offset = 0; offset < bytes.length; offset += 1000) {
					upload.stream().write(bytes, offset, Math.min(1000, bytes.length - offset));
					assertThat(pool.getHikariPoolMXBean().getActiveConnections()).isZero();
				}
				assertThat(upload.complete().sha256()).isEqualTo(sha256(bytes));
			}
			assertThat(range(key, 0, -1)).isEqualTo(bytes);
			small.delete(key);
		}
	}

	/**
	 * A small upload closed without completing never wrote anything: the object stays
	 * empty, as a large one's rolled-back bytes leave it.
	 */
	@Test
	void aSmallUploadClosedWithoutCompletingLeavesTheObjectEmpty() throws Exception {
		try (HikariDataSource pool = onePooledConnection()) {
			FileStore small = new PostgresLargeObjectStore(pool);
			String key = small.allocate(UUID.randomUUID(), 1, "csv");
			try (FileUpload upload = small.upload(key, "text/csv")) {
				upload.stream().write("a,b\n".getBytes(StandardCharsets.UTF_8));
				upload.stream().flush();
				assertThat(pool.getHikariPoolMXBean().getActiveConnections()).as("connections in use").isZero();
			}
			assertAbandoned(key);
		}
	}

	private static HikariDataSource onePooledConnection() {
		HikariDataSource pool = new HikariDataSource();
		pool.setJdbcUrl(database.jdbcUrl());
		pool.setUsername(database.username());
		pool.setPassword(database.password());
		pool.setMaximumPoolSize(1);
		pool.setConnectionTimeout(2000);
		return pool;
	}

	/**
	 * An object deleted before its file is stored (by retention, say) fails the upload
	 * with an error that names it: a small file's when it is completed, a large one's
	 * once it is written to the object.
	 */
	@Test
	void anUploadToADeletedObjectFailsWithItsKey() throws Exception {
		String small = store.allocate(UUID.randomUUID(), 1, "csv");
		try (FileUpload upload = store.upload(small, "text/csv")) {
			upload.stream().write("a,b\n".getBytes(StandardCharsets.UTF_8));
			store.delete(small);
			assertThatExceptionOfType(UncheckedIOException.class).isThrownBy(upload::complete)
				.withMessageContaining("Could not store large object " + small);
		}
		String large = store.allocate(UUID.randomUUID(), 1, "csv");
		store.delete(large);
		try (FileUpload upload = store.upload(large, "text/csv")) {
			assertThatIOException().isThrownBy(() -> upload.stream().write(random(LARGE, 12)))
				.withMessageContaining("large object " + large);
		}
		assertThat(store.size(small)).isEmpty();
		assertThat(store.size(large)).isEmpty();
	}

}
