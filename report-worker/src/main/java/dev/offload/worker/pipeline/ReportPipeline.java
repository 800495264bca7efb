package dev.offload.worker.pipeline;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import dev.offload.model.ReportEvent;
import dev.offload.model.ReportStatus;
import dev.offload.model.ReportTask;
import dev.offload.worker.TransientFailures;
import dev.offload.worker.WorkerProperties;
import dev.offload.worker.catalogue.Catalogue;
import dev.offload.worker.catalogue.ReportDefinition;
import dev.offload.worker.catalogue.ReportParameters;
import dev.offload.worker.catalogue.ReportParametersException;
import dev.offload.worker.catalogue.ReportProgress;
import dev.offload.worker.pipeline.Reports.Claim;
import dev.offload.worker.pipeline.Reports.Outcome;
import dev.offload.model.files.StoredFile;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import org.springframework.amqp.AmqpException;
import org.springframework.amqp.ImmediateRequeueAmqpException;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.stereotype.Service;
import org.springframework.transaction.TransactionSystemException;

/**
 * Runs the task pipeline for any report type: claims the report, builds it with the
 * type's {@link ReportDefinition} from the catalogue into a stored file
 * ({@link ReportFiles}), records the outcome and publishes what happened. It knows
 * nothing of what a report contains.
 * <p>
 * Tasks are delivered at least once, so this is idempotent: a report is claimed by a
 * conditional status update, and a task whose report is finished or being built by a live
 * worker does nothing.
 * <p>
 * What a failure leads to:
 * <ul>
 * <li>Bad parameters, a report past its time limit, a bug: the report fails at once and
 * its owner is told.</li>
 * <li>A transient failure ({@link TransientFailures}): the report is handed back to
 * QUEUED and its task goes to a retry queue for the next delay; after the last delay the
 * report fails, its owner is told, and the task is parked in
 * {@code reports.generate.dlq}.</li>
 * <li>If even that cannot be published, this throws
 * {@link ImmediateRequeueAmqpException}: the delivery is requeued rather than
 * acknowledged or dead-lettered.</li>
 * </ul>
 * What the owner is told is a summary chosen by the {@link Failure}; the exception
 * itself, whose message may name hosts, SQL or the broker, goes only to the log (with the
 * report id, which the listener puts in the MDC) and, for a parked task, to the dead
 * letter's reason header for operators.
 */
@Service
class ReportPipeline implements DisposableBean {

	private static final Logger logger = LoggerFactory.getLogger(ReportPipeline.class);

	/**
	 * The longest a report type may have lately taken to build, on average, for its
	 * reports to be claimed ahead, several at a time ({@link #generateAll}).
	 */
	static final Duration QUICK_BUILD = Duration.ofMillis(50);

	/**
	 * The longest reports claimed ahead are kept waiting: a run that takes longer lets go
	 * of the reports it has not started. Also the longest a quick report's RUNNING event
	 * is held back ({@link RunningEvent}).
	 */
	static final Duration QUICK_RUN = Duration.ofMillis(250);

	private final Reports reports;

	private final ReportEventPublisher events;

	private final ConfirmedPublisher publisher;

	private final TaskRetries retries;

	private final Catalogue catalogue;

	private final ReportFiles files;

	private final Duration lease;

	private final Duration progressInterval;

	private final Duration reportTimeout;

	private final Duration confirmTimeout;

	private final MeterRegistry meters;

	private final BuildTimes buildTimes = new BuildTimes(QUICK_BUILD);

	/**
	 * Publishes the RUNNING events held back past {@link #QUICK_RUN}: one thread, which
	 * only publishes (the confirms are awaited by the reports' own threads).
	 */
	private final ScheduledThreadPoolExecutor heldEvents;

	ReportPipeline(Reports reports, ReportEventPublisher events, ConfirmedPublisher publisher, TaskRetries retries,
			Catalogue catalogue, ReportFiles files, WorkerProperties properties, MeterRegistry meters) {
		this.reports = reports;
		this.events = events;
		this.publisher = publisher;
		this.retries = retries;
		this.catalogue = catalogue;
		this.files = files;
		this.lease = properties.leaseDuration();
		this.progressInterval = properties.progressInterval();
		this.reportTimeout = properties.reportTimeout();
		this.confirmTimeout = properties.publishConfirmTimeout();
		this.meters = meters;
		this.heldEvents = new ScheduledThreadPoolExecutor(1, (task) -> {
			Thread thread = new Thread(task, "held-running-events");
			thread.setDaemon(true);
			return thread;
		});
		// A report settled in time cancels its timer: nothing of it is kept.
		this.heldEvents.setRemoveOnCancelPolicy(true);
	}

	@Override
	public void destroy() {
		// The task containers have stopped, or given up waiting for the reports in hand:
		// events still held back are not published (a report still being built
		// publishes its outcome, which is what counts).
		this.heldEvents.shutdownNow();
	}

