package dev.offload.api.report;

import java.io.IOException;
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

	/**
	 * The file's bytes, opened in the store at the first read: Spring MVC serves a range
	 * by skipping to its start, which here only moves where the read will begin, so a
	 * range near the end of a large file reads only that range from the store.
	 */
	@Override
	public InputStream getInputStream() {
		return new PositionedInputStream();
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

	private final class PositionedInputStream extends InputStream {

		private long position;

		private InputStream open;

		private InputStream open() {
			if (this.open == null) {
				this.open = StoredFileResource.this.store.read(StoredFileResource.this.key, this.position, -1);
			}
			return this.open;
		}

		@Override
		public int read() throws IOException {
			int b = open().read();
			if (b >= 0) {
				this.position++;
			}
			return b;
		}

		@Override
		public int read(byte[] b, int off, int len) throws IOException {
			int n = open().read(b, off, len);
			if (n > 0) {
				this.position += n;
			}
			return n;
		}

		@Override
		public long skip(long n) throws IOException {
			if (this.open != null) {
				long skipped = this.open.skip(n);
				this.position += skipped;
				return skipped;
			}
			long skipped = Math.max(0, Math.min(n, StoredFileResource.this.size - this.position));
			this.position += skipped;
			return skipped;
		}

		@Override
		public void close() throws IOException {
			if (this.open != null) {
				this.open.close();
			}
		}

	}

}
