package dev.offload.api.report;

import org.springframework.core.io.Resource;

/**
 * A finished report's file, ready to be streamed.
 *
 * @param fileName the name to offer the file under
 * @param contentType its media type
 * @param size its size in bytes
 * @param sha256 the SHA-256 of its bytes, 64 hex digits
 * @param content its bytes, read from the store as they are sent
 */
record ReportFile(String fileName, String contentType, long size, String sha256, Resource content) {

}
