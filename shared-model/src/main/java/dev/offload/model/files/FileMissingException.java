package dev.offload.model.files;

/**
 * A file a report names is not in its store.
 */
public class FileMissingException extends RuntimeException {

	/**
	 * Creates the exception.
	 * @param store the store's name
	 * @param key the key that holds nothing
	 */
	public FileMissingException(String store, String key) {
		super("No file in store '" + store + "' under key '" + key + "'");
	}

}
