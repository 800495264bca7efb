package dev.offload.api.live;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.offload.api.ApiProperties;
import dev.offload.model.Owner;
import dev.offload.model.ReportEvent;

import org.springframework.context.SmartLifecycle;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The open live status streams of this replica, by user. Each event is pushed to the
 * streams of the report's owner only; nobody else's stream ever carries it.
 * <p>
 * Streams are held open without a thread each (servlet async). An idle stream gets a
 * comment line every {@code heartbeat-interval}, which keeps proxies from closing it and
 * finds browsers that are gone. On shutdown every stream is completed first, so a
 * graceful shutdown does not wait for them and the browsers reconnect, to another
 * replica.
 */
@Component
class LiveStatus implements SmartLifecycle {

	private static final Logger logger = LoggerFactory.getLogger(LiveStatus.class);

	/** How long a browser waits before it reconnects a stream that ended. */
	private static final Duration RECONNECT_DELAY = Duration.ofSeconds(2);

	private final Map<String, Set<SseEmitter>> streams = new ConcurrentHashMap<>();

	private final ApiProperties.Live properties;

	private final LiveStatusSubscription subscription;

	private ScheduledExecutorService heartbeats;

	private volatile boolean running;

	LiveStatus(ApiProperties properties, LiveStatusSubscription subscription) {
		this.properties = properties.live();
		this.subscription = subscription;
	}

	/**
	 * Opens a stream for a user and sends its {@code ready} event, once this replica
	 * takes report events ({@link LiveStatusSubscription}).
	 * @param owner the user
	 * @return the stream
	 * @throws TooManyStreamsException if the user already holds the most streams allowed
	 */
	SseEmitter open(Owner owner) {
		SseEmitter emitter = new SseEmitter(this.properties.streamTimeout().toMillis());
		int limit = this.properties.maxStreamsPerUser();
		// Atomic per user, like remove(): a set is never dropped while a stream joins it.
		this.streams.compute(owner.userId(), (user, own) -> {
			Set<SseEmitter> streams = (own != null) ? own : new CopyOnWriteArraySet<>();
			if (streams.size() >= limit) {
				throw new TooManyStreamsException(limit);
			}
			streams.add(emitter);
			return streams;
		});
		this.subscription.opened();
		Runnable remove = () -> remove(owner.userId(), emitter);
		emitter.onCompletion(remove);
		emitter.onTimeout(emitter::complete);
		emitter.onError((ex) -> remove.run());
		send(owner.userId(), emitter,
				SseEmitter.event().name("ready").reconnectTime(RECONNECT_DELAY.toMillis()).data("{}"));
		return emitter;
	}

	/**
	 * Pushes an event to its owner's streams on this replica.
	 * @param event the event
	 */
	void publish(ReportEvent event) {
		String userId = event.owner().userId();
		Set<SseEmitter> own = this.streams.get(userId);
		if (own == null || own.isEmpty()) {
			return;
		}
		LiveReportEvent data = LiveReportEvent.of(event);
		for (SseEmitter emitter : own) {
			send(userId, emitter, SseEmitter.event().name("report").data(data, MediaType.APPLICATION_JSON));
		}
	}

	/**
	 * How many streams are open on this replica.
	 * @return the count
	 */
	int openStreams() {
		return this.streams.values().stream().mapToInt(Set::size).sum();
	}

	/**
	 * Writes a comment line to every open stream, which finds the streams whose browser
	 * is gone; then has this replica's queue bound if that failed when a stream opened.
	 */
	void heartbeat() {
		this.streams.forEach((userId, own) -> {
			for (SseEmitter emitter : own) {
				send(userId, emitter, SseEmitter.event().comment("heartbeat"));
			}
		});
		// Binds the queue if that failed when a stream opened (on a thread of its own).
		this.subscription.retry();
	}

	private void send(String userId, SseEmitter emitter, SseEmitter.SseEventBuilder event) {
		try {
			emitter.send(event);
		}
		catch (IOException | IllegalStateException ex) {
			// The browser is gone or the stream already ended; the container completes
			// it.
			logger.debug("Dropping a live status stream of {}: {}", userId, ex.getMessage());
			remove(userId, emitter);
		}
	}

	private void remove(String userId, SseEmitter emitter) {
		// Called once or more per stream (completed, failed, a send that failed): only
		// the call that removes it counts.
		boolean[] removed = { false };
		this.streams.computeIfPresent(userId, (user, own) -> {
			removed[0] = own.remove(emitter);
			return own.isEmpty() ? null : own;
		});
		if (removed[0]) {
			this.subscription.closed();
		}
	}

	@Override
	public void start() {
		this.heartbeats = Executors.newSingleThreadScheduledExecutor((runnable) -> {
			Thread thread = new Thread(runnable, "live-status-heartbeat");
			thread.setDaemon(true);
			return thread;
		});
		long interval = this.properties.heartbeatInterval().toMillis();
		this.heartbeats.scheduleWithFixedDelay(this::heartbeat, interval, interval, TimeUnit.MILLISECONDS);
		this.running = true;
	}

	@Override
	public void stop() {
		this.running = false;
		if (this.heartbeats != null) {
			this.heartbeats.shutdownNow();
		}
		List<SseEmitter> open = this.streams.values().stream().flatMap(Set::stream).toList();
		this.streams.clear();
		open.forEach(SseEmitter::complete);
		logger.info("Closed {} live status streams for shutdown", open.size());
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	/**
	 * Stops before the web server's graceful shutdown, which would otherwise wait for the
	 * open streams until its timeout.
	 * @return the highest phase
	 */
	@Override
	public int getPhase() {
		return Integer.MAX_VALUE;
	}

}