	/**
	 * Builds the report of a task, unless it is not there to be built. Returns normally
	 * once the task's work is done or safely handed on (to a retry queue or the dead
	 * letter queue), so the container acknowledges the delivery.
	 * @param task the task
	 * @param delivery how the task came
	 * @throws ImmediateRequeueAmqpException if the task failed and neither its retry nor
	 * its outcome could be published: the delivery must go back to the queue
	 */
	void generate(ReportTask task, TaskDelivery delivery) {
		AtomicReference<Claim> claim = new AtomicReference<>();
		try {
			// The task's events go over one channel; failing to get one is a transient
			// failure like any other, handled below.
			this.publisher.onOneChannel(() -> {
				ReportDefinition definition = definition(task);
				Optional<Claim> claimed = this.reports.claim(task.reportId(), this.lease, delivery);
				if (claimed.isEmpty()) {
					skip(task, delivery);
					return;
				}
				claim.set(claimed.get());
				build(task, definition, claimed.get());
			});
		}
		catch (RuntimeException ex) {
			if (ex instanceof ImmediateRequeueAmqpException || Failure.of(ex, false) != Failure.TRANSIENT) {
				throw ex;
			}
			// Outside the scope: the retry or dead letter goes over a channel of its own,
			// whatever became of the task's.
			retryOrGiveUp(task, delivery, claim.get(), ex);
		}
	}

	/**
	 * Builds the reports of tasks delivered together (the consumer's prefetched tasks, up
	 * to its prefetch), with the same outcome for each as {@link #generate} would have,
	 * in fewer transactions and waits for the broker.
	 * <p>
	 * First deliveries of report types this worker has lately built quickly
	 * ({@link BuildTimes}) are claimed ahead, in one statement, and built one after the
	 * other; their files and outcomes are recorded in one transaction and their SUCCEEDED
	 * events' confirms awaited together. They publish no RUNNING event while the run
	 * stays quick: a report whose run builds every report within {@link #QUICK_RUN} goes
	 * from QUEUED to SUCCEEDED (or FAILED) in its events, one event and one confirm fewer
	 * each. Should the run take longer than {@link #QUICK_RUN} (checked between reports
	 * and whenever the one in hand reports progress: a report that reports none is not
	 * seen to be slow until it is built), the reports claimed and not yet recorded
	 * announce that they are RUNNING, the reports not yet started are let go of (back to
	 * QUEUED, so none shows as running while it waits) and built one at a time, as is
	 * every other task: a redelivery, a retry, a type that is slow or not yet measured, a
	 * second task for the same report.
	 * @param tasks the tasks, in the order they were delivered
	 * @param stopping whether the worker is stopping: then the reports not yet started
	 * are left to another worker (their tasks requeued)
	 * @return for each task in order, {@code null} once its work is done or safely handed
	 * on (the delivery is to be acknowledged), or what {@link #generate} would have
	 * thrown for it
	 */
	List<RuntimeException> generateAll(List<DeliveredTask> tasks, BooleanSupplier stopping) {
		RuntimeException[] thrown = new RuntimeException[tasks.size()];
		List<Integer> ahead = claimableAhead(tasks);
		Set<Integer> settled = new HashSet<>();
		if (ahead.size() > 1 && !stopping.getAsBoolean()) {
			Run run = new Run(tasks, ahead, stopping);
			try {
				this.publisher.onOneChannel(run::go);
			}
			catch (RuntimeException ex) {
				// Nothing claimed (PostgreSQL or RabbitMQ unavailable), or a run cut
				// short: what it did not finish goes one at a time below.
				logger.debug("Claiming {} reports ahead did not finish: {}", ahead.size(), ex.getMessage());
			}
			for (int i : ahead) {
				DeliveredTask delivered = tasks.get(i);
				Claim claim = run.claims.get(i);
				if (run.done.contains(i)) {
					settled.add(i);
				}
				else if (run.failures.containsKey(i)) {
					settled.add(i);
					thrown[i] = withMdc(delivered,
							() -> afterFailure(delivered.task(), delivered.delivery(), claim, run.failures.get(i)));
				}
				else if (claim != null && run.released.contains(i) && stopping.getAsBoolean()) {
					settled.add(i);
					thrown[i] = requeueWhileStopping();
				}
				else if (claim != null) {
					// Let go of, or left unfinished by a run cut short: the task alone
					// takes its claim over. One cut short may have recorded the report
					// already, so it is announced again if it has.
					settled.add(i);
					TaskDelivery takeOver = new TaskDelivery(delivered.delivery().attempt(), !run.released.contains(i),
							claim.attempt());
					thrown[i] = withMdc(delivered, () -> generate(delivered.task(), takeOver));
				}
			}
		}
		for (int i = 0; i < tasks.size(); i++) {
			if (!settled.contains(i)) {
				DeliveredTask delivered = tasks.get(i);
				// A stopping worker finishes the report in hand and leaves the rest to
				// another worker, as the container does with a task it holds when it
				// stops.
				thrown[i] = stopping.getAsBoolean() ? requeueWhileStopping()
						: withMdc(delivered, () -> generate(delivered.task(), delivered.delivery()));
			}
		}
		return Arrays.asList(thrown);
	}

