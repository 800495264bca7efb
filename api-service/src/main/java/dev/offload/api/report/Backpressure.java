package dev.offload.api.report;

import java.time.Duration;

import dev.offload.api.ApiProperties;
import dev.offload.model.Owner;

import org.springframework.stereotype.Component;

/**
 * Refuses new reports before they pile up: a user with too many unfinished reports gets
 * 429, and while the global backlog of queued reports is full everyone gets 503, both
 * with {@code Retry-After}. Nothing is written for a refused request.
 * <p>
 * The global count is shared by every request, so it is read at most once per
 * {@code offload.api.limits.backlog-cache-ttl} and the request path stays one cheap
 * per-user count plus the insert, however deep the backlog.
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
	 * Checks that the owner may ask for one more report now.
	 * @param owner the caller
	 * @throws ReportLimitExceededException if a limit is reached
	 */
	void check(Owner owner) {
		if (backlog() >= this.limits.maxBacklog()) {
			throw ReportLimitExceededException.backlogFull(this.limits.maxBacklog(), this.limits.retryAfter());
		}
		long unfinished = this.reports.countUnfinished(owner.userId());
		if (unfinished >= this.limits.maxUnfinishedPerUser()) {
			throw ReportLimitExceededException.tooManyUnfinished(this.limits.maxUnfinishedPerUser(),
					this.limits.retryAfter());
		}
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
