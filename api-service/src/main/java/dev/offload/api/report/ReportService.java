package dev.offload.api.report;

import java.net.URI;
import java.time.Clock;
import java.util.Optional;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.offload.model.DownloadLinkSignature;
import dev.offload.model.Owner;
import dev.offload.model.ReportStatus;
import dev.offload.model.files.FileStore;
import dev.offload.model.files.FileStoreProperties;
import dev.offload.model.files.FileStores;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Accepts report requests and answers questions about a caller's reports.
 * <p>
 * Accepting a report is one insert, a statement that commits on its own (and that the
 * requests accepted at the same moment share: {@link Admissions}): the row is both the
 * report and the outbox entry of its task, so a report is either accepted and will be
 * published, or not stored at all. Nothing talks to RabbitMQ on the request path; after
 * commit the outbox relay is woken and publishes the task within milliseconds. The API
 * never changes a report's status after that; the worker does.
 */
@Service
class ReportService {

	private static final Logger logger = LoggerFactory.getLogger(ReportService.class);

	private final Reports reports;

	private final Admissions admissions;

	private final ApplicationEventPublisher events;

	private final Backpressure backpressure;

	private final ReportMetrics metrics;

	private final DownloadLinkSignature downloadLinks;

	private final Clock clock = Clock.systemUTC();

	private final FileStores files;

	private final FileStoreProperties.S3 s3;

	ReportService(Reports reports, Admissions admissions, ApplicationEventPublisher events, Backpressure backpressure,
			ReportMetrics metrics, DownloadLinkProperties downloadLinks, FileStores files,
			FileStoreProperties fileStoreProperties) {
		this.reports = reports;
		this.admissions = admissions;
		this.files = files;
		this.s3 = fileStoreProperties.s3();
		this.events = events;
		this.backpressure = backpressure;
		this.metrics = metrics;
		this.downloadLinks = new DownloadLinkSignature(downloadLinks.secret());
	}

	/**
	 * Accepts a report, or returns the one the owner already created with the same
	 * idempotency key.
	 * @param owner the authenticated caller
	 * @param specification the validated request
	 * @param idempotencyKey the client's key, or {@code null}
	 * @return the QUEUED report (or, on a replay, the earlier report as it is now)
	 * @throws IdempotencyKeyReusedException if the key was used for a different request
	 * @throws ReportLimitExceededException if the owner or the system has too much
	 * unfinished work
	 */
	Report create(Owner owner, ReportSpecification specification, String idempotencyKey) {
		// No transaction: every statement here commits on its own, and the one that
		// accepts the report is a single insert that also checks the per-user limit,
		// rather than a count, an insert and a commit; requests accepted at the same
		// moment share it (group commit, Admissions). It runs in a short transaction of
		// its own only to keep its plan (Reports.admitAll).
		if (idempotencyKey != null) {
			// A replay of an accepted request is answered as before, whatever the load.
			Report existing = this.reports.findByIdempotencyKey(owner.userId(), idempotencyKey).orElse(null);
			if (existing != null) {
				return replayed(existing, specification, idempotencyKey);
			}
		}
		this.backpressure.checkBacklog();
		Reports.Admission admission = this.admissions.admit(new Reports.NewReport(UUID.randomUUID(), owner,
				specification, idempotencyKey, this.backpressure.maxUnfinishedPerUser()));
		Report created = admission.report();
		if (created != null) {
			// Committed already: the relay is woken at once (TaskRelay listens with
			// fallbackExecution).
			this.events.publishEvent(new ReportAccepted(created.id()));
			this.metrics.requested(created.type());
			logger.info("Accepted report {} ({} as {}) for {}", created.id(), created.type(), created.format(),
					owner.userId());
			return created;
		}
		if (admission.unfinished() >= this.backpressure.maxUnfinishedPerUser()) {
			throw this.backpressure.tooManyUnfinished();
		}
		// The insert found the key taken; a concurrent request with the same key has
		// committed by now (the insert waited for it), so the row is there to read.
		Report existing = this.reports.findByIdempotencyKey(owner.userId(), idempotencyKey)
			.orElseThrow(() -> new IllegalStateException("Idempotency-Key conflict without a report"));
		return replayed(existing, specification, idempotencyKey);
	}

	private Report replayed(Report existing, ReportSpecification specification, String idempotencyKey) {
		if (!existing.isFor(specification)) {
			throw new IdempotencyKeyReusedException(idempotencyKey);
		}
		logger.info("Replayed Idempotency-Key for report {}", existing.id());
		return existing;
	}

	/**
	 * Cancels one of the owner's reports that has not finished. A worker checks the
	 * status when it claims the report and whenever it records progress, so a cancelled
	 * report is never stored.
	 * @param owner the authenticated caller
	 * @param id the report's id
	 * @return the cancelled report
	 * @throws ReportNotFoundException if the owner has no such report
	 * @throws ReportNotCancellableException if it has already finished
	 */
	@Transactional
	Report cancel(Owner owner, UUID id) {
		if (!this.reports.cancel(id, owner.userId())) {
			Report report = get(owner, id);
			throw new ReportNotCancellableException(id, report.status());
		}
		logger.info("Cancelled report {} for {}", id, owner.userId());
		Report cancelled = get(owner, id);
		this.events.publishEvent(new ReportCancelled(cancelled.id(), owner, cancelled.type(), cancelled.format()));
		return cancelled;
	}

