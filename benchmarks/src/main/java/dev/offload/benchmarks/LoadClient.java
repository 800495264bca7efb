package dev.offload.benchmarks;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DeliverCallback;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * The load generator, run by the suite as a process of its own so its CPU and garbage are
 * not the services'. Two modes:
 * <ul>
 * <li>{@code closed}: {@code --concurrency} clients each send a request, wait for the
 * answer and send the next, for {@code --seconds} (after {@code --warmup} seconds whose
 * results are dropped). With {@code --urls a,b,...} instead of {@code --url}, client i
 * calls the i-th URL as the i-th user (both modulo their number).</li>
 * <li>{@code open}: requests start at a fixed {@code --rate} whatever the answers do;
 * latency counts from the moment a request was due, so a stalled server is not hidden (no
 * coordinated omission). {@code --warmup} seconds at the same rate come first and are
 * dropped, so the client's own cold start is not in the tail; then it waits
 * {@code --warmup-settle-millis}, and prints when the measured run began
 * ({@code measured_from_epoch_ms}).</li>
 * </ul>
 * {@code --heavy N} first fires N other requests without waiting for them (the load the
 * measured calls compete with). {@code --events-exchange} subscribes to the report events
 * and also records, per accepted report, the time from its POST to its SUCCEEDED event.
 * The last line printed is {@code RESULT key=value ...}; latencies are in milliseconds.
 */
public final class LoadClient {

	private static final Pattern REPORT_ID = Pattern.compile("\"reportId\"\\s*:\\s*\"([0-9a-f-]{36})\"");

	private static final Pattern EVENT_TYPE = Pattern.compile("\"type\"\\s*:\\s*\"([A-Z_]+)\"");

	private static final long MAX_MICROS = TimeUnit.SECONDS.toMicros(120);

	private final Map<String, String> options;

	private final HttpClient http;

	private final List<String> credentials;

	/** The closed mode's URLs: client i calls the i-th (modulo), as user i (modulo). */
	private final List<String> urls;

	private final AtomicLong sent = new AtomicLong();

	private final Map<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();

	private final AtomicLong failures = new AtomicLong();

	/** Accepted reports of the measured run: the moment each POST was due, by id. */
	private final Map<String, Long> postedAt = new ConcurrentHashMap<>();

	/** Accepted reports of the measured run: the moment each 202 arrived, by id. */
	private final Map<String, Long> answeredAt = new ConcurrentHashMap<>();

	/** The first SUCCEEDED event heard for each report, by id, whoever posted it. */
	private final Map<String, Long> succeededAt = new ConcurrentHashMap<>();

	private final AtomicLong eventsHeard = new AtomicLong();

	private final AtomicLong accepted202WithoutLocation = new AtomicLong();

	private LoadClient(Map<String, String> options) {
		this.options = options;
		this.http = HttpClient.newBuilder()
			.connectTimeout(Duration.ofSeconds(5))
			.executor(Executors.newFixedThreadPool(4))
			.version(HttpClient.Version.HTTP_1_1)
			.build();
		this.credentials = List.of(option("users", "alice:alice-secret").split(","));
		this.urls = this.options.containsKey("urls") ? List.of(option("urls", null).split(","))
				: List.of(option("url", null));
	}

	public static void main(String[] args) throws Exception {
		Map<String, String> options = new HashMap<>();
		for (int i = 1; i + 1 < args.length; i += 2) {
			options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
		}
		try {
			LoadClient client = new LoadClient(options);
			String result = switch (args[0]) {
				case "closed" -> client.closed();
				case "open" -> client.open();
				default -> throw new IllegalArgumentException("Mode is closed or open, was " + args[0]);
			};
			System.out.println("RESULT " + result);
			System.exit(0);
		}
		catch (Exception | Error ex) {
			// The HTTP client's threads would keep a failed run alive.
			ex.printStackTrace();
			System.exit(1);
		}
	}

