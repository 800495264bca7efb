package dev.offload.api.report;

import java.io.InputStream;

import dev.offload.model.files.FileStore;

import org.springframework.core.io.AbstractResource;

/**
 * A stored report file as a Spring {@code Resource}, so Spring MVC streams it and answers
 * range requests ({@code 206}) from it; every read opens the file in its store, never the
 * whole file in memory.
 */
final class StoredFileResource extends AbstractResource {

	private final FileStore store;

	private final String key;

	private final long size;

	StoredFileResource(FileStore store, String key, long size) {
		this.store = store;
		this.key = key;
		this.size = size;
	}

	@Override
	public InputStream getInputStream() {
		return this.store.read(this.key, 0, -1);
	}

	@Override
	public long contentLength() {
		return this.size;
	}

	@Override
	public boolean exists() {
		return true;
	}

	@Override
	public boolean isReadable() {
		return true;
	}

	@Override
	public String getDescription() {
		return "report file " + this.store.name() + ":" + this.key;
	}

}
