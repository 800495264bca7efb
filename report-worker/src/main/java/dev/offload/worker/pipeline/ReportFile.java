package dev.offload.worker.pipeline;

import java.util.Objects;

import dev.offload.model.files.StoredFile;

/**
 * A built report's file, durable in its store and not yet recorded with its report.
 *
 * @param fileName the name it is downloaded as
 * @param contentType its media type
 * @param file where it is stored, its size and SHA-256
 */
record ReportFile(String fileName, String contentType, StoredFile file) {

	ReportFile {
		Objects.requireNonNull(fileName, "fileName");
		Objects.requireNonNull(contentType, "contentType");
		Objects.requireNonNull(file, "file");
	}

}