	private String closed() throws Exception {
		int concurrency = Integer.parseInt(option("concurrency", "8"));
		fireHeavy();
		double warmup = Double.parseDouble(option("warmup", "0"));
		if (warmup > 0) {
			runClosed(concurrency, warmup, new ConcurrentHistogram(MAX_MICROS, 3));
			this.statuses.clear();
			this.failures.set(0);
			this.sent.set(0);
		}
		Histogram histogram = new ConcurrentHistogram(MAX_MICROS, 3);
		double seconds = Double.parseDouble(option("seconds", "10"));
		double elapsed = runClosed(concurrency, seconds, histogram);
		return summary(histogram, elapsed);
	}

	private double runClosed(int concurrency, double seconds, Histogram histogram) throws InterruptedException {
		long start = System.nanoTime();
		long end = start + (long) (seconds * 1e9);
		ExecutorService clients = Executors.newFixedThreadPool(concurrency);
		for (int i = 0; i < concurrency; i++) {
			String user = this.credentials.get(i % this.credentials.size());
			String url = this.urls.get(i % this.urls.size());
			clients.execute(() -> {
				while (System.nanoTime() < end) {
					long begun = System.nanoTime();
					call(request(url, option("method", "GET"), this.options.get("body"), user));
					histogram.recordValue(Math.min(MAX_MICROS, (System.nanoTime() - begun) / 1000));
				}
			});
		}
		clients.shutdown();
		if (!clients.awaitTermination((long) seconds + 60, TimeUnit.SECONDS)) {
			clients.shutdownNow();
		}
		return (System.nanoTime() - start) / 1e9;
	}

	private String open() throws Exception {
		double rate = Double.parseDouble(option("rate", "100"));
		double seconds = Double.parseDouble(option("seconds", "10"));
		double warmup = Double.parseDouble(option("warmup", "0"));
		// Subscribed first, so the warm-up warms the event consumer too.
		Connection events = subscribeToEvents();
		if (warmup > 0) {
			// This JVM's own JIT and connections, before any latency counts: a cold
			// client would add its own start-up to the server's tail.
			awaitAnswers(runOpen(rate, warmup, new ConcurrentHistogram(MAX_MICROS, 3), null));
			// Time for the server to finish the warm-up's work (reports to build); one
			// that has not is measured with it.
			Pause.millis(Long.parseLong(option("warmup-settle-millis", "0")));
			this.statuses.clear();
			this.failures.set(0);
			this.sent.set(0);
			this.succeededAt.clear();
			this.eventsHeard.set(0);
		}
		fireHeavy();
		Histogram histogram = new ConcurrentHistogram(MAX_MICROS, 3);
		long measuredFrom = System.currentTimeMillis();
		long start = System.nanoTime();
		List<CompletableFuture<?>> inFlight = runOpen(rate, seconds, histogram, events);
		double elapsed = (System.nanoTime() - start) / 1e9;
		awaitAnswers(inFlight);
		String summary = summary(histogram, elapsed) + " measured_from_epoch_ms=" + measuredFrom;
		if (events != null) {
			summary += endToEnd(events);
		}
		return summary;
	}

