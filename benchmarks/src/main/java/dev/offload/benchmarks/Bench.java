package dev.offload.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.rabbitmq.client.Channel;

import dev.offload.testsupport.ServiceProcess;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;

/**
 * What every figure shares: the run's own database and topology (unique names, removed at
 * the end), a mail sink for the worker, the services' jars, and the results.
 */
final class Bench implements AutoCloseable {

	/** api-service's shipped rate-limit checks, which the figures run with. */
	static final int RATE_LIMIT_UNSYNCED_REQUESTS = 6;

	static final int RATE_LIMIT_UNSYNCED_SECONDS = 1;

	/** Those checks, in the figures' words. */
	static final String RATE_LIMIT_CHECKS = "after every " + RATE_LIMIT_UNSYNCED_REQUESTS
			+ " requests taken on its own copy (the next one checks) or " + RATE_LIMIT_UNSYNCED_SECONDS + " s";

	/** Users the API is started with, so the per-user count stays that of a real mix. */
	static final int USERS = 32;

	/** api-service's {@code application_name} in PostgreSQL, to find its connections. */
	static final String API_APPLICATION = "offload-bench-api";

	/** The workers' {@code application_name} in PostgreSQL, to find their connections. */
	static final String WORKER_APPLICATION = "offload-bench-worker";

	/** wrk's threads, as many as pgbench's ({@code -j 2}). */
	static final int WRK_THREADS = 2;

	/** The last line of bash's times: the user and system CPU of its children. */
	private static final Pattern CHILD_TIMES = Pattern.compile("(?m)^(\\d+)m([0-9.]+)s (\\d+)m([0-9.]+)s$");

	static final String NO_OP_BODY = "{\"type\":\"NO_OP\",\"format\":\"CSV\",\"parameters\":{}}";

	/**
	 * The services get their heap at start, as the Dockerfiles do (InitialRAMPercentage):
	 * with the default initial heap G1 keeps the young generation at a few MB and
	 * collects every few hundred milliseconds under load.
	 */
	private static final List<String> SERVICE_JVM = List.of("-Xms512m", "-Xmx512m");

	private static final Pattern HEAP_VALUE = Pattern.compile("\"value\"\\s*:\\s*([0-9.E+-]+)");

	final Path logs;

	/** wrk's script, copied out of the jar on first use. */
	private Path wrkScript;

	final Path charts;

	final TestDatabase database;

	final TestBroker broker;

	final boolean quick;

	final List<Row> rows = new ArrayList<>();

	final Map<String, String> notes = new LinkedHashMap<>();

	/** Scripts the references ran, by title, printed after the notes. */
	final Map<String, String> listings = new LinkedHashMap<>();

	/** What limits a figure, by figure, from its profile. */
	final Map<String, String> bottlenecks = new LinkedHashMap<>();

	final List<String> chartFiles = new ArrayList<>();

	private final Path root;

	private final Path apiJar;

	private final Path workerJar;

	/** The sender of the workers' emails. */
	static final String EMAIL_FROM = "reports@offload.example";

	private final SmtpSink mail;

	private final List<JavaProcess> workers = new ArrayList<>();

	private final HttpClient http = HttpClient.newHttpClient();

	private JavaProcess api;

	/**
	 * The SMTP sink the workers mail.
	 * @return the sink
	 */
	SmtpSink mail() {
		return this.mail;
	}

	/**
	 * Where {@code scripts/benchmarks.sh} extracted the postfix package.
	 * @return the folder
	 */
	Path postfix() {
		return this.root.resolve("benchmarks/target/postfix");
	}

	/** Stands in for autovacuum where the server runs without it; {@code null} if not. */
	private final AutovacuumStandIn autovacuum;

