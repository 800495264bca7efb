package dev.offload.model.files;

import java.io.OutputStream;
import java.util.Optional;

/**
 * A file being written to a {@link FileStore}, as it is rendered.
 */
public interface FileUpload extends AutoCloseable {

	/**
	 * Where the file's bytes go. Closing it does not complete the upload.
	 * @return the stream
	 */
	OutputStream stream();

	/**
	 * The file's key, once the store has allocated it: at once for an upload of a key
	 * allocated beforehand; for one that allocates its key when it needs it, at the
	 * latest when it is completed.
	 * @return the key, or empty if none has been allocated yet
	 */
	Optional<String> key();

	/**
	 * Makes the file durable: once this returns, the store keeps it. A store that writes
	 * the file in a Spring-managed transaction the caller has open on the report database
	 * ({@link FileStore#upload(java.util.UUID, int, String, String, FileStore.UploadRegistration)})
	 * keeps it once that transaction commits.
	 * @return the stored file, with its size and SHA-256
	 * @throws java.io.UncheckedIOException if the store did not take it (a transient
	 * failure)
	 */
	StoredFile complete();

	/** Abandons an upload that was not completed, removing what it wrote. */
	@Override
	void close();

}
