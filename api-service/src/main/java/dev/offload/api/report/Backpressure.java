package dev.offload.api.report;

import java.time.Duration;

import dev.offload.api.ApiProperties;

import org.springframework.stereotype.Component;

/**
 * Refuses new reports before they pile up: a user with too many unfinished reports gets
 * 429, and while the global backlog of queued reports is full everyone gets 503, both
 * with {@code Retry-After}. Nothing is written for a refused request.
 * <p>
 * The global count is shared by every request, so it is read at most once per
 * {@code offload.api.limits.backlog-cache-ttl}; the per-user count is part of the
 * statement that inserts the report ({@link Reports#admitAll}), so the request path stays
 * one statement, however deep the backlog.
 */
@Component
class Backpressure {

	private final Reports reports;

	private final ApiProperties.Limits limits;

	private final Object refreshLock = new Object();

	private volatile long cachedBacklog;

	private volatile long cachedAtNanos;

	private volatile boolean cached;

	Backpressure(Reports reports, ApiProperties properties) {
		this.reports = reports;
		this.limits = properties.limits();
	}

	/**
	 * Checks that the global backlog has room for one more report.
	 * @throws ReportLimitExceededException if it is full
	 */
	void checkBacklog() {
		if (backlog() >= this.limits.maxBacklog()) {
			throw ReportLimitExceededException.backlogFull(this.limits.maxBacklog(), this.limits.retryAfter());
		}
	}

	/**
	 * The most unfinished interactive reports one user may have; the insert of a new one
	 * checks it ({@link Reports#admitAll}).
	 * @return the limit
	 */
	int maxUnfinishedPerUser() {
		return this.limits.maxUnfinishedPerUser();
	}

	/**
	 * The refusal of a request whose owner has reached {@link #maxUnfinishedPerUser()}.
	 * @return the exception to throw
	 */
	ReportLimitExceededException tooManyUnfinished() {
		return ReportLimitExceededException.tooManyUnfinished(this.limits.maxUnfinishedPerUser(),
				this.limits.retryAfter());
	}

	private long backlog() {
		Duration ttl = this.limits.backlogCacheTtl();
		if (!this.cached || System.nanoTime() - this.cachedAtNanos > ttl.toNanos()) {
			synchronized (this.refreshLock) {
				if (!this.cached || System.nanoTime() - this.cachedAtNanos > ttl.toNanos()) {
					this.cachedBacklog = this.reports.countQueued();
					this.cachedAtNanos = System.nanoTime();
					this.cached = true;
				}
			}
		}
		return this.cachedBacklog;
	}

}
