package dev.offload.model.files;

import java.io.OutputStream;

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
	 * Makes the file durable: once this returns, the store keeps it.
	 * @return the stored file, with its size and SHA-256
	 * @throws java.io.UncheckedIOException if the store did not take it (a transient
	 * failure)
	 */
	StoredFile complete();

	/** Abandons an upload that was not completed, removing what it wrote. */
	@Override
	void close();

}
