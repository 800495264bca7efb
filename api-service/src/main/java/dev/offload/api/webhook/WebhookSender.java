package dev.offload.api.webhook;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.net.ssl.SSLException;

import dev.offload.api.webhook.WebhookEvents.WebhookEventRecorded;
import dev.offload.api.webhook.WebhookOutbox.DueDelivery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.event.TransactionalEventListener;

/**
 * Sends due webhook deliveries: the relay of the webhook outbox.
 * <p>
 * Each round takes up to {@code batch-size} due deliveries ({@code FOR UPDATE SKIP
 * LOCKED}, so replicas share them) and moves their next attempt on by the lease in the
 * same committed statement; then it posts them, {@code concurrency} at a time, with no
 * transaction open, and records each result. A 2xx answer delivers; anything else (a
 * non-2xx status, a redirect, which is never followed, a timeout, a refused address) is a
 * failed attempt, tried again after an exponential back-off with jitter until
 * {@code max-attempts-age} after the delivery was queued, then FAILED. A sender that dies
 * mid-round leaves its deliveries to another after the lease, so a receiver may get an
 * event twice; the {@code webhook-id} lets it drop the second.
 * <p>
 * The URL is checked again before every attempt ({@link EndpointGuard}): the name may
 * resolve to an internal address by now.
 */
@Component
class WebhookSender implements SmartLifecycle {

	static final String USER_AGENT = "Offload-Webhooks/1";

	private static final Logger logger = LoggerFactory.getLogger(WebhookSender.class);

	private final WebhookOutbox outbox;

	private final EndpointGuard guard;

	private final WebhookProperties properties;

	private final WebhookMetrics metrics;

	private final HttpClient client;

	private final AtomicBoolean wakeUpPending = new AtomicBoolean();

	private volatile ScheduledExecutorService scheduler;

	private volatile ExecutorService senders;

	WebhookSender(WebhookOutbox outbox, EndpointGuard guard, WebhookProperties properties, WebhookMetrics metrics) {
		this.outbox = outbox;
		this.guard = guard;
		this.properties = properties;
		this.metrics = metrics;
		// The JDK's client: no extra dependency (Apache HttpClient 5 stays out of the
		// build), and it never follows a redirect unless told to, which would lead
		// around the address check.
		this.client = HttpClient.newBuilder()
			.connectTimeout(properties.connectTimeout())
			.followRedirects(HttpClient.Redirect.NEVER)
			.version(HttpClient.Version.HTTP_1_1)
			.build();
	}

	/**
	 * Wakes the sender once the transaction that recorded an event has committed.
	 * @param event the recorded event
	 */
	@TransactionalEventListener
	void on(WebhookEventRecorded event) {
		wakeUp();
	}

	private void wakeUp() {
		ScheduledExecutorService current = this.scheduler;
		if (current != null && this.wakeUpPending.compareAndSet(false, true)) {
			try {
				current.execute(() -> {
					this.wakeUpPending.set(false);
					sendDue();
				});
			}
			catch (RejectedExecutionException ex) {
				// Stopping: what is due is sent after the next start, by this replica or
				// another.
				this.wakeUpPending.set(false);
			}
		}
	}

