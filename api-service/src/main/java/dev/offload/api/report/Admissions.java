package dev.offload.api.report;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import dev.offload.api.ApiProperties;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.annotation.Autowired;
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
 * thread takes what is waiting (up to {@code max-batch}, oldest first) and inserts it;
 * otherwise it waits until a statement has inserted its request, or one ends and hands it
 * the turn. A request that comes alone is inserted at once. Each request is answered only
 * once the statement that inserted its report has committed, or with the statement's
 * failure: a failure of PostgreSQL itself (unreachable, timed out) fails every request of
 * the statement, as it would have failed each alone; any other is not the others' doing,
 * so the requests of the statement whose reports were not stored are then inserted one at
 * a time, each with its own outcome.
 * <p>
 * An owner's requests are in one running statement of this replica at most: the next ones
 * wait for it to commit, so each statement counts what the one before stored, and the
 * per-user limit holds across this replica's statements as it does within one.
 * (Statements of two replicas for the same owner can both count before either commits, as
 * two single inserts could before group commit, so across replicas the limit may be
 * passed by a few.) Two requests with the same owner and idempotency key are never in one
 * statement: the second finds the first's row.
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

	/** The requests no statement has taken yet, oldest first (under lock). */
	private final List<Pending> waiting = new ArrayList<>();

	/** The owners whose requests are in a running statement (under lock). */
	private final Set<String> runningOwners = new HashSet<>();

	/** The threads running a statement (under lock): a turn handed to one would wait. */
	private final Set<Thread> busy = new HashSet<>();

	@Autowired
	Admissions(Reports reports, ApiProperties properties, MeterRegistry meters, DataSource dataSource) {
		this(reports, properties.accept().maxBatch(), properties.accept().concurrentStatements(), meters);
		requireBelowPoolSize(properties.accept().concurrentStatements(), dataSource);
	}

	Admissions(Reports reports, int maxBatch, int concurrentStatements, MeterRegistry meters) {
		this.reports = reports;
		this.maxBatch = maxBatch;
		this.statements = new Semaphore(concurrentStatements);
		this.batchSizes = DistributionSummary.builder("offload.api.accept.batch.size")
			.description("Reports accepted by one insert statement (group commit)")
			.baseUnit("reports")
			.register(meters);
	}

	/**
	 * Refuses to start with as many accepting statements as pooled connections, or more.
	 * @param concurrentStatements {@code offload.api.accept.concurrent-statements}
	 * @param dataSource the connection pool
	 * @throws IllegalStateException if it is a Hikari pool that small
	 */
	static void requireBelowPoolSize(int concurrentStatements, DataSource dataSource) {
		if (dataSource instanceof HikariDataSource pool && concurrentStatements >= pool.getMaximumPoolSize()) {
			throw new IllegalStateException(("offload.api.accept.concurrent-statements (%d) must be below "
					+ "spring.datasource.hikari.maximum-pool-size (%d): accepting reports would take every "
					+ "connection, and reads, the rate limits and the outbox relay would wait for them")
				.formatted(concurrentStatements, pool.getMaximumPoolSize()));
		}
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
		boolean interrupted = false;
		this.lock.lock();
		try {
			this.waiting.add(mine);
		}
		finally {
			this.lock.unlock();
		}
		try {
			while (!mine.isDone()) {
				// Cleared (and kept for the caller): a statement run with it set would
				// fail in the pool's wait for a connection, and every request in it.
				interrupted |= Thread.interrupted();
				boolean inserted = false;
				if (this.statements.tryAcquire()) {
					List<Pending> batch = List.of();
					try {
						batch = take();
						if (!batch.isEmpty()) {
							insert(batch);
							inserted = true;
						}
					}
					finally {
						ended(batch);
					}
				}
				if (!inserted && !mine.isDone()) {
					// Woken by the statement that took it once that has committed, or by
					// one that ended while it was the oldest a statement could take.
					LockSupport.park(this);
				}
			}
		}
		finally {
			if (!mine.isDone()) {
				// Only if this thread failed (an Error) before a statement took its
				// request: no statement may insert a report whose request has given up.
				this.lock.lock();
				try {
					this.waiting.remove(mine);
				}
				finally {
					this.lock.unlock();
				}
			}
			if (interrupted) {
				Thread.currentThread().interrupt();
			}
		}
		return mine.outcome();
	}

	/**
	 * Takes the oldest requests waiting, up to the largest batch, but none whose owner is
	 * in a running statement and no second one with the same owner and idempotency key;
	 * their owners count as running from now on. Hands the turn on if another statement
	 * may run.
	 */
	private List<Pending> take() {
		this.lock.lock();
		try {
			List<Pending> batch = new ArrayList<>(Math.min(this.waiting.size(), this.maxBatch));
			Set<String> owners = new HashSet<>();
			Set<OwnerKey> keys = new HashSet<>();
			for (Pending pending : this.waiting) {
				if (batch.size() == this.maxBatch) {
					break;
				}
				String owner = pending.request.owner().userId();
				String key = pending.request.idempotencyKey();
				if (this.runningOwners.contains(owner) || (key != null && !keys.add(new OwnerKey(owner, key)))) {
					continue;
				}
				owners.add(owner);
				batch.add(pending);
			}
			this.waiting.removeAll(batch);
			this.runningOwners.addAll(owners);
			if (!batch.isEmpty()) {
				this.busy.add(Thread.currentThread());
			}
			if (this.statements.availablePermits() > 0) {
				wakeNext();
			}
			return batch;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * A statement has ended (or none was run): its owners may go again, then its permit
	 * is given back, and the next request has a turn.
	 */
	private void ended(List<Pending> batch) {
		this.lock.lock();
		try {
			for (Pending pending : batch) {
				this.runningOwners.remove(pending.request.owner().userId());
			}
			this.busy.remove(Thread.currentThread());
			this.statements.release();
			wakeNext();
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Wakes the oldest request a statement could take now whose thread is not running a
	 * statement already (under lock).
	 */
	private void wakeNext() {
		for (Pending pending : this.waiting) {
			if (!this.runningOwners.contains(pending.request.owner().userId()) && !this.busy.contains(pending.thread)) {
				LockSupport.unpark(pending.thread);
				return;
			}
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
				oneAtATime(batch);
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

	/**
	 * After a statement failed for one of its requests: the reports it stored all the
	 * same (had it failed after its commit) are answered as stored, and the others are
	 * inserted one at a time.
	 */
	private void oneAtATime(List<Pending> batch) {
		Map<UUID, Report> stored = this.reports
			.findAllById(batch.stream().map((pending) -> pending.request.id()).toList());
		for (Pending pending : batch) {
			Report report = stored.get(pending.request.id());
			if (report != null) {
				pending.complete(new Reports.Admission(report, 0));
				continue;
			}
			try {
				pending.complete(this.reports.admitAll(List.of(pending.request)).get(0));
			}
			catch (RuntimeException ex) {
				pending.fail(ex);
			}
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
