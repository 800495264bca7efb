package dev.offload.api.report;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

import dev.offload.api.ApiProperties;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.stereotype.Component;

/**
 * Group commit for accepted reports: the requests that arrive while others are being
 * inserted go to PostgreSQL together, in one statement ({@link Reports#admitAll}) that
 * commits them together, so under load PostgreSQL commits once per statement rather than
 * once per report.
 * <p>
 * There is no thread of its own and no timer: a request joins the queue, and if fewer
 * than {@code offload.api.accept.concurrent-statements} statements are running, its own
 * thread takes everything waiting (up to {@code max-batch}, its own request first or
 * among them) and inserts it; otherwise it waits for a running statement to take its
 * request, or to finish and hand the turn to the request at the head of the queue. A
 * request that comes alone is inserted at once. Each request is answered only once the
 * statement that inserted its report has committed, or with the statement's failure: a
 * failure of PostgreSQL itself (unreachable, timed out) fails every request of the
 * statement, as it would have failed each alone; any other failure is not the others'
 * doing, so each request of the statement is then inserted on its own and gets its own
 * outcome.
 * <p>
 * Two requests with the same owner and idempotency key never share a statement: the
 * second waits for the next, which sees the first's row.
 */
@Component
class Admissions {

	private static final Logger logger = LoggerFactory.getLogger(Admissions.class);

	private final Reports reports;

	private final int maxBatch;

	/** A permit for each statement that may run at once. */
	private final Semaphore statements;

	private final DistributionSummary batchSizes;

	private final ReentrantLock lock = new ReentrantLock();

	/** The requests no statement has taken yet, in the order they came (under lock). */
	private final ArrayDeque<Pending> waiting = new ArrayDeque<>();

	Admissions(Reports reports, ApiProperties properties, MeterRegistry meters) {
		this.reports = reports;
		this.maxBatch = properties.accept().maxBatch();
		this.statements = new Semaphore(properties.accept().concurrentStatements());
		this.batchSizes = DistributionSummary.builder("offload.api.accept.batch.size")
			.description("Reports accepted by one insert statement (group commit)")
			.baseUnit("reports")
			.register(meters);
	}

	/**
	 * Accepts a report request: inserts its report, with those of the requests that came
	 * at the same moment, and returns once it is committed.
	 * @param request the request
	 * @return the inserted report, or why none was
	 * @throws RuntimeException what inserting it threw
	 */
	Reports.Admission admit(Reports.NewReport request) {
		Pending mine = new Pending(request, Thread.currentThread());
		this.lock.lock();
		try {
			this.waiting.addLast(mine);
		}
		finally {
			this.lock.unlock();
		}
		boolean interrupted = false;
		while (!mine.isDone()) {
			if (this.statements.tryAcquire()) {
				try {
					List<Pending> batch = take();
					if (!batch.isEmpty()) {
						insert(batch);
					}
				}
				finally {
					this.statements.release();
					wakeHead();
				}
			}
			if (!mine.isDone()) {
				// Woken by the statement that took it once that has committed, or by one
				// that finished and left it at the head of the queue.
				LockSupport.park(this);
				// The request is in a statement or about to be, whose outcome it must
				// have; the interrupt is kept for the caller.
				interrupted |= Thread.interrupted();
			}
		}
		if (interrupted) {
			Thread.currentThread().interrupt();
		}
		return mine.outcome();
	}

	/**
	 * Takes the requests waiting, in the order they came, up to the largest batch and
	 * short of a second request with the same owner and idempotency key.
	 */
	private List<Pending> take() {
		this.lock.lock();
		try {
			List<Pending> batch = new ArrayList<>(Math.min(this.waiting.size(), this.maxBatch));
			Set<OwnerKey> keys = new HashSet<>();
			while (batch.size() < this.maxBatch && !this.waiting.isEmpty()) {
				Reports.NewReport next = this.waiting.peekFirst().request;
				if (next.idempotencyKey() != null
						&& !keys.add(new OwnerKey(next.owner().userId(), next.idempotencyKey()))) {
					break;
				}
				batch.add(this.waiting.pollFirst());
			}
			return batch;
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Hands the turn to the request at the head of the queue, if any. */
	private void wakeHead() {
		Thread head;
		this.lock.lock();
		try {
			Pending first = this.waiting.peekFirst();
			head = (first != null) ? first.thread : null;
		}
		finally {
			this.lock.unlock();
		}
		if (head != null) {
			LockSupport.unpark(head);
		}
	}

	private void insert(List<Pending> batch) {
		try {
			List<Reports.Admission> admissions;
			try {
				admissions = this.reports.admitAll(batch.stream().map(Pending::request).toList());
			}
			catch (RuntimeException ex) {
				if (batch.size() == 1 || unavailable(ex)) {
					batch.forEach((pending) -> pending.fail(ex));
					return;
				}
				logger.warn("Inserting {} accepted reports together failed; inserting each on its own: {}",
						batch.size(), ex.getMessage());
				for (Pending pending : batch) {
					insertAlone(pending);
				}
				return;
			}
			this.batchSizes.record(batch.size());
			for (int i = 0; i < batch.size(); i++) {
				batch.get(i).complete(admissions.get(i));
			}
		}
		catch (RuntimeException | Error ex) {
			// None of them may wait for ever. Not thrown here: this thread's own request
			// may still be waiting for a later statement, and must have its outcome.
			batch.forEach((pending) -> pending.fail(ex));
		}
	}

	private void insertAlone(Pending pending) {
		try {
			pending.complete(this.reports.admitAll(List.of(pending.request)).get(0));
		}
		catch (RuntimeException ex) {
			pending.fail(ex);
		}
	}

	/**
	 * Whether the failure is PostgreSQL's own, which each request alone would meet too.
	 */
	private static boolean unavailable(RuntimeException ex) {
		return ex instanceof DataAccessResourceFailureException || ex instanceof QueryTimeoutException;
	}

	private record OwnerKey(String ownerId, String idempotencyKey) {

	}

	/** A request waiting for its statement, and then its outcome. */
	private static final class Pending {

		private final Reports.NewReport request;

		private final Thread thread;

		private volatile Object outcome;

		Pending(Reports.NewReport request, Thread thread) {
			this.request = request;
			this.thread = thread;
		}

		Reports.NewReport request() {
			return this.request;
		}

		boolean isDone() {
			return this.outcome != null;
		}

		void complete(Reports.Admission admission) {
			settle(admission);
		}

		void fail(Throwable failure) {
			settle(failure);
		}

		private void settle(Object result) {
			if (this.outcome == null) {
				this.outcome = result;
				if (this.thread != Thread.currentThread()) {
					LockSupport.unpark(this.thread);
				}
			}
		}

		Reports.Admission outcome() {
			Object result = this.outcome;
			if (result instanceof RuntimeException ex) {
				throw ex;
			}
			if (result instanceof Error error) {
				throw error;
			}
			if (result instanceof Throwable other) {
				throw new IllegalStateException(other);
			}
			return (Reports.Admission) result;
		}

	}

}
