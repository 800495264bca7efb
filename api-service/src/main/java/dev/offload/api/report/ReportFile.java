package dev.offload.api.report;

import java.net.URI;

import org.springframework.core.io.Resource;

/**
 * A finished report's file, ready to be streamed.
 *
 * @param fileName the name to offer the file under
 * @param contentType its media type
 * @param size its size in bytes
 * @param sha256 the SHA-256 of its bytes, 64 hex digits
 * @param content its bytes, read from the store as they are sent
 * @param redirect a presigned URL of the store to send the client to instead, or
 * {@code null} to stream the file through the API
 */
record ReportFile(String fileName, String contentType, long size, String sha256, Resource content, URI redirect) {

	ReportFile(String fileName, String contentType, long size, String sha256, Resource content) {
		this(fileName, contentType, size, sha256, content, null);
	}

}