	private static ImmediateRequeueAmqpException requeueWhileStopping() {
		return new ImmediateRequeueAmqpException("The worker is stopping; the task goes back to the queue");
	}

	/**
	 * Whether first deliveries of a report type are claimed ahead now.
	 * @param type the report type
	 * @return whether its reports have lately been quick to build
	 */
	boolean claimsAhead(String type) {
		return this.buildTimes.isQuick(type);
	}

	/**
	 * The tasks whose reports may be claimed ahead: first deliveries, of types offered
	 * here and lately quick to build, one per report.
	 */
	private List<Integer> claimableAhead(List<DeliveredTask> tasks) {
		List<Integer> ahead = new ArrayList<>();
		Set<UUID> reportIds = new HashSet<>();
		for (int i = 0; i < tasks.size(); i++) {
			DeliveredTask delivered = tasks.get(i);
			ReportTask task = delivered.task();
			if (delivered.delivery().equals(TaskDelivery.first()) && this.buildTimes.isQuick(task.type())
					&& this.catalogue.find(task.type()).isPresent() && reportIds.add(task.reportId())) {
				ahead.add(i);
			}
		}
		return ahead;
	}

	/** What {@link #generate} does with a failure it caught. */
	private void afterFailure(ReportTask task, TaskDelivery delivery, Claim claim, RuntimeException ex) {
		if (ex instanceof ImmediateRequeueAmqpException || Failure.of(ex, false) != Failure.TRANSIENT) {
			throw ex;
		}
		retryOrGiveUp(task, delivery, claim, ex);
	}

	private static RuntimeException withMdc(DeliveredTask delivered, Runnable work) {
		try (MDC.MDCCloseable mdc = MDC.putCloseable(ReportTaskListener.REPORT_ID,
				delivered.task().reportId().toString())) {
			work.run();
			return null;
		}
		catch (RuntimeException ex) {
			return ex;
		}
	}

	private void build(ReportTask task, ReportDefinition definition, Claim claim) {
		// Its confirm comes back while the report is built; it is awaited before the
		// report's next event, which therefore never overtakes it. A report of a type
		// lately quick to build holds it back, as one claimed ahead does: most such
		// reports go from QUEUED to their outcome, one event and one confirm fewer.
		ReportEvent event = event(task, ReportEvent.Type.RUNNING, 0, null, null);
		RunningEvent running = this.buildTimes.isQuick(task.type()) ? new RunningEvent(event, System.nanoTime())
				: new RunningEvent(event);
		try {
			build(task, definition, claim, running);
		}
		finally {
			running.settle();
		}
	}

	private void build(ReportTask task, ReportDefinition definition, Claim claim, RunningEvent running) {
		long started = System.nanoTime();
		Optional<ReportFiles.WrittenFile> written = write(task, definition, claim, running, started, () -> {
		});
		if (written.isEmpty()) {
			return;
		}
		Optional<ReportFile> recorded;
		try {
			recorded = this.files.record(written.get());
		}
		catch (ReportFiles.RecordingFailedException ex) {
			// Built, and not recorded: handled like any failure outside the build (a
			// transient one is retried even past the report's time limit, which applies
			// to building it).
			throw ex.getCause();
		}
		if (recorded.isEmpty()) {
			logger.info("Built the report but did not record it: it was cancelled or taken over meanwhile");
			return;
		}
		succeeded(task, recorded.get(), started);
		running.settle();
		// Should this fail, the report is SUCCEEDED already: the retry finds it finished
		// and announces it again (skip).
		this.events.publish(recorded.get().outcome(), recorded.get().mailedWithOutcome());
	}

	/**
	 * Builds a claimed report into its file, not yet recorded. A failure that is not
	 * transient fails the report and tells its owner (then this returns empty, as it does
	 * when the claim was lost); a transient one is thrown.
	 */
	private Optional<ReportFiles.WrittenFile> write(ReportTask task, ReportDefinition definition, Claim claim,
			RunningEvent running, long started, Runnable onProgress) {
		logger.debug("Building {} report as {} (attempt {})", task.type(), task.format(), claim.attempt());
		long deadline = started + this.reportTimeout.toNanos();
		try {
			ReportParameters parameters = parameters(task, definition);
			ReportFiles.WrittenFile written = this.files.write(task, claim, definition, parameters,
					new ThrottledProgress(task, claim, deadline, running, onProgress));
			this.buildTimes.record(task.type(), System.nanoTime() - started);
			return Optional.of(written);
		}
		catch (ClaimLostException ex) {
			logger.info("Stopped building the report: {}", ex.getMessage());
			return Optional.empty();
		}
		catch (RuntimeException ex) {
			// A statement cancelled by the report's statement_timeout looks like any
			// query timeout; the clock tells them apart.
			Failure failure = Failure.of(ex, System.nanoTime() - deadline >= 0);
			if (failure == Failure.TRANSIENT) {
				throw ex;
			}
			running.settle();
			fail(task, claim, failure, failure.summary(ex, this.reportTimeout, claim.attempt()), ex);
			return Optional.empty();
		}
	}

