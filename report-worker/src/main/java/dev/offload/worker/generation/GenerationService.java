package dev.offload.worker.generation;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import dev.offload.model.ReportEvent;
import dev.offload.model.ReportStatus;
import dev.offload.model.ReportTask;
import dev.offload.model.ReportType;
import dev.offload.worker.WorkerProperties;
import dev.offload.worker.generation.Reports.Claim;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.amqp.AmqpException;
import org.springframework.stereotype.Service;

/**
 * Builds the report a task asks for: claims it, runs its generator, stores the file and
 * publishes what happened.
 * <p>
 * Tasks are delivered at least once, so this is idempotent: a report is claimed by a
 * conditional status update, and a task whose report is finished or being built by a live
 * worker does nothing.
 */
@Service
class GenerationService {

	private static final Logger logger = LoggerFactory.getLogger(GenerationService.class);

	private static final int MAX_ERROR_LENGTH = 500;

	private final Reports reports;

	private final ReportEventPublisher events;

	private final Map<ReportType, ReportGenerator> generators = new EnumMap<>(ReportType.class);

	private final Duration lease;

	private final Duration progressInterval;

	private final MeterRegistry meters;

	GenerationService(Reports reports, ReportEventPublisher events, List<ReportGenerator> generators,
			WorkerProperties properties, MeterRegistry meters) {
		this.reports = reports;
		this.events = events;
		for (ReportGenerator generator : generators) {
			ReportGenerator previous = this.generators.put(generator.type(), generator);
			if (previous != null) {
				throw new IllegalStateException("Two generators for " + generator.type() + ": "
						+ previous.getClass().getName() + " and " + generator.getClass().getName());
			}
		}
		this.lease = properties.leaseDuration();
		this.progressInterval = properties.progressInterval();
		this.meters = meters;
	}

	/**
	 * Builds the report of a task, unless it is not there to be built.
	 * @param task the task
	 * @param redelivered whether the broker delivered this task before: RabbitMQ does so
	 * only after the consumer that held it lost its channel, so a RUNNING report it names
	 * was abandoned by that consumer and may be taken over at once instead of after its
	 * lease
	 * @throws AmqpException if the outcome event could not be published; the report's
	 * status in PostgreSQL is final by then
	 */
	void generate(ReportTask task, boolean redelivered) {
		Optional<Claim> claimed = this.reports.claim(task.reportId(), this.lease, redelivered);
		if (claimed.isEmpty()) {
			skip(task);
			return;
		}
		Claim claim = claimed.get();
		logger.info("Building {} report as {} (attempt {})", task.type(), task.format(), claim.attempt());
		publishQuietly(event(task, ReportEvent.Type.RUNNING, 0, null, null));

		long started = System.nanoTime();
		GeneratedReport report;
		try {
			report = generator(task.type()).generate(task, new ThrottledProgress(task, claim));
		}
		catch (ClaimLostException ex) {
			logger.info("Stopped building the report: {}", ex.getMessage());
			return;
		}
		catch (RuntimeException ex) {
			fail(task, claim, ex);
			return;
		}

		if (!this.reports.succeed(claim, report)) {
			logger.info("Built the report but did not store it: it was cancelled or taken over meanwhile");
			return;
		}
		this.meters.counter("offload.reports.generated", "type", task.type().name()).increment();
		logger.info("Stored {} ({} bytes) after {} ms", report.fileName(), report.size(),
				Duration.ofNanos(System.nanoTime() - started).toMillis());
		this.events.publish(event(task, ReportEvent.Type.SUCCEEDED, 100, report.size(), null));
	}

	private void skip(ReportTask task) {
		Optional<ReportStatus> status = this.reports.status(task.reportId());
		if (status.isEmpty()) {
			logger.warn("Dropping task for unknown report (type {})", task.type());
		}
		else if (status.get().isFinished()) {
			logger.info("Dropping task: report is already {}", status.get());
		}
		else {
			logger.info("Dropping task: report is {} and held by a live worker", status.get());
		}
	}

	private ReportGenerator generator(ReportType type) {
		ReportGenerator generator = this.generators.get(type);
		if (generator == null) {
			throw new ReportParametersException("This worker cannot build " + type + " reports");
		}
		return generator;
	}