	/**
	 * Sends rounds of due deliveries until one comes back short. Never throws, so the
	 * schedule goes on.
	 */
	void sendDue() {
		try {
			List<DueDelivery> due;
			do {
				due = this.outbox.claimDue(this.properties.batchSize(), this.properties.lease());
				List<Future<?>> sending = new ArrayList<>();
				for (DueDelivery delivery : due) {
					sending.add(this.senders.submit(() -> send(delivery)));
				}
				for (Future<?> future : sending) {
					future.get();
				}
			}
			while (due.size() == this.properties.batchSize() && isRunning());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (ExecutionException | RuntimeException ex) {
			logger.warn("Could not send webhooks (will try again): {}", ex.toString());
		}
	}

	private void send(DueDelivery delivery) {
		try {
			List<String> refused = this.guard.problems(delivery.url());
			if (!refused.isEmpty()) {
				failed(delivery, null, "not sent: the URL " + refused.get(0));
				return;
			}
			Attempt attempt = post(delivery);
			if (attempt.status() != null && attempt.status() >= 200 && attempt.status() < 300) {
				if (this.outbox.delivered(delivery, attempt.status())) {
					this.metrics.delivered();
				}
			}
			else {
				failed(delivery, attempt.status(), attempt.error());
			}
		}
		catch (RuntimeException ex) {
			// The result could not be recorded: the delivery is taken again after its
			// lease and sent again (at least once).
			logger.warn("Could not record webhook delivery {} of event {}: {}", delivery.id(), delivery.eventId(),
					ex.toString());
		}
	}

	private Attempt post(DueDelivery delivery) {
		long timestamp = Instant.now().getEpochSecond();
		HttpRequest request = HttpRequest.newBuilder(URI.create(delivery.url()))
			.timeout(this.properties.readTimeout())
			.header("content-type", "application/json")
			.header("user-agent", USER_AGENT)
			.header("webhook-id", delivery.eventId())
			.header("webhook-timestamp", Long.toString(timestamp))
			.header("webhook-signature",
					WebhookSignature.sign(delivery.secret(), delivery.eventId(), timestamp, delivery.body()))
			.POST(HttpRequest.BodyPublishers.ofString(delivery.body(), StandardCharsets.UTF_8))
			.build();
		try {
			HttpResponse<InputStream> response = this.client.send(request, HttpResponse.BodyHandlers.ofInputStream());
			// Only the status counts; a receiver's answer is read no further than this,
			// however much it sends.
			try (InputStream body = response.body()) {
				body.readNBytes(this.properties.maxResponseBody());
			}
			int status = response.statusCode();
			if (status >= 300 && status < 400) {
				return new Attempt(status, "HTTP " + status + " (redirects are not followed)");
			}
			return new Attempt(status, (status >= 200 && status < 300) ? null : "HTTP " + status);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return new Attempt(null, "interrupted while sending (the API was stopping)");
		}
		catch (IOException ex) {
			return new Attempt(null, describe(ex));
		}
	}

	/** What went wrong, in words for the delivery log: never a stack trace. */
	private String describe(IOException ex) {
		if (ex instanceof HttpConnectTimeoutException) {
			return "no connection within " + this.properties.connectTimeout().toMillis() + " ms";
		}
		if (ex instanceof HttpTimeoutException) {
			return "no answer within " + this.properties.readTimeout().toMillis() + " ms";
		}
		if (ex instanceof ConnectException) {
			return "connection refused";
		}
		if (ex instanceof UnknownHostException) {
			return "host could not be resolved";
		}
		if (ex instanceof SSLException) {
			return "TLS failed (certificate or protocol)";
		}
		return "request failed (" + ex.getClass().getSimpleName() + ")";
	}

	private void failed(DueDelivery delivery, Integer status, String error) {
		Duration retryIn = jittered(this.properties.backoff().delayAfter(delivery.attempts() + 1));
		Optional<DeliveryStatus> now = this.outbox.failed(delivery, status, error, retryIn,
				this.properties.maxAttemptsAge());
		if (now.isEmpty()) {
			return;
		}
		boolean givenUp = now.get() == DeliveryStatus.FAILED;
		this.metrics.attemptFailed(givenUp);
		if (givenUp) {
			logger.info("Webhook delivery {} of event {} failed for good after {} attempt(s): {}", delivery.id(),
					delivery.eventId(), delivery.attempts() + 1, error);
		}
		else {
			logger.debug("Webhook delivery {} of event {} failed ({}); next attempt in {}", delivery.id(),
					delivery.eventId(), error, retryIn);
		}
	}

	/**
	 * Between half and all of the wait, so deliveries that failed together spread out.
	 */
	private static Duration jittered(Duration delay) {
		long half = delay.toMillis() / 2;
		return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(half + 1));
	}

	@Override
	public boolean isAutoStartup() {
		return this.properties.enabled();
	}

	@Override
	public void start() {
		this.senders = Executors.newFixedThreadPool(this.properties.concurrency(),
				new CustomizableThreadFactory("webhook-sender-"));
		ScheduledExecutorService started = Executors
			.newSingleThreadScheduledExecutor(new CustomizableThreadFactory("webhook-outbox-"));
		this.scheduler = started;
		started.scheduleWithFixedDelay(this::sendDue, 0, this.properties.senderInterval().toMillis(),
				TimeUnit.MILLISECONDS);
		logger.info("Sending webhooks every {} and on each recorded event", this.properties.senderInterval());
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
			// A round in flight ends within its calls' timeouts; whatever is left goes
			// after the lease.
			long waitMillis = this.properties.connectTimeout().plus(this.properties.readTimeout()).toMillis();
			if (!stopping.awaitTermination(waitMillis, TimeUnit.MILLISECONDS)) {
				stopping.shutdownNow();
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			stopping.shutdownNow();
		}
		this.senders.shutdownNow();
	}

	@Override
	public boolean isRunning() {
		return this.scheduler != null;
	}

	/**
	 * One HTTP call's result.
	 *
	 * @param status the receiver's status, or {@code null} without an answer
	 * @param error what went wrong, or {@code null} for a 2xx
	 */
	private record Attempt(Integer status, String error) {

	}

}