	private void succeeded(ReportTask task, ReportFile report, long started) {
		Duration took = Duration.ofNanos(System.nanoTime() - started);
		this.meters.counter(PipelineMetrics.SUCCEEDED, "type", task.type()).increment();
		this.meters.timer(PipelineMetrics.DURATION, "type", task.type()).record(took);
		StoredFile file = report.file();
		logger.info("Stored {} ({} bytes, {} key {}) after {} ms", report.fileName(), file.size(), file.store(),
				file.key(), took.toMillis());
	}

	/**
	 * A task whose report is not there to be claimed. If the task is a retry or a
	 * redelivery of one whose report has finished, the attempt that finished it may have
	 * died or failed between storing the outcome and announcing it, so the outcome is
	 * announced again; the email sender mails each outcome once however often it hears of
	 * it.
	 */
	private void skip(ReportTask task, TaskDelivery delivery) {
		Optional<Outcome> outcome = this.reports.outcome(task.reportId());
		if (outcome.isEmpty()) {
			logger.warn("Dropping task for unknown report (type {})", task.type());
			return;
		}
		ReportStatus status = outcome.get().status();
		if (!status.isFinished()) {
			logger.info("Dropping task: report is {} and held by a live worker", status);
			return;
		}
		if (status == ReportStatus.FAILED && delivery.attempt() > 1 && this.retries.isLast(delivery)) {
			// The last attempt failed the report, then could not park or announce it.
			logger.info("Report is already FAILED after its last attempt; parking and announcing it again");
			parkAndAnnounce(task, delivery, "Retries exhausted: " + outcome.get().error(), outcome.get().error());
			return;
		}
		if ((delivery.redelivered() || delivery.attempt() > 1) && status != ReportStatus.CANCELLED) {
			logger.info("Report is already {}; announcing its outcome again in case it was not", status);
			this.events.publish((status == ReportStatus.SUCCEEDED)
					? event(task, ReportEvent.Type.SUCCEEDED, 100, outcome.get().fileSize(), null)
					: event(task, ReportEvent.Type.FAILED, 0, null, outcome.get().error()));
			return;
		}
		logger.info("Dropping task: report is already {}", status);
	}

	/**
	 * The definition of the task's report type. A type this worker does not offer is a
	 * transient failure: during a rolling upgrade or a rollback another worker may offer
	 * it, so the task goes through its retries (without claiming the report) before the
	 * report fails.
	 */
	private ReportDefinition definition(ReportTask task) {
		return this.catalogue.find(task.type()).orElseThrow(() -> new ReportTypeNotOfferedException(task.type()));
	}

	private static ReportParameters parameters(ReportTask task, ReportDefinition definition) {
		ReportParameters parameters = ReportParameters.of(definition.descriptor(), task.parameters());
		if (!definition.descriptor().formats().contains(task.format())) {
			throw new ReportParametersException(task.type() + " reports cannot be written as " + task.format()
					+ "; they can as " + definition.descriptor().formats());
		}
		return parameters;
	}

	private void fail(ReportTask task, Claim claim, Failure failure, String error, RuntimeException ex) {
		// The owner is told a summary; what went wrong in detail is only logged here.
		switch (failure) {
			case PERMANENT -> logger.info("Report failed on its parameters: {}", error);
			case TIMED_OUT -> logger.warn("Report failed: it ran past its time limit of {}", this.reportTimeout, ex);
			default -> logger.error("Report failed on an unexpected error", ex);
		}
		ReportEvent outcome = event(task, ReportEvent.Type.FAILED, 0, null, error);
		Reports.Failed failed = this.reports.failAndMail(claim, outcome);
		if (!failed.recorded()) {
			logger.info("Not marking the report FAILED: it was cancelled or taken over meanwhile");
			return;
		}
		this.meters.counter(PipelineMetrics.FAILED, "type", task.type(), "failure", failure.tag()).increment();
		this.events.publish(outcome, failed.mailedWithOutcome());
	}

