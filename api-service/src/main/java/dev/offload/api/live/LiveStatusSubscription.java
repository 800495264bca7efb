package dev.offload.api.live;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.offload.api.ApiProperties;

import org.springframework.amqp.AmqpException;
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
 * is back. If the broker cannot be reached when the first stream opens, the stream opens
 * all the same and the binding comes with the reconnect; the page re-reads its reports on
 * every {@code ready} and every 30 s, as it does for any event it missed.
 */
@Component
class LiveStatusSubscription implements DisposableBean {

	private static final Logger logger = LoggerFactory.getLogger(LiveStatusSubscription.class);

	private final AmqpAdmin admin;

	private final Binding binding;

	private final Duration unbindAfter;

	private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor((runnable) -> {
		Thread thread = new Thread(runnable, "live-status-unbind");
		thread.setDaemon(true);
		return thread;
	});

	/** Guarded by this, as are the fields after it. */
	private int streams;

	private boolean bound;

	private ScheduledFuture<?> unbinding;

	LiveStatusSubscription(AmqpAdmin admin, @Qualifier("liveStatusBinding") Binding binding, ApiProperties properties) {
		this.admin = admin;
		this.binding = binding;
		this.unbindAfter = properties.live().unbindAfter();
	}

	/**
	 * A stream opened: binds the queue if it is not bound, before returning, so the
	 * stream's {@code ready} event comes only once the replica takes events.
	 */
	synchronized void opened() {
		this.streams++;
		if (this.unbinding != null) {
			this.unbinding.cancel(false);
			this.unbinding = null;
		}
		if (this.bound) {
			return;
		}
		this.bound = true;
		this.binding.setShouldDeclare(true);
		try {
			this.admin.declareBinding(this.binding);
			logger.info("A live status stream opened: taking report events ({})", this.binding.getDestination());
		}
		catch (AmqpException ex) {
			logger.warn("Could not bind the live status queue now; it is bound once the broker is reachable: {}",
					ex.getMessage());
		}
	}

	/** A stream closed: once none is open, unbinds the queue after the delay. */
	synchronized void closed() {
		this.streams--;
		if (this.streams > 0 || !this.bound) {
			return;
		}
		if (this.unbindAfter.isZero()) {
			unbind();
			return;
		}
		try {
			this.unbinding = this.timer.schedule(this::unbindIfUnwatched, this.unbindAfter.toMillis(),
					TimeUnit.MILLISECONDS);
		}
		catch (RuntimeException ex) {
			// Stopping: the queue goes with the connection.
			logger.debug("Could not schedule unbinding the live status queue: {}", ex.getMessage());
		}
	}

	/**
	 * Whether the queue is bound (or is to be, once the broker is reachable).
	 * @return whether this replica takes report events
	 */
	synchronized boolean bound() {
		return this.bound;
	}

	private synchronized void unbindIfUnwatched() {
		this.unbinding = null;
		if (this.streams == 0 && this.bound) {
			unbind();
		}
	}

	private void unbind() {
		this.bound = false;
		this.binding.setShouldDeclare(false);
		try {
			this.admin.removeBinding(this.binding);
			logger.info("No live status stream open for {}: no longer taking report events", this.unbindAfter);
		}
		catch (AmqpException ex) {
			// Still bound: the replica takes events it drops until the connection is made
			// again, which declares no binding now.
			logger.warn("Could not unbind the live status queue: {}", ex.getMessage());
		}
	}

	@Override
	public void destroy() {
		this.timer.shutdownNow();
	}

}
