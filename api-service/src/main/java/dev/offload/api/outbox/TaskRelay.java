package dev.offload.api.outbox;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import dev.offload.api.ApiProperties;
import dev.offload.api.report.ReportAccepted;
import dev.offload.model.ReportTask;
import dev.offload.model.Topology;

import org.springframework.amqp.AmqpException;
import org.springframework.amqp.core.ReturnedMessage;
import org.springframework.amqp.rabbit.connection.CorrelationData;
import org.springframework.amqp.rabbit.core.RabbitOperations;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.transaction.event.TransactionalEventListener;

/**
 * Publishes the tasks of accepted reports to RabbitMQ: the relay of the transactional
 * outbox.
 * <p>
 * A report counts as published only once the broker has confirmed its task and not
 * returned it as unroutable; only then is {@code task_published_at} set. A task that was
 * not confirmed (broker down, nack, return, no confirm within
 * {@code offload.api.relay.confirm-timeout}) leaves its row unpublished, with
 * {@code publish_attempts} counted up, for the next round, so an accepted report is never
 * lost. A confirm that arrives too late may mean the task is published twice; delivery is
 * at-least-once anyway and the worker drops duplicates by report id ({@code message_id}).
 * <p>
 * One thread does all the work. It is woken after each accepted request commits, so a
 * task is usually on the queue within milliseconds, and it also looks every
 * {@code offload.api.relay.interval} for rows left behind (a broker outage, a crash
 * between commit and publish). While publishing fails it backs off up to
 * {@code offload.api.relay.max-backoff}. Rows are taken with
 * {@code FOR UPDATE SKIP LOCKED}, so any number of API replicas can relay side by side.
 */
@Component
class TaskRelay implements SmartLifecycle {

	private static final Logger logger = LoggerFactory.getLogger(TaskRelay.class);

	/**
	 * The metric of the relay's transactions that found tasks to publish: its count is
	 * how many there were, its total how many tasks the broker confirmed in them, so the
	 * total over the count is the tasks each transaction (its reads, its update and its
	 * commit) published on average.
	 */
	static final String RELAYED = "offload.outbox.relayed";

	/**
	 * Stopped after the web server has finished its in-flight requests (a lower phase
	 * stops later), so requests accepted during a graceful shutdown are still relayed.
	 */
	private static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

	private final UnpublishedTasks unpublishedTasks;

	private final RabbitTemplate rabbitTemplate;

	private final Topology topology;

	private final TransactionTemplate transactionTemplate;

	private final ApiProperties.Relay properties;

	private final int maxInFlightPerBatch;

	private final DistributionSummary relayed;

	private final AtomicBoolean wakeUpPending = new AtomicBoolean();

	private volatile ScheduledExecutorService scheduler;

	// Only read and written on the relay's thread.
	private int failuresInARow;

	private Instant pausedUntil = Instant.MIN;

	TaskRelay(UnpublishedTasks unpublishedTasks, @Qualifier("taskRelayTemplate") RabbitTemplate rabbitTemplate,
			Topology topology, TransactionTemplate transactionTemplate, ApiProperties properties,
			MeterRegistry meters) {
		this.unpublishedTasks = unpublishedTasks;
		this.rabbitTemplate = rabbitTemplate;
		this.topology = topology;
		this.transactionTemplate = transactionTemplate;
		this.properties = properties.relay();
		this.maxInFlightPerBatch = properties.batches().maxInFlight();
		this.relayed = DistributionSummary.builder(RELAYED)
			.description("Tasks the broker confirmed per relay transaction that found unpublished tasks")
			.baseUnit("tasks")
			.register(meters);
	}

	/**
	 * Wakes the relay once the accepting transaction has committed, when the new row is
	 * visible to the relay's own transaction; at once if the report was accepted by a
	 * statement that committed on its own, outside any transaction.
	 * @param event the accepted report
	 */
	@TransactionalEventListener(fallbackExecution = true)
	void on(ReportAccepted event) {
		wakeUp();
	}