	Bench(Path root, Path charts, boolean quick) {
		this.root = root;
		this.logs = root.resolve("benchmarks/target/benchmark-logs");
		this.charts = charts;
		this.quick = quick;
		this.apiJar = root.resolve("api-service/target/api-service-0.1.0-SNAPSHOT-exec.jar");
		this.workerJar = root.resolve("report-worker/target/report-worker-0.1.0-SNAPSHOT-exec.jar");
		try {
			Files.createDirectories(this.logs);
			Files.createDirectories(charts);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		this.mail = SmtpSink.start(postfix(), this.logs);
		try {
			this.database = TestDatabase.create();
			this.broker = TestBroker.create();
			this.autovacuum = AutovacuumStandIn.startIfOff(this.database);
		}
		catch (RuntimeException ex) {
			// The sink is a process of its own, which would outlive the suite.
			this.mail.close();
			throw ex;
		}
	}

	/**
	 * Starts api-service on the run's database and topology, with benchmark users and
	 * limits high enough (the per-user rate limit on, with a bucket too large to run dry)
	 * that back-pressure never answers for the figures.
	 * @return the running service
	 */
	JavaProcess startApi() {
		Map<String, Object> properties = common();
		properties.put("offload.api.limits.max-unfinished-per-user", 100_000_000);
		properties.put("offload.api.limits.max-backlog", 100_000_000);
		// To tell its connections from the others (figure 1 stops it outside a
		// transaction).
		properties.put("spring.datasource.hikari.data-source-properties.ApplicationName", API_APPLICATION);
		// The per-user rate limit stays on, as shipped: each replica checks a user's
		// bucket in PostgreSQL every 6 requests or 1 s. Only the bucket is made larger,
		// since the shipped one caps a user at 10 requests/s; the checks stay the
		// shipped ones (unset, they would follow the capacity to every 100,000).
		properties.put("offload.api.security.rate-limit.capacity", 1_000_000);
		properties.put("offload.api.security.rate-limit.refill-period", "1us");
		properties.put("offload.api.security.rate-limit.unsynced-requests", RATE_LIMIT_UNSYNCED_REQUESTS);
		properties.put("offload.api.security.rate-limit.unsynced-time", RATE_LIMIT_UNSYNCED_SECONDS + "s");
		for (int i = 0; i < USERS; i++) {
			String prefix = "offload.api.security.users[" + i + "].";
			properties.put(prefix + "username", user(i));
			properties.put(prefix + "password", "{noop}" + password(i));
			properties.put(prefix + "email", user(i) + "@example.com");
			properties.put(prefix + "roles", "USER");
		}
		this.api = JavaProcess.service("api-service", this.apiJar, SERVICE_JVM, ServiceProcess.freePort(), properties,
				this.logs);
		return this.api;
	}

	/**
	 * Starts the synchronous baseline of figure 3 on the run's database.
	 * @return the ready application
	 */
	JavaProcess startBaseline() {
		int port = ServiceProcess.freePort();
		// The worker's jar on the classpath brings its check of required settings (issue
		// 14). The baseline uses no broker and sends no mail: these only satisfy it.
		List<String> arguments = new ArrayList<>(
				List.of("--spring.config.name=baseline", "--server.port=" + port, "--spring.rabbitmq.username=unused",
						"--spring.rabbitmq.password=unused", "--offload.download-links.secret=" + "unused-".repeat(5),
						"--spring.mail.host=127.0.0.1", "--offload.worker.email.from=baseline@localhost",
						"--offload.worker.email.download-base-url=http://localhost"));
		this.database.springProperties().forEach((key, value) -> arguments.add("--" + key + "=" + value));
		JavaProcess baseline = JavaProcess.main("sync-baseline", SERVICE_JVM,
				dev.offload.benchmarks.baseline.BaselineApplication.class, arguments, port, this.logs);
		this.workers.add(baseline);
		return baseline;
	}

	JavaProcess api() {
		return this.api;
	}

	/**
	 * Starts a report-worker process.
	 * @param name a name for its log
	 * @param jvmOptions its JVM options, {@code -Xms512m -Xmx512m} if empty
	 * @param settings {@code offload.worker.*} and other properties
	 * @return the ready worker
	 */
	JavaProcess startWorker(String name, List<String> jvmOptions, Map<String, Object> settings) {
		return startWorker(name, List.of(), jvmOptions, settings);
	}

	/**
	 * Starts a report-worker process under a launcher.
	 * @param name a name for its log
	 * @param launcher the command it runs under ({@code taskset -c 1} keeps it on one
	 * core), or empty
	 * @param jvmOptions its JVM options, {@code -Xms512m -Xmx512m} if empty
	 * @param settings {@code offload.worker.*} and other properties
	 * @return the ready worker
	 */
	JavaProcess startWorker(String name, List<String> launcher, List<String> jvmOptions, Map<String, Object> settings) {
		Map<String, Object> properties = common();
		properties.put("spring.mail.host", "127.0.0.1");
		properties.put("spring.mail.port", this.mail.port());
		properties.put("offload.worker.email.from", EMAIL_FROM);
		// To tell their connections, both pools', from the others (figure 2 profiles the
		// PostgreSQL backends that serve the worker, figure 3 pins them to its core).
		properties.put("spring.datasource.hikari.data-source-properties.ApplicationName", WORKER_APPLICATION);
		properties.put("offload.report-data.hikari.data-source-properties.ApplicationName", WORKER_APPLICATION);
		properties.putAll(settings);
		JavaProcess worker = JavaProcess.service(name, launcher, this.workerJar,
				jvmOptions.isEmpty() ? SERVICE_JVM : jvmOptions, ServiceProcess.freePort(), properties, this.logs);
		this.workers.add(worker);
		return worker;
	}

	/**
	 * Starts a worker once and kills it, so its report types are in the catalogue the API
	 * reads ({@code report_type_offers}): a worker killed does not withdraw its offers,
	 * and the API keeps the offers of the workers seen last while none is live (as with a
	 * fleet scaled to zero). Without it the API refuses NO_OP (400, not offered by any
	 * worker) until a figure starts a worker.
	 */
	void offerCatalogue() {
		startWorker("worker-catalogue", List.of(), Map.of());
		stopWorkers();
		// The API reads the offers at most once per offload.api.catalogue.refresh (5 s).
		Pause.millis(6000);
	}

	/**
	 * Kills every worker: what they hold in hand is redelivered, which no figure minds.
	 */
	void stopWorkers() {
		this.workers.forEach(JavaProcess::kill);
		this.workers.clear();
	}

	/**
	 * Seeds the sales data with the worker's own seeder.
	 * @param orders how many orders
	 */
	void seed(int orders) {
		Map<String, Object> properties = common();
		List<String> command = new ArrayList<>(
				List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m", "-jar",
						this.workerJar.toString(), "--spring.profiles.active=local,seed",
						"--offload.seed.orders=" + orders, "--server.port=0"));
		properties.forEach((key, value) -> command.add("--" + key + "=" + value));
		Tools.exec("seeder", command, Duration.ofMinutes(5), this.logs);
	}

