package dev.offload.model.files;

import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file stores a service knows: the one new files are written to
 * ({@code offload.files.store}), and every store a recorded file may be in, by name, so
 * files written before a switch (from PostgreSQL to S3, say) stay downloadable and are
 * deleted where they are. The PostgreSQL store is always there, since the report database
 * is; S3 is there when a bucket is configured.
 */
public final class FileStores implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(FileStores.class);

	private final FileStore current;

	private final Map<String, FileStore> stores = new LinkedHashMap<>();

	private FileStores(FileStore current, List<FileStore> stores) {
		this.current = current;
		stores.forEach((store) -> this.stores.put(store.name(), store));
	}

	/**
	 * The stores the settings describe.
	 * @param properties {@code offload.files.*}
	 * @param dataSource the report database
	 * @return the stores
	 */
	public static FileStores of(FileStoreProperties properties, DataSource dataSource) {
		PostgresLargeObjectStore postgres = new PostgresLargeObjectStore(dataSource);
		if (!properties.s3().configured()) {
			return new FileStores(postgres, List.of(postgres));
		}
		S3FileStore s3 = new S3FileStore(properties.s3());
		if (properties.s3().createBucket()) {
			try {
				s3.createBucketIfMissing();
			}
			catch (UncheckedIOException ex) {
				// Not reachable yet: uploads fail as transient until it is, and a missing
				// bucket is then reported by the first of them.
				logger.warn("Could not check bucket {} at startup: {}", s3.bucket(), ex.getMessage());
			}
		}
		FileStore current = properties.store().equals(S3FileStore.NAME) ? s3 : postgres;
		return new FileStores(current, List.of(postgres, s3));
	}

	/**
	 * Where new files are written.
	 * @return the store
	 */
	public FileStore current() {
		return this.current;
	}

	/**
	 * The store of a given name.
	 * @param name the name recorded with a file
	 * @return the store, or empty if this service is not configured for it
	 */
	public Optional<FileStore> named(String name) {
		return Optional.ofNullable(this.stores.get(name));
	}

	/**
	 * Every store.
	 * @return the stores
	 */
	public Collection<FileStore> all() {
		return List.copyOf(this.stores.values());
	}

	@Override
	public void close() {
		for (FileStore store : this.stores.values()) {
			if (store instanceof AutoCloseable closeable) {
				try {
					closeable.close();
				}
				catch (Exception ex) {
					logger.debug("Could not close file store {}", store.name(), ex);
				}
			}
		}
	}

}