	/**
	 * One of the owner's reports. One statement, so no transaction: a read-only one would
	 * add a BEGIN and a COMMIT (a round trip of its own) to every status poll.
	 * @param owner the authenticated caller
	 * @param id the report's id
	 * @return the report as it is now
	 * @throws ReportNotFoundException if the owner has no such report
	 */
	Report get(Owner owner, UUID id) {
		return this.reports.findById(id, owner.userId()).orElseThrow(() -> new ReportNotFoundException(id));
	}

	/**
	 * A page of the owner's reports, newest first. One more report than the page holds is
	 * read, which tells whether a next page exists without counting anything.
	 * @param owner the authenticated caller
	 * @param status only reports in this status, or {@code null} for all
	 * @param after where the previous page ended, or {@code null} for the newest reports
	 * @param limit the page size
	 * @return the page (one statement, so no transaction, like {@link #get})
	 */
	ReportPage list(Owner owner, ReportStatus status, ReportCursor after, int limit) {
		return ReportPage.of(this.reports.findPage(owner.userId(), status, after, limit + 1), status, limit);
	}

	/**
	 * The file of one of the owner's reports.
	 * @param owner the authenticated caller
	 * @param id the report's id
	 * @return the file
	 * @throws ReportNotFoundException if the owner has no such report
	 * @throws ReportFileNotReadyException if the report has not succeeded
	 * @throws ReportFileGoneException if the retention job deleted the file
	 */
	@Transactional(readOnly = true)
	ReportFile file(Owner owner, UUID id) {
		return fileOf(owner.userId(), id);
	}

	private ReportFile fileOf(String ownerId, UUID id) {
		Report report = this.reports.findById(id, ownerId).orElseThrow(() -> new ReportNotFoundException(id));
		if (report.status() != ReportStatus.SUCCEEDED) {
			throw new ReportFileNotReadyException(id, report.status());
		}
		Optional<Reports.StoredFileRecord> stored = this.reports.findStoredFile(id, ownerId);
		if (stored.isPresent()) {
			return open(id, stored.get());
		}
		return this.reports.findLegacyFile(id, ownerId)
			.orElseThrow(() -> this.reports.fileDeletedAt(id)
				.<RuntimeException>map((deletedAt) -> new ReportFileGoneException(id, deletedAt))
				.orElseGet(() -> new ReportNotFoundException("Report " + id + " has no stored file")));
	}

	/**
	 * A recorded file, checked against its store before a byte is sent: missing, or of
	 * another size than recorded, is a problem response and a metric rather than a
	 * truncated download.
	 */
	private ReportFile open(UUID id, Reports.StoredFileRecord file) {
		try {
			return checked(id, file);
		}
		catch (StoredFileDamagedException ex) {
			logger.error("Refusing a download: {}", ex.getMessage());
			this.metrics.damagedFile(ex.reason());
			throw ex;
		}
	}

	private ReportFile checked(UUID id, Reports.StoredFileRecord file) {
		FileStore store = this.files.named(file.store())
			.orElseThrow(() -> new StoredFileDamagedException(id, "other-store",
					"is in store '" + file.store() + "', which this API is not configured for"));
		Optional<Long> size;
		try {
			size = store.size(file.key());
		}
		catch (java.io.UncheckedIOException ex) {
			logger.warn("Cannot serve report {}: file store {} is unavailable: {}", id, store.name(), ex.getMessage());
			throw new FileStoreUnavailableException(id, store.name(), ex);
		}
		if (size.isEmpty()) {
			throw new StoredFileDamagedException(id, "missing", "is missing from its store");
		}
		if (size.get() != file.size()) {
			throw new StoredFileDamagedException(id, "size-differs",
					"has " + size.get() + " bytes in its store, " + file.size() + " recorded");
		}
		URI redirect = null;
		if (store.name().equals(dev.offload.model.files.S3FileStore.NAME) && this.s3.presignedDownloads()) {
			redirect = store
				.presignedDownload(file.key(), ReportController.safeFileName(file.fileName()), file.contentType(),
						this.s3.presignedValidity())
				.orElse(null);
		}
		return new ReportFile(file.fileName(), file.contentType(), file.size(), file.sha256(),
				new StoredFileResource(store, file.key(), file.size()), redirect);
	}

	/**
	 * The file of a report, for a signed download link instead of a signed-in owner. The
	 * signature covers the report, its owner and the expiry, so it is checked against the
	 * report's owner as stored.
	 * @param id the report's id
	 * @param expiresEpochSecond the expiry the link carries
	 * @param signature the signature the link carries
	 * @return the file
	 * @throws DownloadLinkRejectedException if the signature does not match or the link
	 * has expired
	 * @throws ReportFileNotReadyException if the report has not succeeded
	 */
	@Transactional(readOnly = true)
	ReportFile signedFile(UUID id, long expiresEpochSecond, String signature) {
		String ownerId = this.reports.findOwnerId(id).orElseThrow(DownloadLinkRejectedException::invalid);
		if (!this.downloadLinks.matches(id, ownerId, expiresEpochSecond, signature)) {
			throw DownloadLinkRejectedException.invalid();
		}
		if (this.clock.instant().getEpochSecond() > expiresEpochSecond) {
			throw DownloadLinkRejectedException.expired();
		}
		return fileOf(ownerId, id);
	}

}