	private void fail(ReportTask task, Claim claim, RuntimeException ex) {
		Failure failure = Failure.of(ex);
		String error = failure.summary(ex);
		// Transient failures (database or broker unavailable, ...) fail the report too,
		// for now; this is where a retry with a delay will hand the report back to
		// QUEUED.
		switch (failure) {
			case PERMANENT -> logger.info("Report failed: {}", error);
			case TRANSIENT -> logger.error("Report failed on an unexpected error", ex);
		}
		if (!this.reports.fail(claim, error)) {
			logger.info("Not marking the report FAILED: it was cancelled or taken over meanwhile");
			return;
		}
		this.meters.counter("offload.reports.failed", "type", task.type().name(), "failure", failure.tag()).increment();
		this.events.publish(event(task, ReportEvent.Type.FAILED, 0, null, error));
	}

	/**
	 * Publishes a notification about a report in progress. RUNNING and PROGRESS events
	 * only feed live status; the status itself is in PostgreSQL, so losing one is not
	 * worth failing the report over.
	 */
	private void publishQuietly(ReportEvent event) {
		try {
			this.events.publish(event);
		}
		catch (AmqpException ex) {
			logger.warn("Could not publish {} event: {}", event.type(), ex.getMessage());
		}
	}

	private static ReportEvent event(ReportTask task, ReportEvent.Type type, int progress, Long fileSize,
			String error) {
		return new ReportEvent(task.reportId(), type, progress, Instant.now(), task.owner(), task.type(), task.format(),
				fileSize, error);
	}

	/**
	 * Whether building the report again could succeed. The split decides what a failed
	 * attempt leads to once retries exist.
	 */
	enum Failure {

		/** The task itself is wrong (bad parameters): trying again fails the same way. */
		PERMANENT,

		/**
		 * Something around the task failed (database, broker, a bug): it may pass later.
		 */
		TRANSIENT;

		static Failure of(RuntimeException ex) {
			// ReportParametersException is an IllegalArgumentException; generators also
			// reject bad input with the standard IllegalArgumentException.
			return (ex instanceof IllegalArgumentException) ? PERMANENT : TRANSIENT;
		}

		/**
		 * What the report's owner is told. A permanent failure's message says what to
		 * fix; a transient one's details (SQL, host names) stay in the log.
		 */
		String summary(RuntimeException ex) {
			String summary = switch (this) {
				case PERMANENT -> (ex.getMessage() != null) ? ex.getMessage() : ex.getClass().getSimpleName();
				case TRANSIENT -> "The report could not be built because of an internal error ("
						+ ex.getClass().getSimpleName() + "); please request it again later";
			};
			return (summary.length() > MAX_ERROR_LENGTH) ? summary.substring(0, MAX_ERROR_LENGTH) : summary;
		}

		String tag() {
			return name().toLowerCase(Locale.ROOT);
		}

	}

	/**
	 * Passes a generator's progress on at most once per progress interval: a conditional
	 * update of the report (which also renews the lease) and a PROGRESS event.
	 */
	private final class ThrottledProgress implements ProgressListener {

		private final ReportTask task;

		private final Claim claim;

		private long lastReportedNanos = System.nanoTime();

		private int lastPercent;

		ThrottledProgress(ReportTask task, Claim claim) {
			this.task = task;
			this.claim = claim;
		}

		@Override
		public void progress(int percent) {
			// 100 is only ever set together with the stored file.
			int bounded = Math.max(0, Math.min(99, percent));
			long now = System.nanoTime();
			if (bounded <= this.lastPercent
					|| now - this.lastReportedNanos < GenerationService.this.progressInterval.toNanos()) {
				return;
			}
			this.lastReportedNanos = now;
			this.lastPercent = bounded;
			if (!GenerationService.this.reports.progress(this.claim, bounded, GenerationService.this.lease)) {
				throw new ClaimLostException(this.claim.reportId());
			}
			publishQuietly(event(this.task, ReportEvent.Type.PROGRESS, bounded, null, null));
		}

	}

}
