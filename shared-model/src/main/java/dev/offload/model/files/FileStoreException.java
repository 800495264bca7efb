package dev.offload.model.files;

/**
 * A file store refused a request in a way that trying again will not change (access
 * denied, no such bucket): a setting to fix, not a transient failure.
 */
public class FileStoreException extends RuntimeException {

	/**
	 * Creates the exception.
	 * @param message what was refused, and why
	 * @param cause the store's own error
	 */
	public FileStoreException(String message, Throwable cause) {
		super(message, cause);
	}

}
