package dev.offload.model.files;

import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Where finished report files are kept: the one port through which the worker writes a
 * file while it renders it, the API serves it, and retention deletes it. Implementations:
 * S3-compatible object storage, and PostgreSQL large objects (the embedded default).
 * <p>
 * A file is addressed by its store's {@link #name()} and a key, both kept with the
 * report. Nothing here holds a whole file in memory, beyond a bounded write buffer that a
 * small file may fit in.
 */
public interface FileStore {

	/**
	 * This store's name, kept with each file so it is read back from the store that holds
	 * it ({@code postgres}, {@code s3}).
	 * @return the name
	 */
	String name();

	/**
	 * A key for a new file. The key is registered as an upload in progress before the
	 * store writes anything durable under it outside the caller's transaction, so a file
	 * left behind by a worker that died can be found and deleted. A store that keeps its
	 * files in the report database creates the file's (empty) object here: inside a
	 * Spring-managed transaction on that database, in that transaction, so the object and
	 * its registration commit (or roll back) together in one round trip to the disk, and
	 * {@link #upload} can use the key once it has committed; otherwise in a transaction
	 * of its own.
	 * @param reportId the report the file is for
	 * @param attempt the report's attempt that writes it
	 * @param extension the file name extension, without a dot
	 * @return the key
	 */
	String allocate(UUID reportId, int attempt, String extension);

	/**
	 * Starts writing a file.
	 * @param key a key from {@link #allocate}
	 * @param contentType its media type
	 * @return the upload; {@link FileUpload#complete()} makes the file durable
	 */
	FileUpload upload(String key, String contentType);

	/**
	 * Starts writing a new file whose key is allocated and registered as an upload in
	 * progress ({@code registration}) before the store writes anything durable under it
	 * outside the caller's transaction. By default at once, then as
	 * {@link #upload(String, String)}. A store that keeps its files in the report
	 * database may wait: a file that fits in its write buffer, completed inside a
	 * Spring-managed transaction on that database, is created and written in that
	 * transaction and needs no registration, since it commits, or rolls back, with
	 * whatever the caller records about it there (the worker: the report's outcome).
	 * @param reportId the report the file is for
	 * @param attempt the report's attempt that writes it
	 * @param extension the file name extension, without a dot
	 * @param contentType its media type
	 * @param registration registers the key {@link #allocate} makes, in the transaction
	 * it runs that allocation in
	 * @return the upload; {@link FileUpload#key()} is its key once allocated
	 */
	default FileUpload upload(UUID reportId, int attempt, String extension, String contentType,
			UploadRegistration registration) {
		String key = registration.register(() -> allocate(reportId, attempt, extension));
		return upload(key, contentType);
	}

	/**
	 * Completes several uploads of this store ({@link FileUpload#complete()}), in order.
	 * One after the other by default; a store that writes small files in the caller's
	 * transaction may write them all with one statement.
	 * @param uploads the uploads, each from this store
	 * @return the stored files, in the same order
	 * @throws java.io.UncheckedIOException if the store did not take one (a transient
	 * failure); those completed before it may be kept
	 */
	default List<StoredFile> completeAll(List<FileUpload> uploads) {
		List<StoredFile> stored = new ArrayList<>(uploads.size());
		for (FileUpload upload : uploads) {
			stored.add(upload.complete());
		}
		return stored;
	}

	/**
	 * What the store holds under a key.
	 * @param key the key
	 * @return its size, or empty if nothing is stored under it
	 */
	Optional<Long> size(String key);

	/**
	 * Reads a stored file, or a range of it.
	 * @param key the key
	 * @param offset the first byte to read
	 * @param length how many bytes to read, or {@code -1} for all to the end
	 * @return the bytes; close it to release what the read holds (a connection)
	 * @throws FileMissingException if nothing is stored under the key
	 */
	InputStream read(String key, long offset, long length);

	/**
	 * A URL that downloads the file without passing through the API, where the store can
	 * make one.
	 * @param key the key
	 * @param fileName the name to save it as
	 * @param contentType its media type
	 * @param validity how long the URL works
	 * @return the URL, or empty if this store makes none
	 */
	Optional<URI> presignedDownload(String key, String fileName, String contentType, Duration validity);

	/**
	 * Deletes a file, or what an unfinished upload left; nothing if there is none.
	 * @param key the key
	 */
	void delete(String key);

	/**
	 * Registers a new file's key as an upload in progress, so a file left behind by a
	 * worker that died can be found and deleted.
	 */
	@FunctionalInterface
	interface UploadRegistration {

		/**
		 * Allocates the key and registers it, in one transaction of the report database.
		 * @param allocate allocates the key ({@link FileStore#allocate}), joining that
		 * transaction if the store keeps its files in the database
		 * @return the key, registered once this returns
		 */
		String register(Supplier<String> allocate);

	}

}