	/**
	 * After a transient failure: hands the report back and schedules the next attempt,
	 * or, after the last one, fails the report and parks its task. Returns normally only
	 * once the broker has confirmed the retry or the dead letter, so acknowledging the
	 * delivery in hand never loses the task.
	 */
	private void retryOrGiveUp(ReportTask task, TaskDelivery delivery, Claim claim, RuntimeException ex) {
		String reason = reason(ex);
		int abandonedClaim = (claim != null) ? claim.attempt() : delivery.abandonedClaim();
		Optional<Duration> delay = this.retries.delayAfter(delivery);
		if (delay.isEmpty()) {
			giveUp(task, delivery, claim, reason, ex);
			return;
		}
		logger.warn("Attempt {} failed for a transient reason, retrying in {}: {}", delivery.attempt(), delay.get(),
				reason);
		if (claim != null) {
			handBackQuietly(claim, delivery);
		}
		try {
			this.retries.retryLater(task, delivery, delay.get(), abandonedClaim);
		}
		catch (AmqpException publishFailure) {
			throw requeue("Could not schedule the retry of task " + task.reportId(), publishFailure);
		}
		this.meters.counter(PipelineMetrics.RETRIED, "type", task.type()).increment();
	}

	/**
	 * After the last attempt failed for a transient reason: marks the report FAILED,
	 * parks the task in the dead letter queue for operators and tells the owner. The
	 * report is marked first, so a delivery requeued because a later step failed finds it
	 * FAILED and only parks and announces it again ({@link #skip}). While PostgreSQL is
	 * unavailable the delivery is requeued as it is; should that go on, the queue's
	 * delivery limit dead-letters it.
	 */
	private void giveUp(ReportTask task, TaskDelivery delivery, Claim claim, String reason, RuntimeException ex) {
		logger.error("Attempt {} failed for a transient reason and was the last; failing the report",
				delivery.attempt(), ex);
		String error = Failure.TRANSIENT.summary(ex, this.reportTimeout, delivery.attempt());
		boolean failed;
		try {
			failed = (claim != null) ? this.reports.fail(claim, error)
					: this.reports.failUnclaimed(task.reportId(), delivery, error);
		}
		catch (RuntimeException databaseFailure) {
			if (!TransientFailures.isTransient(databaseFailure)) {
				throw databaseFailure;
			}
			throw requeue("Could not mark report " + task.reportId() + " FAILED", databaseFailure);
		}
		if (!failed) {
			announceFinished(task);
			return;
		}
		this.meters.counter(PipelineMetrics.FAILED, "type", task.type(), "failure", "exhausted").increment();
		parkAndAnnounce(task, delivery, reason, error);
	}

	/**
	 * The last attempt could not fail the report because it had finished: typically this
	 * attempt stored the outcome and only publishing its event failed. The outcome is
	 * announced now, or the delivery goes back to the queue, so no outcome goes without
	 * its email on the last attempt either.
	 */
	private void announceFinished(ReportTask task) {
		Optional<Outcome> outcome = this.reports.outcome(task.reportId());
		ReportStatus status = outcome.map(Outcome::status).orElse(null);
		if (status != ReportStatus.SUCCEEDED && status != ReportStatus.FAILED) {
			logger.info("Not failing the report: it was cancelled, taken over or deleted meanwhile");
			return;
		}
		logger.info("Report is already {} on its last attempt; announcing its outcome", status);
		try {
			this.events.publish((status == ReportStatus.SUCCEEDED)
					? event(task, ReportEvent.Type.SUCCEEDED, 100, outcome.get().fileSize(), null)
					: event(task, ReportEvent.Type.FAILED, 0, null, outcome.get().error()));
		}
		catch (AmqpException publishFailure) {
			throw requeue("Could not announce the outcome of report " + task.reportId(), publishFailure);
		}
	}

	private void parkAndAnnounce(ReportTask task, TaskDelivery delivery, String reason, String error) {
		try {
			this.retries.park(task, delivery, reason);
		}
		catch (AmqpException publishFailure) {
			throw requeue("Could not park task " + task.reportId() + " in the dead letter queue", publishFailure);
		}
		try {
			this.events.publish(event(task, ReportEvent.Type.FAILED, 0, null, error));
		}
		catch (AmqpException publishFailure) {
			throw requeue("Could not announce the failure of report " + task.reportId(), publishFailure);
		}
	}

	private void handBackQuietly(Claim claim, TaskDelivery delivery) {
		try {
			if (!this.reports.handBack(claim, Failure.retrying(delivery.attempt()))) {
				logger.info("Did not hand the report back: it was cancelled or taken over meanwhile");
			}
		}
		catch (RuntimeException ex) {
			// The retry carries the abandoned claim, so it can take the report over.
			logger.warn("Could not hand the report back to QUEUED: {}", ex.getMessage());
		}
	}