	/**
	 * Joins the accepted reports with their SUCCEEDED events once every event has come
	 * (or a minute has passed): POST due → event heard, and the 202's arrival → event
	 * heard. Joining at the end, rather than in the consumer, means neither the order in
	 * which a POST's answer and its event arrive nor a slow answer can lose an event.
	 */
	private String endToEnd(Connection events) throws IOException, InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
		while (!this.succeededAt.keySet().containsAll(this.postedAt.keySet()) && System.nanoTime() < deadline) {
			Thread.sleep(100);
		}
		try {
			events.close();
		}
		catch (Exception ex) {
			// A connection the broker reset meanwhile: the events missed are counted
			// below.
		}
		Histogram fromDue = new ConcurrentHistogram(MAX_MICROS, 3);
		Histogram fromAnswer = new ConcurrentHistogram(MAX_MICROS, 3);
		long missing = 0;
		for (Map.Entry<String, Long> posted : this.postedAt.entrySet()) {
			Long heard = this.succeededAt.get(posted.getKey());
			if (heard == null) {
				missing++;
				continue;
			}
			fromDue.recordValue(Math.max(0, Math.min(MAX_MICROS, (heard - posted.getValue()) / 1000)));
			Long answered = this.answeredAt.get(posted.getKey());
			if (answered != null) {
				// Negative when the event beat the 202 to the client.
				fromAnswer.recordValue(Math.max(0, Math.min(MAX_MICROS, (heard - answered) / 1000)));
			}
		}
		writeHistogram(fromDue, this.options.get("e2e-histogram"));
		return " accepted_with_id=" + this.postedAt.size() + " accepted_without_location="
				+ this.accepted202WithoutLocation.get() + " events_heard=" + this.eventsHeard.get() + " e2e_count="
				+ fromDue.getTotalCount() + " e2e_missing=" + missing + percentiles("e2e_", fromDue)
				+ percentiles("answer_to_event_", fromAnswer);
	}

	/**
	 * Waits up to a minute for the requests in flight; whatever has not answered by then
	 * is counted as a failure.
	 */
	private static void awaitAnswers(List<CompletableFuture<?>> inFlight) {
		try {
			CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
		}
		catch (Exception ex) {
			// Counted as failures: whatever has not answered by now.
		}
	}

	private List<CompletableFuture<?>> runOpen(double rate, double seconds, Histogram histogram, Connection events)
			throws InterruptedException {
		long count = (long) (rate * seconds);
		long intervalNanos = (long) (1e9 / rate);
		long start = System.nanoTime();
		List<CompletableFuture<?>> inFlight = new ArrayList<>();
		for (long i = 0; i < count; i++) {
			long due = start + i * intervalNanos;
			long wait = due - System.nanoTime();
			if (wait > 0) {
				Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
			}
			String user = this.credentials.get((int) (i % this.credentials.size()));
			HttpRequest request = request(option("url", null), option("method", "GET"), this.options.get("body"), user);
			this.sent.incrementAndGet();
			inFlight.add(this.http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
				.whenComplete((response, failure) -> {
					histogram.recordValue(Math.min(MAX_MICROS, (System.nanoTime() - due) / 1000));
					counted(response, failure);
					if (response != null && events != null && response.statusCode() == 202) {
						remember(response, due);
					}
				}));
		}
		return inFlight;
	}

	private Connection subscribeToEvents() throws Exception {
		String exchange = this.options.get("events-exchange");
		if (exchange == null) {
			return null;
		}
		ConnectionFactory factory = new ConnectionFactory();
		factory.setHost("127.0.0.1");
		factory.setPort(Integer.parseInt(option("amqp-port", "5672")));
		Connection connection = factory.newConnection("offload-benchmark-load");
		Channel channel = connection.createChannel();
		String queue = channel.queueDeclare("", false, true, true, null).getQueue();
		channel.queueBind(queue, exchange, "");
		// Only notes the time: the consumer's one thread must never wait, or every event
		// behind it is heard late.
		DeliverCallback onEvent = (tag, delivery) -> {
			long now = System.nanoTime();
			String body = new String(delivery.getBody(), StandardCharsets.UTF_8);
			if (this.eventsHeard.getAndIncrement() == 0) {
				System.out.println("First event heard: " + body);
			}
			Matcher type = EVENT_TYPE.matcher(body);
			Matcher id = REPORT_ID.matcher(body);
			if (type.find() && "SUCCEEDED".equals(type.group(1)) && id.find()) {
				this.succeededAt.putIfAbsent(id.group(1), now);
			}
		};
		channel.basicConsume(queue, true, onEvent, (tag) -> {
		});
		return connection;
	}

	/** Notes an accepted report's id (the last segment of its Location) and times. */
	private void remember(HttpResponse<?> response, long due) {
		long now = System.nanoTime();
		String location = response.headers().firstValue("Location").orElse(null);
		if (location == null) {
			this.accepted202WithoutLocation.incrementAndGet();
			return;
		}
		String id = URI.create(location).getPath();
		id = id.substring(id.lastIndexOf('/') + 1);
		this.postedAt.put(id, due);
		this.answeredAt.put(id, now);
	}

	private void fireHeavy() {
		int heavy = Integer.parseInt(option("heavy", "0"));
		for (int i = 0; i < heavy; i++) {
			String user = this.credentials.get(i % this.credentials.size());
			this.http.sendAsync(requestBuilder(option("heavy-url", null), "POST", option("heavy-body", null), user)
				.timeout(Duration.ofMinutes(10))
				.build(), HttpResponse.BodyHandlers.discarding());
		}
		if (heavy > 0) {
			Pause.millis(Long.parseLong(option("heavy-settle-millis", "2000")));
		}
	}

	private void call(HttpRequest request) {
		this.sent.incrementAndGet();
		try {
			counted(this.http.send(request, HttpResponse.BodyHandlers.discarding()), null);
		}
		catch (IOException ex) {
			counted(null, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private void counted(HttpResponse<?> response, Throwable failure) {
		if (response != null) {
			this.statuses.computeIfAbsent(response.statusCode(), (status) -> new AtomicLong()).incrementAndGet();
		}
		else {
			this.failures.incrementAndGet();
		}
	}

	private HttpRequest request(String url, String method, String body, String user) {
		return requestBuilder(url, method, body, user).build();
	}

	private HttpRequest.Builder requestBuilder(String url, String method, String body, String user) {
		HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(url))
			.timeout(Duration.ofSeconds(30))
			.header("Authorization", Bench.basic(user));
		if ("POST".equals(method)) {
			return builder.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
		}
		return builder.GET();
	}

	private String summary(Histogram histogram, double elapsed) throws IOException {
		long ok = 0;
		long errors = this.failures.get();
		StringBuilder codes = new StringBuilder();
		for (Map.Entry<Integer, AtomicLong> entry : this.statuses.entrySet()) {
			codes.append(codes.isEmpty() ? "" : ",").append(entry.getKey()).append(':').append(entry.getValue().get());
			if (entry.getKey() >= 200 && entry.getKey() < 300) {
				ok += entry.getValue().get();
			}
			else {
				errors += entry.getValue().get();
			}
		}
		writeHistogram(histogram, this.options.get("histogram"));
		return String.format(Locale.ROOT, "requests=%d ok=%d errors=%d seconds=%.2f throughput=%.1f statuses=%s%s",
				this.sent.get(), ok, errors, elapsed, ok / elapsed, codes.isEmpty() ? "none" : codes,
				percentiles("", histogram));
	}

	private static String percentiles(String prefix, Histogram histogram) {
		return String.format(Locale.ROOT, " %sp50=%.3f %sp90=%.3f %sp99=%.3f %smax=%.3f", prefix,
				histogram.getValueAtPercentile(50) / 1000.0, prefix, histogram.getValueAtPercentile(90) / 1000.0,
				prefix, histogram.getValueAtPercentile(99) / 1000.0, prefix, histogram.getMaxValue() / 1000.0);
	}

	private static void writeHistogram(Histogram histogram, String file) throws IOException {
		if (file == null) {
			return;
		}
		StringWriter text = new StringWriter();
		try (PrintWriter out = new PrintWriter(text)) {
			out.println("percentile,millis");
			for (double percentile : new double[] { 0, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 95, 97.5, 99, 99.5,
					99.9, 100 }) {
				out.printf(Locale.ROOT, "%s,%.3f%n", percentile, histogram.getValueAtPercentile(percentile) / 1000.0);
			}
		}
		Files.writeString(Path.of(file), text.toString());
	}

	private String option(String name, String fallback) {
		String value = this.options.getOrDefault(name, fallback);
		if (value == null) {
			throw new IllegalArgumentException("--" + name + " is required");
		}
		return value;
	}

}
