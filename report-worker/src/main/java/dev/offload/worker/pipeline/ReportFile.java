package dev.offload.worker.pipeline;

import java.util.Objects;

import dev.offload.model.ReportEvent;
import dev.offload.model.files.StoredFile;

/**
 * A built report's file, durable in its store and recorded with its report, which is
 * SUCCEEDED.
 *
 * @param fileName the name it is downloaded as
 * @param contentType its media type
 * @param file where it is stored, its size and SHA-256
 * @param outcome the report's SUCCEEDED event, to publish
 * @param mailedWithOutcome whether it went with the email telling the report's owner, in
 * its transaction (its owner had no webhook endpoint): then no durable queue needs its
 * event
 */
record ReportFile(String fileName, String contentType, StoredFile file, ReportEvent outcome,
		boolean mailedWithOutcome) {

	ReportFile {
		Objects.requireNonNull(fileName, "fileName");
		Objects.requireNonNull(contentType, "contentType");
		Objects.requireNonNull(file, "file");
		Objects.requireNonNull(outcome, "outcome");
	}

}
