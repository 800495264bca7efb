package dev.offload.system;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;

import dev.offload.testsupport.ServiceProcess;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;

/**
 * Offload as it runs in production, on this machine: a fresh database and topology, the
 * sales data seeded, and api-service and report-worker as separate JVMs started from
 * their executable jars.
 */
final class RunningSystem implements AutoCloseable {

	static final String ALICE = "alice";

	static final String ALICE_PASSWORD = "alice-secret";

	static final String ALICE_EMAIL = "alice@example.com";

	private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

	final TestDatabase database;

	final TestBroker broker;

	/** The first api-service replica; the one the HTTP helpers call. */
	final ServiceProcess api;

	/** Every api-service replica, the first being {@link #api}. */
	final List<ServiceProcess> apis;

	/** The worker; replaced by {@link #restartWorker}. */
	volatile ServiceProcess worker;

	/** The worker's retry delays, if a test gave it others than the default ones. */
	private volatile List<Duration> retryDelays = List.of();

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private RunningSystem(TestDatabase database, TestBroker broker, List<ServiceProcess> apis, ServiceProcess worker) {
		this.database = database;
		this.broker = broker;
		this.api = apis.get(0);
		this.apis = List.copyOf(apis);
		this.worker = worker;
	}

	/**
	 * Seeds the sales data and starts both services.
	 * @param orders how many orders to seed
	 * @param smtpPort the port of the SMTP server the worker sends mail to
	 * @return the running system
	 */
	static RunningSystem start(int orders, int smtpPort) {
		return start(orders, smtpPort, 1);
	}

	/**
	 * Seeds the sales data (unless {@code orders} is 0) and starts one worker and
	 * {@code apiInstances} api-service replicas, all at once.
	 * @param orders how many orders to seed; 0 seeds nothing
	 * @param smtpPort the port of the SMTP server the worker sends mail to
	 * @param apiInstances how many api-service replicas to start
	 * @return the running system
	 */
	static RunningSystem start(int orders, int smtpPort, int apiInstances) {
		return start(orders, smtpPort, apiInstances, Map.of(), Map.of(), null);
	}

	/**
	 * Seeds the sales data (unless {@code orders} is 0) and starts one worker and
	 * {@code apiInstances} api-service replicas, all at once, with settings of the test's
	 * own.
	 * @param orders how many orders to seed; 0 seeds nothing
	 * @param smtpPort the port of the SMTP server the worker sends mail to
	 * @param apiInstances how many api-service replicas to start
	 * @param apiSettings more properties for each api-service replica
	 * @param workerSettings more properties for the worker
	 * @param workerPlugins classes to add to the worker's class path (report types of the
	 * tests), or {@code null}
	 * @return the running system
	 */
	static RunningSystem start(int orders, int smtpPort, int apiInstances, Map<String, ?> apiSettings,
			Map<String, ?> workerSettings, Path workerPlugins) {
		TestDatabase database = TestDatabase.create();
		TestBroker broker = TestBroker.create();
		List<AutoCloseable> started = new ArrayList<>(List.of(broker, database));
		List<CompletableFuture<ServiceProcess>> starting = new ArrayList<>();
		try {
			Path logs = Path.of(System.getProperty("offload.logs", "target/service-logs")).resolve(database.name());
			Map<String, Object> common = new HashMap<>();
			common.putAll(database.springProperties());
			common.putAll(broker.springProperties());

			if (orders > 0) {
				Map<String, Object> seed = new HashMap<>(common);
				seed.put("spring.profiles.active", "seed");
				seed.put("offload.seed.orders", orders);
				ServiceProcess.runToCompletion("seeder", jar("report-worker"), seed, logs, Duration.ofMinutes(3));
			}

			// The services start in parallel: each waits only for its own health.
			List<Integer> apiPorts = new ArrayList<>();
			for (int i = 0; i < apiInstances; i++) {
				int apiPort = ServiceProcess.freePort();
				apiPorts.add(apiPort);
				Map<String, Object> apiProperties = new HashMap<>(common);
				apiProperties.putAll(apiSettings);
				apiProperties.put("server.port", apiPort);
				String name = (apiInstances == 1) ? "api-service" : "api-service-" + (i + 1);
				starting.add(CompletableFuture.supplyAsync(() -> ServiceProcess.start(name, jar("api-service"), apiPort,
						apiProperties, logs, START_TIMEOUT)));
			}
			int workerPort = ServiceProcess.freePort();
			Map<String, Object> workerProperties = new HashMap<>(common);
			workerProperties.put("server.port", workerPort);
			workerProperties.put("spring.mail.host", "127.0.0.1");
			workerProperties.put("spring.mail.port", smtpPort);
			workerProperties.put("offload.worker.email.download-base-url", "http://127.0.0.1:" + apiPorts.get(0));
			workerProperties.putAll(workerSettings);
			starting.add(CompletableFuture.supplyAsync(() -> (workerPlugins != null)
					? ServiceProcess.startWith("report-worker", jar("report-worker"), workerPlugins, workerPort,
							workerProperties, logs, START_TIMEOUT)
					: ServiceProcess.start("report-worker", jar("report-worker"), workerPort, workerProperties, logs,
							START_TIMEOUT)));

			List<ServiceProcess> services = new ArrayList<>();
			RuntimeException failure = null;
			for (CompletableFuture<ServiceProcess> service : starting) {
				try {
					ServiceProcess process = service.join();
					services.add(process);
					started.add(0, process);
				}
				catch (CompletionException ex) {
					RuntimeException cause = (ex.getCause() instanceof RuntimeException runtime) ? runtime : ex;
					if (failure == null) {
						failure = cause;
					}
					else {
						failure.addSuppressed(cause);
					}
				}
			}
			if (failure != null) {
				throw failure;
			}
			ServiceProcess worker = services.remove(services.size() - 1);
			RunningSystem system = new RunningSystem(database, broker, services, worker);
			Object delays = workerSettings.get("offload.worker.retry.delays");
			if (delays != null && !delays.toString().isBlank()) {
				system.retryDelays = Stream.of(delays.toString().split(","))
					.map((delay) -> Duration.parse("PT" + delay.strip().toUpperCase(Locale.ROOT)))
					.toList();
			}
			return system;
		}
		catch (RuntimeException ex) {
			// Nothing may outlive a failed start: no process, no database, no queues.
			for (AutoCloseable resource : started) {
				try {
					resource.close();
				}
				catch (Exception closeFailure) {
					ex.addSuppressed(closeFailure);
				}
			}
			throw ex;
		}
	}