	/**
	 * Asks the relay to look for unpublished tasks now. Wake-ups that arrive while one is
	 * already pending are merged into it.
	 */
	void wakeUp() {
		ScheduledExecutorService current = this.scheduler;
		if (current != null && this.wakeUpPending.compareAndSet(false, true)) {
			try {
				current.execute(() -> {
					this.wakeUpPending.set(false);
					relay();
				});
			}
			catch (RejectedExecutionException ex) {
				// Stopping: whatever is left is published after the next start.
				this.wakeUpPending.set(false);
			}
		}
	}

	/**
	 * Publishes batches of unpublished tasks until none are left or publishing fails.
	 * Never throws, so the scheduled run is never cancelled.
	 */
	void relay() {
		if (Instant.now().isBefore(this.pausedUntil)) {
			return;
		}
		try {
			BatchResult result;
			do {
				result = this.transactionTemplate.execute((status) -> publishBatch());
				if (result != null && result.selected() > 0) {
					// Committed: the confirmed tasks are marked published.
					this.relayed.record(result.selected() - result.unconfirmed());
				}
			}
			while (result != null && result.succeeded() && result.selected() == this.properties.batchSize()
					&& isRunning());
			if (result != null && !result.succeeded()) {
				failed(result.unconfirmed() + " of " + result.selected() + " task(s) unconfirmed: " + result.problem(),
						null);
			}
			else {
				recovered();
			}
		}
		catch (RuntimeException ex) {
			failed(ex.toString(), ex);
		}
	}

	private BatchResult publishBatch() {
		List<ReportTask> tasks = this.unpublishedTasks.lockNext(this.properties.batchSize(), this.maxInFlightPerBatch);
		if (tasks.isEmpty()) {
			return new BatchResult(0, 0, null);
		}
		Map<UUID, CorrelationData> sent = new LinkedHashMap<>();
		Set<UUID> confirmed = new LinkedHashSet<>();
		String problem;
		try {
			// One channel for the whole batch: the tasks go out back to back and their
			// confirms are awaited together, instead of a channel taken from and given
			// back to the cache for every task. They are awaited before the channel goes
			// back, so it normally goes back with none outstanding: the cache would
			// otherwise hand it to a thread of its own to wait for them (a thread
			// hand-off per batch), as it still does after a confirm timeout.
			problem = this.rabbitTemplate.invoke((operations) -> {
				String unsent = publish(operations, tasks, sent);
				String refused = awaitConfirms(sent, confirmed);
				return (unsent != null) ? unsent : refused;
			});
		}
		catch (AmqpException ex) {
			// No channel: the broker or the connection is gone.
			problem = "publishing failed: " + ex;
		}
		List<UUID> unconfirmed = tasks.stream()
			.map(ReportTask::reportId)
			.filter((id) -> !confirmed.contains(id))
			.toList();
		this.unpublishedTasks.markPublished(confirmed);
		this.unpublishedTasks.countFailedAttempt(unconfirmed);
		if (!confirmed.isEmpty()) {
			logger.debug("Published {} report task(s)", confirmed.size());
		}
		return new BatchResult(tasks.size(), unconfirmed.size(), problem);
	}

	/**
	 * Publishes tasks in order, each with its correlation, until one cannot be sent.
	 * @return {@code null} if every task was sent, otherwise why the rest were not
	 */
	private String publish(RabbitOperations operations, List<ReportTask> tasks, Map<UUID, CorrelationData> sent) {
		for (ReportTask task : tasks) {
			try (MDC.MDCCloseable mdc = MDC.putCloseable("reportId", task.reportId().toString())) {
				CorrelationData correlation = new CorrelationData(task.reportId().toString());
				operations.convertAndSend(this.topology.tasksExchange(),
						this.topology.generateRoutingKey(task.priority()), task, correlation);
				sent.put(task.reportId(), correlation);
			}
			catch (AmqpException ex) {
				// The channel or connection is gone; the rest would fail the same way.
				return "publishing failed: " + ex;
			}
		}
		return null;
	}

