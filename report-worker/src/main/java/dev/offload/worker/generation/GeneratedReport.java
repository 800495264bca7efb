package dev.offload.worker.generation;

import java.util.Objects;

/**
 * A finished report file. Reports are summaries (kilobytes to a few megabytes), so they
 * are held in memory and stored beside their report row.
 *
 * @param fileName the name the file is downloaded as
 * @param contentType its media type
 * @param content its bytes
 */
record GeneratedReport(String fileName, String contentType, byte[] content) {

	GeneratedReport {
		Objects.requireNonNull(fileName, "fileName");
		Objects.requireNonNull(contentType, "contentType");
		Objects.requireNonNull(content, "content");
	}

	/**
	 * The size of the file.
	 * @return the size in bytes
	 */
	long size() {
		return this.content.length;
	}

}