	/**
	 * Runs the load client in a process of its own.
	 * @param name a name for its log
	 * @param arguments its mode and options
	 * @return its result line
	 */
	LoadResult load(String name, List<String> arguments) {
		return load(name, List.of(), arguments);
	}

	/**
	 * Runs the load client in a process of its own under a launcher.
	 * @param name a name for its log
	 * @param launcher the command it runs under ({@code taskset -c 0} keeps it off a
	 * worker's core), or empty
	 * @param arguments its mode and options
	 * @return its result line
	 */
	LoadResult load(String name, List<String> launcher, List<String> arguments) {
		List<String> all = new ArrayList<>(arguments);
		if (!arguments.contains("--users")) {
			all.addAll(List.of("--users", credentials()));
		}
		return LoadResult
			.parse(JavaProcess.run(name, launcher, LoadClient.class, all, Duration.ofMinutes(5), this.logs));
	}

	/**
	 * Runs wrk in a closed loop, each client a connection that sends its next request
	 * once the last is answered, as the JVM load client does, but with a client whose own
	 * CPU per request is a small part of the cores the API shares with it:
	 * {@value #WRK_THREADS} threads share the connections, as pgbench's {@code -j 2}
	 * share its clients, and the first {@code clients} users (at most {@link #USERS})
	 * take turns, each thread's own (closed-loop.lua). A warm-up run comes first and is
	 * not counted.
	 * @param name a name for its logs
	 * @param launcher the command it runs under ({@code taskset -c 0}), or empty
	 * @param method the HTTP method
	 * @param url the URL
	 * @param body the JSON body
	 * @param clients the clients (connections)
	 * @param warmup seconds of warm-up, 0 for none
	 * @param seconds the seconds measured
	 * @return the result, with {@code cpu_ms_per_request}: wrk's own CPU per request sent
	 */
	LoadResult wrk(String name, List<String> launcher, String method, String url, String body, int clients, int warmup,
			int seconds) {
		try {
			if (this.wrkScript == null) {
				// Once a run, over whatever an earlier run left.
				Path script = this.logs.resolve("closed-loop.lua");
				try (InputStream in = Bench.class.getResourceAsStream("closed-loop.lua")) {
					Files.copy(Objects.requireNonNull(in, "closed-loop.lua"), script,
							StandardCopyOption.REPLACE_EXISTING);
				}
				this.wrkScript = script;
			}
			Path script = this.wrkScript;
			List<String> users = new ArrayList<>();
			for (int i = 0; i < Math.min(clients, USERS); i++) {
				users.add(basic(user(i) + ":" + password(i)));
			}
			if (warmup > 0) {
				Tools.exec(name + "-warmup", wrkCommand(launcher, script, method, url, body, clients, warmup, users),
						Duration.ofSeconds(warmup + 60L), this.logs);
			}
			// bash's times prints its own CPU, then that of the children it waited for:
			// wrk's alone.
			List<String> command = new ArrayList<>(List.of("bash", "-c", "\"$@\"; times", "wrk"));
			command.addAll(wrkCommand(launcher, script, method, url, body, clients, seconds, users));
			String output = Tools.exec(name, command, Duration.ofSeconds(seconds + 60L), this.logs);
			LoadResult result = LoadResult.parse(output);
			Matcher times = CHILD_TIMES.matcher(output);
			double cpu = Double.NaN;
			while (times.find()) {
				cpu = Integer.parseInt(times.group(1)) * 60 + Double.parseDouble(times.group(2))
						+ Integer.parseInt(times.group(3)) * 60 + Double.parseDouble(times.group(4));
			}
			result.values()
				.put("cpu_ms_per_request", Double.toString(cpu * 1000 / Math.max(1, result.number("requests"))));
			return result;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static List<String> wrkCommand(List<String> launcher, Path script, String method, String url, String body,
			int clients, int seconds, List<String> users) {
		List<String> command = new ArrayList<>(launcher);
		int threads = Math.min(WRK_THREADS, clients);
		if (clients % threads != 0) {
			// wrk gives each thread clients / threads connections, the rest lost.
			throw new IllegalArgumentException(clients + " clients do not share out over " + threads + " wrk threads");
		}
		command.addAll(List.of("wrk", "-t", Integer.toString(threads), "-c", Integer.toString(clients), "-d",
				seconds + "s", "--timeout", "30s", "-s", script.toString(), url, "--", method, body,
				Integer.toString(threads)));
		command.addAll(users);
		return command;
	}

	String apiUrl(String path) {
		return this.api.baseUri().resolve(path).toString();
	}

	/**
	 * Queues reports without the API: rows inserted in one statement, whose tasks the
	 * running api-service's outbox relay then publishes, as it would after a restart.
	 * @param count how many
	 * @param type the report type
	 * @param parameters the parameters' JSON
	 */
	void insertQueued(int count, String type, String format, String parameters) {
		update("""
				INSERT INTO reports (id, owner_id, owner_email, type, format, parameters, status)
				SELECT gen_random_uuid(), 'bench' || lpad((g %% %d)::text, 2, '0'), 'bench@example.com', '%s', '%s',
				       '%s'::jsonb, 'QUEUED'
				  FROM generate_series(1, %d) g""".formatted(USERS, type, format, parameters, count));
	}

	/**
	 * Queues one report without the API, as {@link #insertQueued} does.
	 * @return its id
	 */
	String insertOne(String type, String format, String parameters) {
		return queryString("""
				INSERT INTO reports (id, owner_id, owner_email, type, format, parameters, status)
				VALUES (gen_random_uuid(), 'bench00', 'bench@example.com', '%s', '%s', '%s'::jsonb, 'QUEUED')
				RETURNING id""".formatted(type, format, parameters));
	}

	/**
	 * Waits until a report has finished.
	 * @param id the report
	 * @param timeout how long at most
	 * @return its status
	 */
	String awaitFinished(String id, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < deadline) {
			String status = queryString("SELECT status FROM reports WHERE id = '" + id + "'");
			if (!"QUEUED".equals(status) && !"RUNNING".equals(status)) {
				return status;
			}
			Pause.millis(100);
		}
		return "UNFINISHED after " + timeout;
	}

	/**
	 * How many reports are QUEUED, their tasks published or not.
	 * @return the count
	 */
	long queuedReports() {
		return queryLong("SELECT count(*) FROM reports WHERE status = 'QUEUED'");
	}

	/**
	 * Waits until the relay has published every queued task.
	 * @param timeout how long at most
	 */
	void awaitPublished(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (queryLong("SELECT count(*) FROM reports WHERE task_published_at IS NULL AND status = 'QUEUED'") > 0) {
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException("The relay did not publish the backlog within " + timeout);
			}
			Pause.millis(200);
		}
	}