	/**
	 * Waits for the broker's answers to the tasks sent, within one confirm timeout.
	 * @param sent the tasks sent, with their correlations
	 * @param confirmed receives the tasks the broker took
	 * @return {@code null} if it took every one, otherwise why not the first it did not
	 */
	private String awaitConfirms(Map<UUID, CorrelationData> sent, Set<UUID> confirmed) {
		String problem = null;
		long deadline = System.nanoTime() + this.properties.confirmTimeout().toNanos();
		for (Map.Entry<UUID, CorrelationData> entry : sent.entrySet()) {
			String refusal = awaitConfirm(entry.getValue(), deadline);
			if (refusal == null) {
				confirmed.add(entry.getKey());
			}
			else {
				problem = (problem != null) ? problem : refusal;
				try (MDC.MDCCloseable mdc = MDC.putCloseable("reportId", entry.getKey().toString())) {
					logger.debug("Task of report {} not published: {}", entry.getKey(), refusal);
				}
			}
		}
		return problem;
	}

	/**
	 * Waits for the broker's answer to one published task.
	 * @return {@code null} if the broker took the task, otherwise why not
	 */
	private static String awaitConfirm(CorrelationData correlation, long deadlineNanos) {
		CorrelationData.Confirm confirm;
		try {
			confirm = correlation.getFuture().get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
		}
		catch (TimeoutException ex) {
			return "no confirm from the broker in time";
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return "interrupted while waiting for the confirm";
		}
		catch (ExecutionException ex) {
			return "confirm failed: " + ex.getCause();
		}
		if (!confirm.ack()) {
			return "nacked by the broker: " + confirm.reason();
		}
		ReturnedMessage returned = correlation.getReturned();
		if (returned != null) {
			return "returned as unroutable: " + returned.getReplyCode() + " " + returned.getReplyText();
		}
		return null;
	}

	private void failed(String problem, Exception ex) {
		this.failuresInARow++;
		Duration pause = backoff(this.failuresInARow);
		this.pausedUntil = Instant.now().plus(pause);
		logger.warn("Could not relay report tasks ({} failed attempt(s) in a row, next in {}): {}", this.failuresInARow,
				pause, problem);
		if (ex != null) {
			logger.debug("Relay failure", ex);
		}
	}

	private void recovered() {
		if (this.failuresInARow > 0) {
			logger.info("Relaying report tasks again after {} failed attempt(s)", this.failuresInARow);
		}
		this.failuresInARow = 0;
		this.pausedUntil = Instant.MIN;
	}

	/**
	 * The pause after the given number of failures in a row: the interval, doubled for
	 * each further failure, at most the configured maximum.
	 * @param failures the failures in a row, at least 1
	 * @return the pause
	 */
	Duration backoff(int failures) {
		Duration interval = this.properties.interval();
		Duration max = this.properties.maxBackoff();
		int doublings = Math.min(failures - 1, 30);
		Duration pause = interval.multipliedBy(1L << doublings);
		return (pause.compareTo(max) > 0) ? max : pause;
	}

	@Override
	public void start() {
		ScheduledExecutorService started = Executors
			.newSingleThreadScheduledExecutor(new CustomizableThreadFactory("task-relay-"));
		this.scheduler = started;
		started.scheduleWithFixedDelay(this::relay, 0, this.properties.interval().toMillis(), TimeUnit.MILLISECONDS);
		logger.info("Relaying report tasks to {} every {} and on each accepted report", this.topology.tasksExchange(),
				this.properties.interval());
	}

	@Override
	public void stop() {
		ScheduledExecutorService stopping = this.scheduler;
		this.scheduler = null;
		if (stopping == null) {
			return;
		}
		stopping.shutdown();
		try {
			// A batch in flight waits at most confirmTimeout for its confirms.
			long waitMillis = this.properties.confirmTimeout().plusSeconds(5).toMillis();
			if (!stopping.awaitTermination(waitMillis, TimeUnit.MILLISECONDS)) {
				logger.warn("Task relay did not stop within {} ms; unconfirmed rows are relayed after a restart",
						waitMillis);
				stopping.shutdownNow();
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			stopping.shutdownNow();
		}
	}

	@Override
	public boolean isRunning() {
		return this.scheduler != null;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	/**
	 * What one relay transaction achieved.
	 *
	 * @param selected how many unpublished tasks it took
	 * @param unconfirmed how many of them the broker did not confirm
	 * @param problem why, if any were not confirmed
	 */
	private record BatchResult(int selected, int unconfirmed, String problem) {

		boolean succeeded() {
			return this.unconfirmed == 0;
		}

	}

}