	/**
	 * The delivery goes back to the queue. The container would dead-letter any other
	 * exception (defaultRequeueRejected=false), which is right for a message that can
	 * never be processed and wrong for one whose successor could not be published.
	 * RabbitMQ redelivers it with the redelivered flag, at once; a quorum queue's
	 * delivery limit dead-letters it should this go on.
	 */
	private static ImmediateRequeueAmqpException requeue(String message, RuntimeException cause) {
		logger.warn("{}; requeueing the delivery: {}", message, cause.getMessage());
		return new ImmediateRequeueAmqpException(message, cause);
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

	/**
	 * An event of the task's report, happening now.
	 */
	static ReportEvent event(ReportTask task, ReportEvent.Type type, int progress, Long fileSize, String error) {
		return new ReportEvent(task.reportId(), type, progress, Instant.now(), task.owner(), task.type(), task.format(),
				fileSize, error);
	}

	/**
	 * What went wrong, for logs and the dead letter's header: the innermost cause (a
	 * driver's message rather than Spring's wrapping with the whole SQL), looking past a
	 * failed rollback to the failure that caused it.
	 */
	private static String reason(RuntimeException ex) {
		Throwable failure = (ex instanceof TransactionSystemException rollback
				&& rollback.getApplicationException() != null) ? rollback.getApplicationException() : ex;
		Throwable cause = NestedExceptionUtils.getMostSpecificCause(failure);
		return cause.getClass().getSimpleName() + ": " + cause.getMessage();
	}

	/**
	 * The reports of a batch claimed ahead, built one after the other over one channel
	 * ({@link #generateAll}). Transient failures are kept for after the channel's scope,
	 * as {@link #generate} keeps them: a retry goes over a channel of its own.
	 */
	private final class Run {

		private final List<DeliveredTask> tasks;

		private final List<Integer> ahead;

		private final Map<Integer, Claim> claims = new HashMap<>();

		private final Set<Integer> done = new HashSet<>();

		private final Set<Integer> released = new HashSet<>();

		private final Map<Integer, RuntimeException> failures = new HashMap<>();

		/** The RUNNING events held back, published should the run turn slow. */
		private final List<RunningEvent> held = new ArrayList<>();

		private final BooleanSupplier stopping;

		private List<Integer> order = List.of();

		private int building;

		private long started;

		Run(List<DeliveredTask> tasks, List<Integer> ahead, BooleanSupplier stopping) {
			this.tasks = tasks;
			this.ahead = ahead;
			this.stopping = stopping;
		}

		void go() {
			Map<UUID, Claim> claimed = ReportPipeline.this.reports
				.claimQueued(this.ahead.stream().map((i) -> task(i).reportId()).toList(), ReportPipeline.this.lease);
			List<Integer> order = new ArrayList<>();
			for (int i : this.ahead) {
				Claim claim = claimed.get(task(i).reportId());
				if (claim != null) {
					this.claims.put(i, claim);
					order.add(i);
				}
			}
			this.order = order;
			this.started = System.nanoTime();
			try {
				List<Built> built = new ArrayList<>(order.size());
				for (int k = 0; k < order.size() && !this.released.contains(order.get(k)); k++) {
					this.building = k;
					build(order.get(k)).ifPresent(built::add);
					letGoIfTooLong();
				}
				record(built);
			}
			finally {
				// Each settled already unless the run was cut short: then none may be
				// published after the reports taken over announce anything.
				this.held.forEach(RunningEvent::settle);
			}
		}

		/**
		 * Once the run has taken too long or the worker is stopping, the reports claimed
		 * and not yet recorded announce that they are RUNNING, and the reports behind the
		 * one in hand are let go of; told after each report and at each step of its
		 * progress, so a report that turns out slow does both while it is still being
		 * built, the last of the run too.
		 */
		private void letGoIfTooLong() {
			if (System.nanoTime() - this.started <= QUICK_RUN.toNanos() && !this.stopping.getAsBoolean()) {
				return;
			}
			// Each at most once: one published or settled publishes nothing.
			this.held.forEach(RunningEvent::publish);
			int next = this.building + 1;
			if (next < this.order.size() && !this.released.contains(this.order.get(next))) {
				release(this.order.subList(next, this.order.size()));
			}
		}

		private Optional<Built> build(int i) {
			ReportTask task = task(i);
			Claim claim = this.claims.get(i);
			try (MDC.MDCCloseable mdc = MDC.putCloseable(ReportTaskListener.REPORT_ID, task.reportId().toString())) {
				RunningEvent running = new RunningEvent(event(task, ReportEvent.Type.RUNNING, 0, null, null),
						this.started);
				this.held.add(running);
				long started = System.nanoTime();
				try {
					Optional<ReportFiles.WrittenFile> written = write(task, definition(task), claim, running, started,
							this::letGoIfTooLong);
					if (written.isPresent()) {
						return Optional.of(new Built(i, running, written.get(), started));
					}
					running.settle();
					this.done.add(i);
				}
				catch (RuntimeException ex) {
					running.settle();
					this.failures.put(i, ex);
				}
				return Optional.empty();
			}
		}

		private void record(List<Built> built) {
			if (built.isEmpty()) {
				return;
			}
			List<Optional<ReportFile>> recorded;
			try {
				recorded = ReportPipeline.this.files.recordAll(built.stream().map(Built::written).toList());
			}
			catch (ReportFiles.RecordingFailedException ex) {
				// Transient (PostgreSQL unavailable): each report is retried, as it would
				// be alone. Anything else may be one report's doing: each is built again
				// on its own, taking over its claim, so only that one fails.
				boolean transientFailure = Failure.of(ex.getCause(), false) == Failure.TRANSIENT;
				if (!transientFailure) {
					logger.warn("Could not record {} reports together; building each again on its own: {}",
							built.size(), ex.getMessage());
				}
				for (Built report : built) {
					report.running().settle();
					if (transientFailure) {
						this.failures.put(report.index(), ex.getCause());
					}
				}
				return;
			}
			Map<Integer, ConfirmedPublisher.Publication> announced = new LinkedHashMap<>();
			for (int k = 0; k < built.size(); k++) {
				Built report = built.get(k);
				ReportTask task = task(report.index());
				try (MDC.MDCCloseable mdc = MDC.putCloseable(ReportTaskListener.REPORT_ID,
						task.reportId().toString())) {
					report.running().settle();
					Optional<ReportFile> file = recorded.get(k);
					if (file.isEmpty()) {
						logger.info("Built the report but did not record it: it was cancelled or taken over meanwhile");
						this.done.add(report.index());
						continue;
					}
					succeeded(task, file.get(), report.started());
					try {
						announced.put(report.index(), ReportPipeline.this.events.publishLater(file.get().outcome(),
								file.get().mailedWithOutcome()));
					}
					catch (AmqpException ex) {
						this.failures.put(report.index(), ex);
					}
				}
			}
			// Should one fail, its report is SUCCEEDED already: the retry finds it
			// finished and announces it again (skip).
			announced.forEach((i, publication) -> {
				try {
					publication.await();
					this.done.add(i);
				}
				catch (AmqpException ex) {
					this.failures.put(i, ex);
				}
			});
		}

		/**
		 * The run took too long (checked between reports and at each step of a report's
		 * progress) or the worker is stopping: the reports not yet started go back to
		 * QUEUED and are built one at a time, each taking over its claim should letting
		 * go of it fail.
		 */
		private void release(List<Integer> waiting) {
			logger
				.info("Building reports claimed ahead took over {} ms or the worker is stopping; letting go of the {} "
						+ "still waiting", QUICK_RUN.toMillis(), waiting.size());
			this.released.addAll(waiting);
			try {
				ReportPipeline.this.reports.release(waiting.stream().map(this.claims::get).toList());
			}
			catch (RuntimeException ex) {
				logger.warn("Could not let go of the reports claimed ahead: {}", ex.getMessage());
			}
		}

		private ReportTask task(int i) {
			return this.tasks.get(i).task();
		}

	}

	/** A report of a {@link Run}, built and not yet recorded. */
	private record Built(int index, RunningEvent running, ReportFiles.WrittenFile written, long started) {

	}

	/**
	 * The RUNNING event of the report in hand: published when the report is claimed, or,
	 * for a report of a type lately quick to build (one claimed ahead, {@link Run}, or
	 * one alone), held back until {@link #QUICK_RUN} has passed since its claim while it
	 * is still being built, or sooner should it pass on progress or its run turn slow; a
	 * report settled before then never publishes it. Its confirm is awaited
	 * ({@link #settle()}) only before the report's next event or at the end: one held
	 * back past {@link #QUICK_RUN} is published by the timer's thread, over a channel of
	 * its own, and once it is confirmed the broker has put it in every queue it routes
	 * to, so the next event cannot overtake it. Should its confirm not come (a nack, a
	 * closed channel, the confirm timeout), the next event goes anyway and may arrive
	 * first; subscribers order a report's events by status, as the page does, since a
	 * RUNNING event is never newer than an outcome. Like every event in progress, it is a
	 * notification whose loss is logged, never worth failing the report over.
	 */
	private final class RunningEvent {

		private final ReportEvent event;

		/** Guarded by this, as are the fields after it. */
		private ConfirmedPublisher.Publication publication;

		/** Published, or settled without it: never published after. */
		private boolean done;

		/** Being sent by another thread (the timer's), outside the lock. */
		private boolean sending;

		/** Publishes the event should it still be held back after the quick run. */
		private Future<?> timer;

		/** Publishes the event now. */
		RunningEvent(ReportEvent event) {
			this.event = event;
			publish();
		}

		/**
		 * Holds the event back until {@link #publish()}, at the latest until
		 * {@link #QUICK_RUN} after the claim.
		 * @param claimedNanos when the report was claimed ({@link System#nanoTime()})
		 */
		RunningEvent(ReportEvent event, long claimedNanos) {
			this.event = event;
			long delay = claimedNanos + QUICK_RUN.toNanos() - System.nanoTime();
			if (delay <= 0) {
				publish();
				return;
			}
			try {
				this.timer = ReportPipeline.this.heldEvents.schedule(this::publish, delay, TimeUnit.NANOSECONDS);
			}
			catch (RuntimeException ex) {
				// The worker is stopping (the timer is shut down): the report's next
				// event, or its progress, comes instead.
				logger.debug("Could not hold back the {} event: {}", event.type(), ex.getMessage());
			}
		}

		/**
		 * Publishes the event unless it was published or settled before: the report's
		 * next event has gone, or is about to. The lock is not held while sending, so the
		 * report's thread never waits on a broker connection the timer's thread is
		 * opening longer than {@link #settle()} allows.
		 */
		void publish() {
			synchronized (this) {
				if (this.done) {
					return;
				}
				this.done = true;
				this.sending = true;
			}
			ConfirmedPublisher.Publication sent = null;
			try {
				sent = ReportPipeline.this.events.publishLater(this.event);
			}
			catch (RuntimeException ex) {
				logger.warn("Could not publish {} event of report {}: {}", this.event.type(), this.event.reportId(),
						ex.getMessage());
			}
			finally {
				synchronized (this) {
					this.publication = sent;
					this.sending = false;
					notifyAll();
				}
			}
		}

		/**
		 * Awaits the confirm, once; later calls do nothing. An event held back and not
		 * published by now never is: the report's next event comes instead. One the
		 * timer's thread is still sending is waited for up to the confirm timeout.
		 */
		void settle() {
			ConfirmedPublisher.Publication published;
			synchronized (this) {
				this.done = true;
				if (this.timer != null) {
					this.timer.cancel(false);
					this.timer = null;
				}
				long deadline = System.nanoTime() + ReportPipeline.this.confirmTimeout.toNanos();
				long left;
				while (this.sending && (left = deadline - System.nanoTime()) > 0) {
					try {
						TimeUnit.NANOSECONDS.timedWait(this, left);
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
						break;
					}
				}
				if (this.sending) {
					logger.warn("The {} event of report {} was still being sent after {}; going on without it",
							this.event.type(), this.event.reportId(), ReportPipeline.this.confirmTimeout);
				}
				published = this.publication;
				this.publication = null;
			}
			if (published == null) {
				return;
			}
			try {
				published.await();
			}
			catch (AmqpException ex) {
				logger.warn("Could not publish {} event: {}", this.event.type(), ex.getMessage());
			}
		}

	}

	/**
	 * Passes a definition's progress on at most once per progress interval: a conditional
	 * update of the report (which also renews the lease) and a PROGRESS event. Stops the
	 * report once it has run out of time.
	 */
	private final class ThrottledProgress implements ReportProgress {

		private final ReportTask task;

		private final Claim claim;

		private final long deadlineNanos;

		private long lastReportedNanos = System.nanoTime();

		private int lastPercent;

		private final RunningEvent running;

		private final Runnable onProgress;

		ThrottledProgress(ReportTask task, Claim claim, long deadlineNanos, RunningEvent running, Runnable onProgress) {
			this.task = task;
			this.claim = claim;
			this.deadlineNanos = deadlineNanos;
			this.running = running;
			this.onProgress = onProgress;
		}

		@Override
		public void progress(int percent) {
			this.onProgress.run();
			long now = System.nanoTime();
			checkDeadline(now);
			// 100 is only ever set together with the stored file.
			int bounded = Math.max(0, Math.min(99, percent));
			if (bounded <= this.lastPercent
					|| now - this.lastReportedNanos < ReportPipeline.this.progressInterval.toNanos()) {
				return;
			}
			this.lastReportedNanos = now;
			this.lastPercent = bounded;
			if (!ReportPipeline.this.reports.progress(this.claim, bounded, ReportPipeline.this.lease)) {
				throw new ClaimLostException(this.claim.reportId());
			}
			// RUNNING first, should it have been held back.
			this.running.publish();
			this.running.settle();
			publishQuietly(event(this.task, ReportEvent.Type.PROGRESS, bounded, null, null));
		}

		@Override
		public Optional<Duration> timeLeft() {
			long now = System.nanoTime();
			checkDeadline(now);
			return Optional.of(Duration.ofNanos(this.deadlineNanos - now));
		}

		private void checkDeadline(long now) {
			if (now - this.deadlineNanos >= 0) {
				throw new ReportTimeoutException(ReportPipeline.this.reportTimeout);
			}
		}

	}

}
