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
	 * A file whose key the store has already allocated (S3's, or a large one in the
	 * database, registered when it outgrew the store's buffer) is completed first, so the
	 * recording transaction holds a connection only for its statements. One without a key
	 * yet (a small one in the database) is completed inside that transaction, which
	 * creates it with its bytes: it commits with the outcome or it is gone.
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
	 * @throws RecordingFailedException if the file was built and recording it failed
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
		boolean completed = false;
		try (upload) {
			DocumentWriter document = this.writers.open(format, upload.stream());
			try {
				definition.build(parameters, progress, document);
				document.finish();
			}
			catch (RuntimeException | Error ex) {
				// Its temporary files (an XLSX sheet's rows, a PDF's pages) and an XLSX
				// document's deflating thread go now, not when the worker stops.
				try {
					document.abandon();
				}
				catch (RuntimeException | Error abandonFailure) {
					ex.addSuppressed(abandonFailure);
				}
				throw ex;
			}
			upload.stream().flush();
			boolean inRecording = upload.key().isEmpty();
			Supplier<StoredFile> file;
			if (inRecording) {
				file = upload::complete;
			}
			else {
				StoredFile stored = upload.complete();
				file = () -> stored;
			}
			completed = true;
			Optional<StoredFile> recorded = record(claim, file, fileName, format.contentType());
			if (recorded.isEmpty()) {
				if (!inRecording) {
					upload.key().ifPresent(this::discard);
				}
				return Optional.empty();
			}
			return Optional.of(new ReportFile(fileName, format.contentType(), recorded.get()));
		}
		catch (IOException ex) {
			upload.key().ifPresent(this::discard);
			throw new UncheckedIOException(ex);
		}
		catch (RecordingFailedException ex) {
			throw ex;
		}
		catch (RuntimeException ex) {
			// A file that was never completed is referenced by nothing and goes at once.
			// One completed may be the report's (this can be the upload's close failing
			// after the outcome was recorded): it is left to retention.
			if (!completed) {
				upload.key().ifPresent(this::discard);
			}
			throw ex;
		}
	}

	/**
	 * Records the file, telling a failure apart from one of the build: the report's time
	 * limit does not apply to it, and the file is not deleted, since the outcome may have
	 * committed with only its reply lost (retention removes the file if it did not).
	 */
	private Optional<StoredFile> record(Claim claim, Supplier<StoredFile> file, String fileName, String contentType) {
		try {
			return this.reports.succeed(claim, file, fileName, contentType);
		}
		catch (RuntimeException ex) {
			throw new RecordingFailedException(ex);
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

	/**
	 * Recording a built report's file and outcome failed: {@link #getCause()} is the
	 * failure, to be handled as it would be outside the build.
	 */
	static final class RecordingFailedException extends RuntimeException {

		RecordingFailedException(RuntimeException cause) {
			super(cause.getMessage(), cause);
		}

		@Override
		public synchronized RuntimeException getCause() {
			return (RuntimeException) super.getCause();
		}

	}

}