	/**
	 * Kills the worker with SIGKILL, as a crash or an OOM kill would, and starts it again
	 * with the same settings.
	 */
	void killAndRestartWorker() {
		killWorker();
		restartWorker();
	}

	/** Kills the worker with SIGKILL and leaves it down. */
	void killWorker() {
		this.worker.kill();
	}

	/** Starts the killed worker again, with the same settings. */
	void restartWorker() {
		this.worker = this.worker.restart(START_TIMEOUT);
	}

	HttpResponse<String> post(String path, String json) {
		HttpRequest request = authorized(this.api.baseUri().resolve(path)).header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(json))
			.build();
		return send(request, HttpResponse.BodyHandlers.ofString());
	}

	HttpResponse<String> get(String path) {
		return send(authorized(this.api.baseUri().resolve(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
	}

	HttpResponse<byte[]> download(URI link) {
		return send(authorized(link).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
	}

	HttpResponse<byte[]> downloadRange(URI link, String range) {
		return send(authorized(link).header("Range", range).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
	}

	/**
	 * Fetches a URL with no credentials at all, as a mail client's browser would.
	 * @param link the URL
	 * @return the response
	 */
	HttpResponse<byte[]> downloadWithoutCredentials(URI link) {
		return send(HttpRequest.newBuilder(link).timeout(Duration.ofSeconds(10)).GET().build(),
				HttpResponse.BodyHandlers.ofByteArray());
	}

	private HttpRequest.Builder authorized(URI uri) {
		String credentials = Base64.getEncoder()
			.encodeToString((ALICE + ":" + ALICE_PASSWORD).getBytes(StandardCharsets.UTF_8));
		return HttpRequest.newBuilder(uri)
			.timeout(Duration.ofSeconds(10))
			.header("Authorization", "Basic " + credentials);
	}

	private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
		try {
			return this.http.send(request, handler);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	static Path jar(String service) {
		String path = System.getProperty("offload." + service + ".jar");
		if (path == null) {
			throw new IllegalStateException(
					"System property offload." + service + ".jar is not set; run these tests with ./mvnw verify");
		}
		return Path.of(path);
	}

	@Override
	public void close() {
		try (TestDatabase db = this.database; TestBroker mq = this.broker) {
			this.worker.close();
			this.apis.forEach(ServiceProcess::close);
			// The broker's clean-up knows the default delays' queues only.
			if (!this.retryDelays.isEmpty()) {
				this.broker.deleteRetryQueues(this.retryDelays);
			}
		}
	}

}