	/** Empties the task queue and cancels every unfinished report, between figures. */
	void clearBacklog() {
		try (com.rabbitmq.client.Connection connection = this.broker.connectionFactory().newConnection();
				Channel channel = connection.createChannel()) {
			channel.queuePurge(this.broker.topology().generateQueue());
		}
		catch (IOException | TimeoutException ex) {
			throw new IllegalStateException("Could not purge the task queue", ex);
		}
		update("UPDATE reports SET status = 'CANCELLED', finished_at = now() WHERE status IN ('QUEUED', 'RUNNING')");
	}

	/**
	 * Before each figure: vacuums and analyzes the report database and writes a
	 * checkpoint, so a figure is not measured while PostgreSQL cleans up after the one
	 * before it (figures 1 and 2 leave tens of thousands of updated rows: autovacuum and
	 * a checkpoint would otherwise fall into the next figure's window), as a database
	 * whose autovacuum keeps up in steady production is.
	 */
	void settleDatabase() {
		long started = System.nanoTime();
		try {
			update("VACUUM (ANALYZE)");
			update("CHECKPOINT");
			BenchmarkSuite.log("Vacuumed, analyzed and checkpointed the report database in %d ms"
				.formatted((System.nanoTime() - started) / 1_000_000));
		}
		catch (RuntimeException ex) {
			// Only a better starting point: the figure runs anyway.
			BenchmarkSuite.log("Could not vacuum and checkpoint the report database: " + ex.getMessage());
		}
	}

