package dev.offload.model.files;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Counts the bytes written through it and computes their SHA-256, for a store to record
 * with the file without reading it again.
 */
final class DigestingOutputStream extends FilterOutputStream {

	private final MessageDigest digest;

	private long size;

	DigestingOutputStream(OutputStream out) {
		super(out);
		try {
			this.digest = MessageDigest.getInstance("SHA-256");
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("Every JVM has SHA-256", ex);
		}
	}

	@Override
	public void write(int b) throws IOException {
		this.out.write(b);
		this.digest.update((byte) b);
		this.size++;
	}

	@Override
	public void write(byte[] b, int off, int len) throws IOException {
		this.out.write(b, off, len);
		this.digest.update(b, off, len);
		this.size += len;
	}

	/**
	 * Closing the stream handed to a writer must not end the upload: only
	 * {@link FileUpload#complete()} does.
	 */
	@Override
	public void close() throws IOException {
		flush();
	}

	long size() {
		return this.size;
	}

	String sha256() {
		return HexFormat.of().formatHex(this.digest.digest());
	}

}
