package dev.offload.api.live;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.offload.api.ApiProperties;

import org.springframework.amqp.core.AmqpAdmin;
import org.springframework.amqp.core.Binding;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.stereotype.Component;

/**
 * Binds this replica's live status queue to the events exchange while a browser watches
 * it, and only then: when the first stream opens, before its {@code ready} event, and
 * until {@code offload.api.live.unbind-after} after the last one closed. Without it every
 * replica took a copy of every event, watched or not: at the end of a month, thousands a
 * second per replica, each delivered, read and dropped.
 * <p>
 * The binding is declared on the broker and marked to be declared again by RabbitAdmin
 * whenever the connection is made again (the queue is exclusive and goes with the
 * connection), so a replica that lost its broker while watched takes events again once it
 * is back. If the binding cannot be declared when a stream opens (the broker unreachable,
 * or refusing it), the stream opens all the same; the streams that open in the next
 * {@value #BACK_OFF_SECONDS} s do not try again (each try may wait out the connection
 * timeout), and the heartbeat tries again on this class's own thread ({@link #retry()})
 * while the binding is wanted. The page re-reads its reports on every {@code ready} and
 * every 30 s, as it does for any event it missed.
 * <p>
 * The broker is called outside the lock that guards the count of streams, so closing a
 * stream never waits on it; declaring and removing the binding take turns on a lock of
 * their own, so they reach the broker in the order they were decided.
 */
@Component
class LiveStatusSubscription implements DisposableBean {

	private static final Logger logger = LoggerFactory.getLogger(LiveStatusSubscription.class);

	/** How long after a failed declaration opening streams do not try again. */
	private static final long BACK_OFF_SECONDS = 15;

	private final AmqpAdmin admin;

	private final Binding binding;

	private final Duration unbindAfter;

	/** Held while the broker is told to declare or remove the binding. */
	private final Object broker = new Object();

	private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor((runnable) -> {
		Thread thread = new Thread(runnable, "live-status-unbind");
		thread.setDaemon(true);
		return thread;
	});

	/** Guarded by this, as are the fields after it. */
	private int streams;

	/**
	 * Whether the binding is wanted: a stream is open, or closed less than the delay ago.
	 */
	private boolean wanted;

	/** Whether the broker took the binding since it was last wanted. */
	private boolean declared;

	/**
	 * Counts the streams closed last: an unbinding scheduled before the last is stale.
	 */
	private long closings;

	/** When declaring the binding last failed ({@link System#nanoTime()}), if it did. */
	private Long failedAt;

	private ScheduledFuture<?> unbinding;

	LiveStatusSubscription(AmqpAdmin admin, @Qualifier("liveStatusBinding") Binding binding, ApiProperties properties) {
		this.admin = admin;
		this.binding = binding;
		this.unbindAfter = properties.live().unbindAfter();
	}

	/**
	 * A stream opened: binds the queue if it is not bound, before returning, so the
	 * stream's {@code ready} event comes once the replica takes events (unless the broker
	 * cannot be told now).
	 */
	void opened() {
		synchronized (this) {
			this.streams++;
			this.wanted = true;
			if (this.unbinding != null) {
				this.unbinding.cancel(false);
				this.unbinding = null;
			}
			if (this.declared) {
				return;
			}
		}
		declare(false);
	}

	/** A stream closed: once none is open, unbinds the queue after the delay. */
	synchronized void closed() {
		this.streams--;
		if (this.streams > 0 || !this.wanted) {
			return;
		}
		long closing = ++this.closings;
		try {
			this.unbinding = this.timer.schedule(() -> unbindIfUnwatched(closing), this.unbindAfter.toMillis(),
					TimeUnit.MILLISECONDS);
		}
		catch (RuntimeException ex) {
			// Stopping: the queue goes with the connection.
			logger.debug("Could not schedule unbinding the live status queue: {}", ex.getMessage());
		}
	}

	/**
	 * Declares the binding again, on this class's own thread, if it is wanted and the
	 * broker did not take it; returns at once.
	 */
	void retry() {
		synchronized (this) {
			if (!this.wanted || this.declared) {
				return;
			}
		}
		try {
			this.timer.execute(() -> declare(true));
		}
		catch (RuntimeException ex) {
			// Stopping.
			logger.debug("Could not retry binding the live status queue: {}", ex.getMessage());
		}
	}

	/**
	 * Whether the queue is bound (or is to be, once the broker takes it).
	 * @return whether this replica takes report events
	 */
	boolean bound() {
		// Not while the binding is being declared or removed.
		synchronized (this.broker) {
			synchronized (this) {
				return this.wanted;
			}
		}
	}

	/**
	 * Declares the binding if it is wanted and not declared, unless a try failed less
	 * than the back-off ago and this is not a retry.
	 */
	private void declare(boolean retry) {
		synchronized (this.broker) {
			synchronized (this) {
				if (!this.wanted || this.declared || (!retry && this.failedAt != null
						&& System.nanoTime() - this.failedAt < TimeUnit.SECONDS.toNanos(BACK_OFF_SECONDS))) {
					return;
				}
				this.binding.setShouldDeclare(true);
			}
			try {
				this.admin.declareBinding(this.binding);
				synchronized (this) {
					this.declared = true;
					this.failedAt = null;
				}
				logger.info("A live status stream is open: taking report events ({})", this.binding.getDestination());
			}
			catch (RuntimeException ex) {
				synchronized (this) {
					this.failedAt = System.nanoTime();
				}
				logger.warn("Could not bind the live status queue; trying again at the next heartbeat and after a "
						+ "reconnect: {}", ex.getMessage());
			}
		}
	}

	private void unbindIfUnwatched(long closing) {
		synchronized (this.broker) {
			synchronized (this) {
				if (closing != this.closings || this.streams > 0 || !this.wanted) {
					return;
				}
				this.unbinding = null;
				this.wanted = false;
				this.declared = false;
				this.binding.setShouldDeclare(false);
			}
			try {
				this.admin.removeBinding(this.binding);
				logger.info("No live status stream open for {}: no longer taking report events", this.unbindAfter);
			}
			catch (RuntimeException ex) {
				// Left bound: the replica takes events it drops until the connection is
				// made again, which declares no binding now.
				logger.warn("Could not unbind the live status queue: {}", ex.getMessage());
			}
		}
	}

	@Override
	public void destroy() {
		this.timer.shutdownNow();
	}

}