	/**
	 * Copies the report database's schema, without its rows, into another database: a
	 * peer's reference running the same SQL on the same tables.
	 * @param reference the database to copy into
	 * @param name a name for the copy's log
	 */
	void copySchemaTo(TestDatabase reference, String name) {
		Tools.exec(name,
				List.of("bash", "-c",
						"pg_dump -h 127.0.0.1 -U postgres --schema-only " + this.database.name()
								+ " | psql -q -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 " + reference.name()),
				Duration.ofMinutes(2), this.logs);
	}

	long queryLong(String sql) {
		try (Connection connection = this.database.connect();
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery(sql)) {
			rows.next();
			return rows.getLong(1);
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not run " + sql, ex);
		}
	}

	double queryDouble(String sql) {
		try (Connection connection = this.database.connect();
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery(sql)) {
			rows.next();
			return rows.getDouble(1);
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not run " + sql, ex);
		}
	}

	/**
	 * Runs a statement that returns no rows on the run's database.
	 * @param sql the statement
	 * @return the rows it changed
	 */
	long execute(String sql) {
		try (Connection connection = this.database.connect(); Statement statement = connection.createStatement()) {
			return statement.executeLargeUpdate(sql);
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not run " + sql, ex);
		}
	}

	String queryString(String sql) {
		try (Connection connection = this.database.connect();
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery(sql)) {
			return rows.next() ? rows.getString(1) : null;
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not run " + sql, ex);
		}
	}

	/**
	 * Keeps the PostgreSQL backends that serve one application on some cores: the queries
	 * of a worker kept on a core of its own run there too, as on a database server with
	 * cores to spare.
	 * @param applicationName the connections' {@code application_name}
	 * @param cores the cores, as {@code taskset} takes them
	 * @return how many backends were pinned
	 */
	int pinDatabaseBackends(String applicationName, String cores) {
		List<String> pids = backendPids(applicationName).stream().map(Object::toString).toList();
		for (String pid : pids) {
			Tools.exec("taskset-backend-" + pid, List.of("taskset", "-pc", cores, pid), Duration.ofSeconds(10),
					this.logs);
		}
		return pids.size();
	}

