package dev.offload.model.files;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.UUID;
import java.util.function.Supplier;

import javax.sql.DataSource;

import org.postgresql.PGConnection;
import org.postgresql.largeobject.LargeObject;
import org.postgresql.largeobject.LargeObjectManager;

import org.springframework.jdbc.datasource.ConnectionHolder;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The embedded file store: files as PostgreSQL large objects in the report database, so
 * the README's run command and small installs need nothing beside PostgreSQL, and every
 * api-service replica can serve every file without a shared volume. Files are written and
 * read in chunks through pgjdbc's large object API, never more than {@value #BUFFER}
 * bytes of a file in memory; a file that fits in that buffer is written with one
 * statement ({@link #upload(String, String)}).
 * <p>
 * A key is the large object's oid. {@link #allocate} creates the (empty) object, so it
 * exists, and can be found and deleted, before a byte of it is written: in the caller's
 * Spring-managed transaction on this store's data source if there is one (the worker
 * registers the upload in it), otherwise in a transaction of its own. A new report's file
 * that fits in the buffer needs neither: it is created with its bytes in the transaction
 * that records it
 * ({@link #upload(UUID, int, String, String, FileStore.UploadRegistration)}). A read
 * holds one connection of the pool while it streams, since a large object is read inside
 * a transaction; size the pool for concurrent downloads, or use the S3 store.
 */
public final class PostgresLargeObjectStore implements FileStore {

	/** This store's name. */
	public static final String NAME = "postgres";

	private static final int BUFFER = 256 * 1024;

	/**
	 * The write buffer's size at first, grown (at least doubled) as the file outgrows it,
	 * up to {@value #BUFFER}: most reports' files are a few kilobytes, and allocating
	 * (and zeroing) the whole buffer for each took a worker more CPU than writing such a
	 * file.
	 */
	private static final int FIRST_BUFFER = 8 * 1024;

	private final DataSource dataSource;

	/**
	 * Creates the store.
	 * @param dataSource the report database
	 */
	public PostgresLargeObjectStore(DataSource dataSource) {
		this.dataSource = dataSource;
	}

	@Override
	public String name() {
		return NAME;
	}

	@Override
	public String allocate(UUID reportId, int attempt, String extension) {
		try {
			Connection joined = transactionConnection();
			if (joined != null) {
				// Created in the caller's transaction: committed, or rolled back, with
				// the
				// upload's registration.
				return Long.toString(manager(joined).createLO(LargeObjectManager.READWRITE));
			}
			try (Connection connection = this.dataSource.getConnection()) {
				boolean autoCommit = connection.getAutoCommit();
				connection.setAutoCommit(false);
				try {
					long oid = manager(connection).createLO(LargeObjectManager.READWRITE);
					connection.commit();
					return Long.toString(oid);
				}
				catch (SQLException ex) {
					connection.rollback();
					throw ex;
				}
				finally {
					connection.setAutoCommit(autoCommit);
				}
			}
		}
		catch (SQLException ex) {
			throw new UncheckedIOException(new IOException("Could not create a large object", ex));
		}
	}

	/**
	 * The connection of a Spring-managed transaction on this store's data source that is
	 * open on this thread and may write: one a {@code DataSourceTransactionManager} began
	 * (auto-commit off, not read-only). Not a connection Spring merely bound to the
	 * thread for a transaction on another data source, or for a scope without one (such a
	 * connection commits each statement, and a large object cannot be created in
	 * auto-commit mode).
	 * @return the connection, or {@code null} if there is none
	 */
	private Connection transactionConnection() throws SQLException {
		if (!(TransactionSynchronizationManager.getResource(this.dataSource) instanceof ConnectionHolder holder)
				|| holder.getConnectionHandle() == null) {
			return null;
		}
		Connection connection = holder.getConnection();
		return (!connection.getAutoCommit() && !connection.isReadOnly()) ? connection : null;
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * Nothing is sent to PostgreSQL, and no connection is held, until the file is larger
	 * than its write buffer at its largest ({@value #BUFFER} bytes): a file that fits
	 * (most reports) is written with one statement when it is completed, one round trip
	 * instead of opening, writing and closing the object in a transaction of its own. A
	 * larger file is written to the object as it comes (a buffer at a time, a larger
	 * write at once), in one transaction committed when it is completed.
	 */
	@Override
	public FileUpload upload(String key, String contentType) {
		oid(key); // a key that is not an oid fails here, not at the first write
		return new Upload(key, null);
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * The key is allocated (the object created) and registered only once the file is
	 * larger than the write buffer at its largest, or when a file that fits is completed
	 * outside a transaction on this store's database. A file that fits, completed inside
	 * one, is created with its bytes in that transaction by one statement
	 * ({@code lo_from_bytea}), unregistered: it commits with what the caller records
	 * about it, or it is gone, so nothing is ever left behind to find. That takes a
	 * report's file from four round trips and two commits of its own (the object created
	 * and registered, its bytes written) to one statement in the transaction that records
	 * the report.
	 */
	@Override
	public FileUpload upload(UUID reportId, int attempt, String extension, String contentType,
			UploadRegistration registration) {
		Objects.requireNonNull(registration, "registration");
		return new Upload(null, () -> registration.register(() -> allocate(reportId, attempt, extension)));
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * The files that fit in the write buffer and are completed inside a Spring-managed
	 * transaction on this store's database, each of which {@link FileUpload#complete()}
	 * would create with its bytes by a statement of its own, are created by one statement
	 * for up to {@value #WHOLE_PER_STATEMENT} of them (their bytes bound as binary): one
	 * round trip for the files of a batch of reports instead of one each.
	 */
	@Override
	public List<StoredFile> completeAll(List<FileUpload> uploads) {
		List<Upload> whole = new ArrayList<>();
		try {
			Connection joined = transactionConnection();
			if (joined != null) {
				for (FileUpload upload : uploads) {
					if (upload instanceof Upload own && own.createsWholeIn(this)) {
						whole.add(own);
					}
				}
				for (int from = 0; from < whole.size(); from += WHOLE_PER_STATEMENT) {
					createWhole(joined, whole.subList(from, Math.min(whole.size(), from + WHOLE_PER_STATEMENT)));
				}
			}
		}
		catch (SQLException ex) {
			throw new UncheckedIOException(new IOException("Could not store " + whole.size() + " large objects", ex));
		}
		return FileStore.super.completeAll(uploads);
	}

	/**
	 * Creates the objects of uploads that fit in one buffer, each with its bytes, in the
	 * caller's transaction, by one statement.
	 */
	private static void createWhole(Connection joined, List<Upload> uploads) throws SQLException {
		StringJoiner rows = new StringJoiner(", ", "SELECT v.n, lo_from_bytea(0, v.bytes) FROM (VALUES ",
				") AS v (n, bytes)");
		for (int i = 0; i < uploads.size(); i++) {
			rows.add("(" + i + ", CAST(? AS bytea))");
		}
		try (PreparedStatement create = joined.prepareStatement(rows.toString())) {
			for (int i = 0; i < uploads.size(); i++) {
				Upload upload = uploads.get(i);
				create.setBinaryStream(i + 1, new ByteArrayInputStream(upload.buffer, 0, upload.buffered),
						upload.buffered);
			}
			try (ResultSet created = create.executeQuery()) {
				while (created.next()) {
					uploads.get(created.getInt(1)).createdWhole(created.getLong(2));
				}
			}
		}
	}

	@Override
	public Optional<Long> size(String key) {
		long oid = oid(key);
		try (Connection connection = this.dataSource.getConnection()) {
			if (!exists(connection, oid)) {
				return Optional.empty();
			}
			boolean autoCommit = connection.getAutoCommit();
			connection.setAutoCommit(false);
			try {
				LargeObject object = manager(connection).open(oid, LargeObjectManager.READ);
				long size = object.size64();
				object.close();
				connection.commit();
				return Optional.of(size);
			}
			finally {
				connection.setAutoCommit(autoCommit);
			}
		}
		catch (SQLException ex) {
			throw new UncheckedIOException(new IOException("Could not read large object " + key, ex));
		}
	}

	@Override
	public InputStream read(String key, long offset, long length) {
		long oid = oid(key);
		Connection connection = null;
		try {
			connection = this.dataSource.getConnection();
			if (!exists(connection, oid)) {
				closeQuietly(connection);
				throw new FileMissingException(NAME, key);
			}
			connection.setAutoCommit(false);
			LargeObject object = manager(connection).open(oid, LargeObjectManager.READ);
			object.seek64(offset, LargeObject.SEEK_SET);
			// pgjdbc adds the limit to the position: Long.MAX_VALUE would overflow.
			InputStream in = (length < 0) ? object.getInputStream() : object.getInputStream(length);
			Connection held = connection;
			return new FilterInputStream(in) {

				@Override
				public void close() throws IOException {
					try {
						super.close();
						object.close();
						held.commit();
					}
					catch (SQLException ex) {
						throw new IOException(ex);
					}
					finally {
						closeQuietly(held);
					}
				}

			};
		}
		catch (SQLException ex) {
			closeQuietly(connection);
			throw new UncheckedIOException(new IOException("Could not read large object " + key, ex));
		}
	}

	@Override
	public Optional<URI> presignedDownload(String key, String fileName, String contentType, Duration validity) {
		return Optional.empty();
	}

	@Override
	public void delete(String key) {
		long oid = oid(key);
		try (Connection connection = this.dataSource.getConnection();
				PreparedStatement unlink = connection
					.prepareStatement("SELECT lo_unlink(oid) FROM pg_largeobject_metadata WHERE oid = ?::oid")) {
			unlink.setLong(1, oid);
			unlink.executeQuery().close();
			if (!connection.getAutoCommit()) {
				connection.commit();
			}
		}
		catch (SQLException ex) {
			throw new UncheckedIOException(new IOException("Could not delete large object " + key, ex));
		}
	}

	private static boolean exists(Connection connection, long oid) throws SQLException {
		try (PreparedStatement query = connection
			.prepareStatement("SELECT 1 FROM pg_largeobject_metadata WHERE oid = ?::oid")) {
			query.setLong(1, oid);
			try (ResultSet rows = query.executeQuery()) {
				return rows.next();
			}
		}
	}

	private static LargeObjectManager manager(Connection connection) throws SQLException {
		return connection.unwrap(PGConnection.class).getLargeObjectAPI();
	}

	private static long oid(String key) {
		try {
			return Long.parseLong(key);
		}
		catch (NumberFormatException ex) {
			throw new IllegalArgumentException("Not a large object key: '" + key + "'", ex);
		}
	}

	private static void closeQuietly(Connection connection) {
		if (connection == null) {
			return;
		}
		try {
			if (!connection.getAutoCommit()) {
				connection.rollback();
				connection.setAutoCommit(true);
			}
		}
		catch (SQLException ex) {
			// The connection is going back to the pool or away; nothing more to do.
		}
		try {
			connection.close();
		}
		catch (SQLException ex) {
			// As above.
		}
	}

	/**
	 * Writes the whole content of a file that fits in one buffer, replacing what the
	 * object held, in one statement (its own transaction). Whichever of the two functions
	 * PostgreSQL runs first, the object ends up holding exactly these bytes: the content
	 * written from its start, and the object cut (or, if it was shorter, first extended)
	 * to their length.
	 */
	private static final String WRITE_WHOLE = "SELECT lo_put(?::oid, 0, ?), lo_truncate64(lo_open(?::oid, "
			+ LargeObjectManager.WRITE + "), ?)";

	/**
	 * The most files that fit in one buffer {@link #completeAll} creates in one statement
	 * (each up to {@value #BUFFER} bytes).
	 */
	private static final int WHOLE_PER_STATEMENT = 64;

	private final class Upload implements FileUpload {

		/** Allocates and registers the key, if it was not given: once, when needed. */
		private final Supplier<String> allocation;

		private String key;

		private final DigestingOutputStream stream;

		private byte[] buffer = new byte[FIRST_BUFFER];

		private int buffered;

		/**
		 * Created with its bytes (with others, by {@link #completeAll}): completing only
		 * ends it.
		 */
		private boolean created;

		/** Opened once the file is larger than the buffer at its largest. */
		private Connection connection;

		private LargeObject object;

		Upload(String key, Supplier<String> allocation) {
			this.key = key;
			this.allocation = allocation;
			this.stream = new DigestingOutputStream(new BufferedObjectStream());
		}

		@Override
		public Optional<String> key() {
			return Optional.ofNullable(this.key);
		}

		/** The object's oid, allocating (and registering) it first if need be. */
		private long oid() {
			if (this.key == null) {
				this.key = this.allocation.get();
			}
			return PostgresLargeObjectStore.oid(this.key);
		}

		/** The upload as errors name it. */
		private String name() {
			return (this.key != null) ? this.key : "(not yet created)";
		}

		@Override
		public OutputStream stream() {
			return this.stream;
		}

		@Override
		public StoredFile complete() {
			if (this.buffer == null) {
				throw new IllegalStateException("The upload of large object " + name() + " is over");
			}
			try {
				// One created with its bytes already, with others (completeAll), is done.
				if (!this.created) {
					store();
				}
				this.buffer = null;
				return new StoredFile(NAME, this.key, this.stream.size(), this.stream.sha256());
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
			catch (SQLException ex) {
				throw new UncheckedIOException(new IOException("Could not store large object " + name(), ex));
			}
		}

		private void store() throws IOException, SQLException {
			Connection joined = (this.object == null && this.key == null) ? transactionConnection() : null;
			if (joined != null) {
				// The object created with the whole file, in the caller's transaction.
				createWhole(joined, List.of(this));
			}
			else if (this.object == null) {
				writeWhole();
			}
			else {
				drain();
				this.object.close();
				this.connection.commit();
				// Back to the pool at once: the caller may be about to take another
				// connection to record the file (a pool as small as the number of files
				// written at once would otherwise run dry).
				release();
			}
		}

		/**
		 * Whether completing this upload inside a transaction on {@code store}'s database
		 * would create the object with the whole file there: it fits in the buffer and
		 * has no key yet.
		 */
		boolean createsWholeIn(PostgresLargeObjectStore store) {
			return store == PostgresLargeObjectStore.this && this.buffer != null && !this.created && this.object == null
					&& this.key == null;
		}

		/** Created with the whole file, in the caller's transaction. */
		void createdWhole(long oid) {
			this.key = Long.toString(oid);
			this.created = true;
		}

		private void writeWhole() throws SQLException {
			long oid = oid();
			try (Connection whole = PostgresLargeObjectStore.this.dataSource.getConnection();
					PreparedStatement write = whole.prepareStatement(WRITE_WHOLE)) {
				write.setLong(1, oid);
				write.setBinaryStream(2, new ByteArrayInputStream(this.buffer, 0, this.buffered), this.buffered);
				write.setLong(3, oid);
				write.setLong(4, this.buffered);
				write.executeQuery().close();
				if (!whole.getAutoCommit()) {
					whole.commit();
				}
			}
		}

		/** Writes what is buffered to the object, opening it the first time. */
		private void drain() throws IOException {
			try {
				if (this.object == null) {
					open();
				}
				if (this.buffered > 0) {
					this.object.write(this.buffer, 0, this.buffered);
					this.buffered = 0;
				}
			}
			catch (SQLException ex) {
				throw new IOException("Could not write large object " + name(), ex);
			}
		}

		private void open() throws SQLException {
			long oid = oid();
			Connection opened = PostgresLargeObjectStore.this.dataSource.getConnection();
			try {
				opened.setAutoCommit(false);
				LargeObject opening = manager(opened).open(oid, LargeObjectManager.WRITE);
				opening.truncate64(0);
				this.object = opening;
				this.connection = opened;
			}
			catch (SQLException ex) {
				closeQuietly(opened);
				throw ex;
			}
		}

		@Override
		public void close() {
			this.buffer = null;
			if (this.connection == null) {
				// Nothing was written to the object yet, or it was completed: nothing to
				// undo.
				return;
			}
			// Without complete(), rolling back undoes every byte written.
			closeQuietly(this.connection);
			this.connection = null;
		}

		/** Returns a committed upload's connection to the pool. */
		private void release() {
			Connection committed = this.connection;
			this.connection = null;
			try {
				committed.setAutoCommit(true);
			}
			catch (SQLException ex) {
				// Returned to the pool anyway.
			}
			try {
				committed.close();
			}
			catch (SQLException ex) {
				// As above.
			}
		}

		/**
		 * Keeps the file in the buffer, grown as it needs up to {@value #BUFFER} bytes,
		 * while it fits, then writes it to the object a buffer at a time. Flushing writes
		 * nothing while the file still fits: the object's bytes count only once the
		 * upload is completed anyway.
		 */
		private final class BufferedObjectStream extends OutputStream {

			@Override
			public void write(int b) throws IOException {
				byte[] buffer = buffer(1);
				buffer[Upload.this.buffered++] = (byte) b;
			}

			@Override
			public void write(byte[] bytes, int offset, int length) throws IOException {
				Objects.checkFromIndexSize(offset, length, bytes.length);
				if (length >= BUFFER) {
					// Too large to buffer: what is buffered goes first, then this at
					// once.
					buffer(0); // fails if the upload is over
					drain();
					writeToObject(bytes, offset, length);
					return;
				}
				byte[] buffer = buffer(length);
				System.arraycopy(bytes, offset, buffer, Upload.this.buffered, length);
				Upload.this.buffered += length;
			}

			/**
			 * The buffer, with room for that many more bytes (fewer than
			 * {@value #BUFFER}): what it holds is drained to the object first if it and
			 * they would be more than {@value #BUFFER} bytes, then it is grown (at least
			 * doubled, at most to {@value #BUFFER} bytes) if it is still too small.
			 * @throws IOException if the upload is completed or closed, or draining fails
			 */
			private byte[] buffer(int length) throws IOException {
				byte[] buffer = Upload.this.buffer;
				if (buffer == null) {
					throw new IOException("The upload of large object " + Upload.this.name() + " is over");
				}
				if (Upload.this.buffered + length > BUFFER) {
					drain();
				}
				int needed = Upload.this.buffered + length;
				if (needed > buffer.length) {
					int size = Math.min(BUFFER, Math.max(needed, 2 * buffer.length));
					// Drained, it holds nothing worth copying.
					buffer = (Upload.this.buffered > 0) ? Arrays.copyOf(buffer, size) : new byte[size];
					Upload.this.buffer = buffer;
				}
				return buffer;
			}

			private void writeToObject(byte[] bytes, int offset, int length) throws IOException {
				try {
					Upload.this.object.write(bytes, offset, length);
				}
				catch (SQLException ex) {
					throw new IOException("Could not write large object " + Upload.this.name(), ex);
				}
			}

			@Override
			public void flush() throws IOException {
				if (Upload.this.object != null && Upload.this.buffer != null) {
					drain();
				}
			}

		}

	}

}
