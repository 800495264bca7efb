package dev.offload.worker.pipeline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import dev.offload.model.ReportEvent;
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
	 * SUCCEEDED ({@link Reports#succeed}): {@link #write} and {@link #record} in one.
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
		return record(write(task, claim, definition, parameters, progress));
	}

	/**
	 * Builds a report into its file, ready to be recorded ({@link #record},
	 * {@link #recordAll}).
	 * <p>
	 * A file whose key the store has already allocated (S3's, or a large one in the
	 * database, registered when it outgrew the store's buffer) is completed here, so the
	 * recording transaction holds a connection only for its statements. One without a key
	 * yet (a small one in the database) is completed inside that transaction, which
	 * creates it with its bytes: it commits with the outcome or it is gone.
	 * @param task the task
	 * @param claim this worker's claim on the report
	 * @param definition the report type
	 * @param parameters its parameters
	 * @param progress told how far it is
	 * @return the written file, which holds its upload open until it is recorded or
	 * closed
	 */
	WrittenFile write(ReportTask task, Claim claim, ReportDefinition definition, ReportParameters parameters,
			ReportProgress progress) {
		ReportFormat format = task.format();
		String fileName = definition.fileName(parameters) + "." + format.extension();
		// The key is registered before the store writes anything durable under it
		// outside the recording transaction. Nothing is left behind should the
		// registration fail: an object the store created in the database rolls back with
		// it, and an S3 key is only a name.
		FileUpload upload = this.store.upload(task.reportId(), claim.attempt(), format.extension(),
				format.contentType(), (allocate) -> this.reports.registerUpload(this.store.name(), claim, allocate));
		boolean handedOver = false;
		try {
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
			StoredFile completed = upload.key().isEmpty() ? null : upload.complete();
			handedOver = true;
			return new WrittenFile(task, claim, upload, fileName, format.contentType(), completed);
		}
		catch (IOException ex) {
			upload.key().ifPresent(this::discard);
			throw new UncheckedIOException(ex);
		}
		catch (RuntimeException ex) {
			// A file that was never completed is referenced by nothing and goes at once.
			upload.key().ifPresent(this::discard);
			throw ex;
		}
		finally {
			if (!handedOver) {
				upload.close();
			}
		}
	}

	/**
	 * Records a written file with its report, marking the report SUCCEEDED
	 * ({@link Reports#succeed}), and closes it.
	 * <p>
	 * Should recording fail, a file the store wrote outside the recording transaction
	 * stays registered as an unfinished upload and retention removes it (the outcome may
	 * have committed, with the reply lost, so it is not deleted here); the retry builds a
	 * new one.
	 * @param written the file
	 * @return the recorded file, or empty if the claim was lost meanwhile (the report was
	 * cancelled or taken over): then nothing was recorded and the file is deleted
	 * @throws RecordingFailedException if recording failed
	 */
	Optional<ReportFile> record(WrittenFile written) {
		try (written) {
			Reports.Succeeded recorded;
			try {
				recorded = this.reports.succeed(written.recording());
			}
			catch (RuntimeException ex) {
				throw new RecordingFailedException(ex);
			}
			if (!recorded.recorded()) {
				// One created in the recording transaction was rolled back with it.
				written.completedKey().ifPresent(this::discard);
				return Optional.empty();
			}
			return Optional.of(written.recorded(recorded));
		}
	}

	/**
	 * Records several written files with their reports in one transaction
	 * ({@link Reports#succeedAll}), and closes them: one commit for all instead of one
	 * each. Should it fail, nothing is recorded, as with {@link #record}.
	 * @param written the files
	 * @return for each file in order, the recorded file, or empty if its claim was lost
	 * meanwhile: then its report was not recorded and the file is deleted
	 * @throws RecordingFailedException if recording failed
	 */
	List<Optional<ReportFile>> recordAll(List<WrittenFile> written) {
		try {
			List<Reports.Succeeded> recorded;
			try {
				Map<Reports.Recording, WrittenFile> files = new IdentityHashMap<>();
				List<Reports.Recording> recordings = new ArrayList<>(written.size());
				for (WrittenFile file : written) {
					Reports.Recording recording = file.recording();
					files.put(recording, file);
					recordings.add(recording);
				}
				recorded = this.reports.succeedAll(recordings,
						(held) -> complete(held.stream().map(files::get).toList()));
			}
			catch (RuntimeException ex) {
				throw new RecordingFailedException(ex);
			}
			List<Optional<ReportFile>> files = new ArrayList<>(written.size());
			for (int i = 0; i < written.size(); i++) {
				Reports.Succeeded outcome = recorded.get(i);
				if (!outcome.recorded()) {
					// Its claim was lost: a file completed beforehand is referenced by
					// nothing (one to be created in the transaction never was).
					written.get(i).completedKey().ifPresent(this::discard);
				}
				files.add(outcome.recorded() ? Optional.of(written.get(i).recorded(outcome)) : Optional.empty());
			}
			return files;
		}
		finally {
			written.forEach(WrittenFile::close);
		}
	}

	/**
	 * Completes written files inside the recording transaction: those the store has not
	 * completed yet, together ({@link FileStore#completeAll}).
	 */
	private List<StoredFile> complete(List<WrittenFile> written) {
		List<FileUpload> pending = new ArrayList<>();
		for (WrittenFile file : written) {
			if (file.completed() == null) {
				pending.add(file.upload());
			}
		}
		Iterator<StoredFile> completed = this.store.completeAll(pending).iterator();
		List<StoredFile> files = new ArrayList<>(written.size());
		for (WrittenFile file : written) {
			files.add((file.completed() != null) ? file.completed() : completed.next());
		}
		return files;
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
	 * A report's file, built and not yet recorded: it holds the store's upload open, for
	 * a file created in the recording transaction, until it is closed.
	 *
	 * @param task the report's task
	 * @param claim the claim that wrote it
	 * @param upload the upload
	 * @param fileName the name it is downloaded as
	 * @param contentType its media type
	 * @param completed the file, if the store completed it already; {@code null} if it is
	 * completed in the recording transaction
	 */
	record WrittenFile(ReportTask task, Claim claim, FileUpload upload, String fileName, String contentType,
			StoredFile completed) implements AutoCloseable {

		Supplier<StoredFile> file() {
			return (this.completed != null) ? () -> this.completed : this.upload::complete;
		}

		/**
		 * The key of a file completed before its recording, which outlives a rollback.
		 */
		Optional<String> completedKey() {
			return Optional.ofNullable(this.completed).map(StoredFile::key);
		}

		/**
		 * What {@link Reports} records for it: the report's SUCCEEDED event tells the
		 * stored file's size.
		 */
		Reports.Recording recording() {
			return new Reports.Recording(this.claim, file(), this.fileName, this.contentType,
					(stored) -> ReportPipeline.event(this.task, ReportEvent.Type.SUCCEEDED, 100, stored.size(), null));
		}

		ReportFile recorded(Reports.Succeeded succeeded) {
			return new ReportFile(this.fileName, this.contentType, succeeded.file(), succeeded.outcome(),
					succeeded.mailedWithOutcome());
		}

		@Override
		public void close() {
			this.upload.close();
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
