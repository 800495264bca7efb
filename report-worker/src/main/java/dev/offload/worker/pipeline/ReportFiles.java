package dev.offload.worker.pipeline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.function.Supplier;

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
 * The upload is registered before the store writes anything durable outside the
 * transaction that records the report ({@code file_uploads}), so a file left behind by a
 * worker that died before recording its report is found and deleted by retention; a build
 * that fails or loses its claim deletes its file at once. A small file in the embedded
 * store needs no registration: it is created in the recording transaction.
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
	 * Builds a report into a durable file and records it with the report, which is then
	 * SUCCEEDED ({@link Reports#succeed}).
	 * <p>
	 * Should recording fail, a file the store wrote outside the recording transaction
	 * stays registered as an unfinished upload and retention removes it (the outcome may
	 * have committed, with the reply lost, so it is not deleted here); the retry builds a
	 * new one.
	 * @param task the task
	 * @param claim this worker's claim on the report
	 * @param definition the report type
	 * @param parameters its parameters
	 * @param progress told how far it is
	 * @return the recorded file, or empty if the claim was lost meanwhile (the report was
	 * cancelled or taken over): then nothing was recorded and the file is deleted
	 */
	Optional<ReportFile> build(ReportTask task, Claim claim, ReportDefinition definition, ReportParameters parameters,
			ReportProgress progress) {
		ReportFormat format = task.format();
		String fileName = definition.fileName(parameters) + "." + format.extension();
		// The key is registered before the store writes anything durable under it
		// outside the recording transaction. Nothing is left behind should the
		// registration fail: an object the store created in the database rolls back with
		// it, and an S3 key is only a name.
		FileUpload upload = this.store.upload(task.reportId(), claim.attempt(), format.extension(),
				format.contentType(), (allocate) -> this.reports.registerUpload(this.store.name(), claim, allocate));
		Completion completion = new Completion(upload);
		try (upload) {
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
			Optional<StoredFile> recorded = this.reports.succeed(claim, completion, fileName, format.contentType());
			if (recorded.isEmpty()) {
				upload.key().ifPresent(this::discard);
				return Optional.empty();
			}
			return Optional.of(new ReportFile(fileName, format.contentType(), recorded.get()));
		}
		catch (IOException ex) {
			discardUnlessCompleted(completion, upload);
			throw new UncheckedIOException(ex);
		}
		catch (RuntimeException ex) {
			discardUnlessCompleted(completion, upload);
			throw ex;
		}
	}

	/**
	 * After a failure: a file that was never completed is referenced by nothing and goes
	 * at once. One completed when recording it failed may be the report's file (if the
	 * outcome committed and only its reply was lost), so it is left to retention, which
	 * removes it only while it is still registered as unfinished.
	 */
	private void discardUnlessCompleted(Completion completion, FileUpload upload) {
		if (!completion.completed) {
			upload.key().ifPresent(this::discard);
		}
	}

	/**
	 * Deletes a file that will not be recorded with its report, and its registration.
	 */
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

	/** Completes the upload, inside the recording transaction, and remembers it did. */
	private static final class Completion implements Supplier<StoredFile> {

		private final FileUpload upload;

		private boolean completed;

		Completion(FileUpload upload) {
			this.upload = upload;
		}

		@Override
		public StoredFile get() {
			StoredFile file = this.upload.complete();
			this.completed = true;
			return file;
		}

	}

}