	/**
	 * The PostgreSQL backends that serve one application now.
	 * @param applicationName the connections' {@code application_name}
	 * @return their process ids
	 */
	List<Integer> backendPids(String applicationName) {
		List<Integer> pids = new ArrayList<>();
		try (Connection connection = this.database.connect();
				java.sql.PreparedStatement statement = connection
					.prepareStatement("SELECT pid FROM pg_stat_activity WHERE application_name = ?")) {
			statement.setString(1, applicationName);
			try (ResultSet rows = statement.executeQuery()) {
				while (rows.next()) {
					pids.add(rows.getInt(1));
				}
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not list the backends of " + applicationName, ex);
		}
		return pids;
	}

	void update(String sql) {
		try (Connection connection = this.database.connect(); Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not run " + sql, ex);
		}
	}

	/**
	 * The heap a service uses now, from its Actuator metrics.
	 * @param service the service
	 * @return bytes, or -1 if it did not answer
	 */
	long heapUsed(JavaProcess service) {
		try {
			HttpResponse<String> response = this.http.send(HttpRequest
				.newBuilder(URI.create(service.baseUri() + "/actuator/metrics/jvm.memory.used?tag=area:heap"))
				.timeout(Duration.ofSeconds(2))
				.build(), HttpResponse.BodyHandlers.ofString());
			Matcher value = HEAP_VALUE.matcher(response.body());
			return value.find() ? (long) Double.parseDouble(value.group(1)) : -1;
		}
		catch (IOException ex) {
			return -1;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return -1;
		}
	}

	/**
	 * How the figures that run "the shipped settings" describe them: the interactive
	 * lane's prefetch and consumers as this build ships them, or as the environment the
	 * workers inherit overrides them ({@code OFFLOAD_WORKER_PREFETCH},
	 * {@code OFFLOAD_WORKER_CONCURRENCY}), which the label then says.
	 * @return for example {@code prefetch 1, 4 interactive consumers}
	 */
	String workerSettingsLabel() {
		String prefetch = System.getenv("OFFLOAD_WORKER_PREFETCH");
		String concurrency = System.getenv("OFFLOAD_WORKER_CONCURRENCY");
		String label = "prefetch %s, %s interactive consumers".formatted(
				(prefetch != null) ? prefetch : shippedWorkerSetting("prefetch"),
				(concurrency != null) ? concurrency : shippedWorkerSetting("concurrency"));
		return (prefetch != null || concurrency != null) ? label + ", set by the environment, not as shipped" : label;
	}

	/**
	 * A setting of {@code offload.worker} as report-worker ships it (its
	 * {@code application.yaml}), so a figure that runs "the shipped settings" says which
	 * they were in this build.
	 * @param name the key under {@code offload.worker}, e.g. {@code prefetch}
	 * @return its value, or {@code ?} if the file does not have it
	 */
	String shippedWorkerSetting(String name) {
		try {
			List<String> lines = Files
				.readAllLines(this.root.resolve("report-worker/src/main/resources/application.yaml"));
			boolean inWorker = false;
			for (String line : lines) {
				if (line.matches("^  worker:\\s*$")) {
					inWorker = true;
				}
				else if (inWorker && line.matches("^ {0,3}\\S.*")) {
					inWorker = false;
				}
				else if (inWorker && line.matches("^    " + name + ":.*")) {
					return line.substring(line.indexOf(':') + 1).replaceAll("#.*", "").strip();
				}
			}
		}
		catch (IOException ex) {
			// Reported as unknown.
		}
		return "?";
	}

	/**
	 * The machine's 1-minute load average: on this shared machine, other sessions' work
	 * is part of every figure, and this says how much.
	 * @return the load average, or NaN where /proc/loadavg is absent
	 */
	static double loadAverage() {
		try {
			return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
		}
		catch (IOException | RuntimeException ex) {
			return Double.NaN;
		}
	}

	static String user(int i) {
		return "bench%02d".formatted(i);
	}

	static String password(int i) {
		return "secret-" + i;
	}

	/**
	 * An HTTP Basic {@code Authorization} header's value.
	 * @param credentials {@code user:password}
	 * @return {@code Basic} and the credentials in Base64
	 */
	static String basic(String credentials) {
		return "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
	}

	private static String credentials() {
		List<String> users = new ArrayList<>();
		for (int i = 0; i < USERS; i++) {
			users.add(user(i) + ":" + password(i));
		}
		return String.join(",", users);
	}

	private Map<String, Object> common() {
		Map<String, Object> properties = new HashMap<>();
		properties.putAll(this.database.springProperties());
		properties.putAll(this.broker.springProperties());
		return properties;
	}

	/** The exchange PerfTest declared for its queues; TestBroker knows only Offload's. */
	private void deletePerfTestExchange() {
		try (com.rabbitmq.client.Connection connection = this.broker.connectionFactory().newConnection();
				Channel channel = connection.createChannel()) {
			channel.exchangeDelete(perfTestExchange());
		}
		catch (IOException | TimeoutException ex) {
			// Never declared (no PerfTest figure ran), or already gone.
		}
	}

	String perfTestExchange() {
		return this.broker.topology().prefix() + "bench.perf";
	}

	@Override
	public void close() {
		if (this.autovacuum != null) {
			this.autovacuum.close();
		}
		stopWorkers();
		if (this.api != null) {
			this.api.kill();
		}
		try (TestDatabase db = this.database; TestBroker mq = this.broker) {
			this.mail.close();
			deletePerfTestExchange();
		}
	}

}
