package dev.offload.model.files;

import java.util.Objects;

/**
 * A file a {@link FileStore} holds.
 *
 * @param store the store's name
 * @param key its key there
 * @param size its size in bytes
 * @param sha256 the SHA-256 of its bytes, 64 lower-case hex digits
 */
public record StoredFile(String store, String key, long size, String sha256) {

	/** Checks that every field is present. */
	public StoredFile {
		Objects.requireNonNull(store, "store");
		Objects.requireNonNull(key, "key");
		Objects.requireNonNull(sha256, "sha256");
	}

}
