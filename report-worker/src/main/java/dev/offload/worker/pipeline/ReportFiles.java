package dev.offload.worker.pipeline;

import java.io.IOException;
import java.io.UncheckedIOException;

import dev.offload.model.ReportFormat;
import dev.offload.model.ReportTask;
import dev.offload.model.files.FileStore;
import dev.offload.model.files.FileUpload;
import dev.offload.model.files.StoredFile;
import dev.offload.worker.catalogue.ReportDefinition;
import dev.offload.worker.catalogue.ReportParameters;
import dev.offload.worker.catalogue.ReportProgress;
import dev.offload.worker.pipeline.Reports.Claim;
import dev.offload.worker.render.DocumentWriter;
import dev.offload.worker.render.DocumentWriters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.stereotype.Component;

/**
 * Builds a report straight into its file: the definition lays the report out, the
 * format's writer renders it, and the bytes go to the file store as they are written, so
 * no report is ever whole in memory.
 * <p>
 * The upload is registered before its first byte ({@code file_uploads}), so a file left
 * behind by a worker that died before recording its report is found and deleted by
 * retention; a build that fails or loses its claim deletes its file at once.
 */
@Component
class ReportFiles {

	private static final Logger logger = LoggerFactory.getLogger(ReportFiles.class);

	private final FileStore store;

	private final DocumentWriters writers;

	private final Reports reports;

	ReportFiles(FileStore store, DocumentWriters writers, Reports reports) {
		this.store = store;
		this.writers = writers;
		this.reports = reports;
	}

	/**
	 * Builds a report into a durable file.
	 * @param task the task
	 * @param claim this worker's claim on the report
	 * @param definition the report type
	 * @param parameters its parameters
	 * @param progress told how far it is
	 * @return the stored file, not yet recorded with the report
	 */
	ReportFile build(ReportTask task, Claim claim, ReportDefinition definition, ReportParameters parameters,
			ReportProgress progress) {
		ReportFormat format = task.format();
		// Nothing is left behind should this fail: an object the store created in the
		// database rolls back with the registration, and an S3 key is only a name.
		String key = this.reports.registerUpload(this.store.name(), claim,
				() -> this.store.allocate(task.reportId(), claim.attempt(), format.extension()));
		try (FileUpload upload = this.store.upload(key, format.contentType())) {
			DocumentWriter document = this.writers.open(format, upload.stream());
			try {
				definition.build(parameters, progress, document);
				document.finish();
			}
			catch (RuntimeException ex) {
				// Its temporary files (an XLSX sheet's rows, a PDF's pages) go now,
				// not when the worker stops.
				document.abandon();
				throw ex;
			}
			upload.stream().flush();
			StoredFile file = upload.complete();
			return new ReportFile(definition.fileName(parameters) + "." + format.extension(), format.contentType(),
					file);
		}
		catch (IOException ex) {
			discard(key);
			throw new UncheckedIOException(ex);
		}
		catch (RuntimeException ex) {
			discard(key);
			throw ex;
		}
	}

	/**
	 * Deletes a file that will not be recorded with its report (cancelled or taken over
	 * meanwhile), and its registration.
	 * @param file the file
	 */
	void discard(StoredFile file) {
		discard(file.key());
	}

	private void discard(String key) {
		try {
			this.store.delete(key);
			this.reports.forgetUpload(this.store.name(), key);
		}
		catch (RuntimeException ex) {
			// Retention deletes it: the upload stays registered.
			logger.warn("Could not delete the unused file {} now; retention will: {}", key, ex.getMessage());
		}
	}

}
