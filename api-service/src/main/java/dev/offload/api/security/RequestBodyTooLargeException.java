package dev.offload.api.security;

import java.io.IOException;

/**
 * A request body over the configured limit; answered 413. An {@link IOException}, so it
 * can be thrown from the body's input stream while a message converter reads it.
 */
public class RequestBodyTooLargeException extends IOException {

	private final long maxBytes;

	RequestBodyTooLargeException(long maxBytes) {
		super("The request body is larger than " + maxBytes + " bytes");
		this.maxBytes = maxBytes;
	}

	/**
	 * The limit that was exceeded.
	 * @return the most bytes a request body may have
	 */
	public long maxBytes() {
		return this.maxBytes;
	}

}
