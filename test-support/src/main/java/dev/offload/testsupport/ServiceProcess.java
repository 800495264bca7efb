package dev.offload.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One of Offload's services running as a separate JVM, as it runs in production: started
 * from its executable jar with command-line properties, ready once its Actuator health
 * answers UP, and stopped with SIGTERM (graceful) or SIGKILL (a crash).
 */
public final class ServiceProcess implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(ServiceProcess.class);

	private static final String PROFILES = "spring.profiles.active";

	private final String name;

	private final Process process;

	private final int port;

	private final Path log;

	private final Path jar;

	private final Map<String, ?> properties;

	private final Path extraClasses;

	private ServiceProcess(String name, Process process, int port, Path log, Path jar, Map<String, ?> properties,
			Path extraClasses) {
		this.extraClasses = extraClasses;
		this.name = name;
		this.process = process;
		this.port = port;
		this.log = log;
		this.jar = jar;
		this.properties = Map.copyOf(properties);
	}

	/**
	 * Starts a service and waits until its readiness health group answers UP.
	 * @param name a name for logs
	 * @param jar the service's executable jar
	 * @param port the HTTP port it serves Actuator on ({@code server.port})
	 * @param properties Spring properties passed as {@code --name=value} arguments
	 * @param logDirectory where the process's output goes
	 * @param startTimeout how long to wait for it to be healthy
	 * @return the running service
	 */
	public static ServiceProcess start(String name, Path jar, int port, Map<String, ?> properties, Path logDirectory,
			Duration startTimeout) {
		ServiceProcess service = launch(name, jar, port, properties, logDirectory, null);
		service.awaitHealthy(startTimeout);
		return service;
	}

	/**
	 * Starts a service with more classes than its jar holds: Spring Boot's
	 * {@code PropertiesLauncher} adds {@code extraClasses} (a directory or jar) to its
	 * class path, as a deployment adding a plug-in would.
	 * @param name a name for logs
	 * @param jar the service's executable jar
	 * @param extraClasses the classes to add
	 * @param port the HTTP port it serves Actuator on ({@code server.port})
	 * @param properties Spring properties passed as {@code --name=value} arguments
	 * @param logDirectory where the process's output goes
	 * @param startTimeout how long to wait for it to be healthy
	 * @return the running service
	 */
	public static ServiceProcess startWith(String name, Path jar, Path extraClasses, int port,
			Map<String, ?> properties, Path logDirectory, Duration startTimeout) {
		ServiceProcess service = launch(name, jar, port, properties, logDirectory, extraClasses);
		service.awaitHealthy(startTimeout);
		return service;
	}

	/**
	 * Runs a service to completion, for one-shot commands such as the seeder.
	 * @param name a name for logs
	 * @param jar the service's executable jar
	 * @param properties Spring properties passed as {@code --name=value} arguments
	 * @param logDirectory where the process's output goes
	 * @param timeout how long it may take
	 */
	public static void runToCompletion(String name, Path jar, Map<String, ?> properties, Path logDirectory,
			Duration timeout) {
		ServiceProcess service = launch(name, jar, 0, properties, logDirectory, null);
		try {
			if (!service.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
				service.kill();
				throw new IllegalStateException(name + " did not finish within " + timeout + "; see " + service.log);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			service.kill();
			throw new IllegalStateException("Interrupted while waiting for " + name, ex);
		}
		if (service.process.exitValue() != 0) {
			throw new IllegalStateException(
					name + " exited with " + service.process.exitValue() + "; see " + service.log);
		}
	}

	private static ServiceProcess launch(String name, Path jar, int port, Map<String, ?> properties, Path logDirectory,
			Path extraClasses) {
		if (!Files.isRegularFile(jar)) {
			throw new IllegalStateException(
					"No executable jar at " + jar + "; build it first with ./mvnw package -DskipTests");
		}
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.add("-Xmx384m");
		command.add("-XX:TieredStopAtLevel=1");
		if (extraClasses == null) {
			command.add("-jar");
			command.add(jar.toString());
		}
		else {
			command.add("-Dloader.path=" + extraClasses.toAbsolutePath());
			command.add("-cp");
			command.add(jar.toString());
			command.add("org.springframework.boot.loader.launch.PropertiesLauncher");
		}
		properties.forEach((key, value) -> {
			if (!PROFILES.equals(key)) {
				command.add("--" + key + "=" + value);
			}
		});
		// Under the local profile (committed development credentials), with the test's
		// own profiles on top: without it a service refuses to start.
		Object profiles = properties.get(PROFILES);
		command.add("--" + PROFILES + "=local" + ((profiles != null) ? "," + profiles : ""));
		try {
			Files.createDirectories(logDirectory);
			Path log = logDirectory.resolve(name + ".log");
			Process process = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
				.start();
			logger.info("Started {} (pid {}), log {}", name, process.pid(), log);
			return new ServiceProcess(name, process, port, log, jar, properties, extraClasses);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not start " + name, ex);
		}
	}

	/**
	 * Starts the same service again, with the same jar, port and properties, once this
	 * process has exited; its output is appended to the same log.
	 * @param startTimeout how long to wait for it to be healthy
	 * @return the new process
	 */
	public ServiceProcess restart(Duration startTimeout) {
		if (this.process.isAlive()) {
			throw new IllegalStateException(this.name + " is still running; stop or kill it first");
		}
		ServiceProcess service = launch(this.name, this.jar, this.port, this.properties, this.log.getParent(),
				this.extraClasses);
		service.awaitHealthy(startTimeout);
		return service;
	}

	/**
	 * The service's name.
	 * @return the name given at start
	 */
	public String name() {
		return this.name;
	}

	/**
	 * The service's HTTP port.
	 * @return the port
	 */
	public int port() {
		return this.port;
	}

	/**
	 * The base URL of the service's HTTP server.
	 * @return for example {@code http://127.0.0.1:8080}
	 */
	public URI baseUri() {
		return URI.create("http://127.0.0.1:" + this.port);
	}

	/**
	 * Whether the process is still running.
	 * @return {@code true} if alive
	 */
	public boolean isAlive() {
		return this.process.isAlive();
	}

	/**
	 * The file the process's output goes to.
	 * @return the log file
	 */
	public Path log() {
		return this.log;
	}

	/**
	 * Kills the process at once (SIGKILL), as a crash would.
	 */
	public void kill() {
		this.process.destroyForcibly();
		waitForExit(Duration.ofSeconds(30));
	}

	/**
	 * Asks the process to stop (SIGTERM) and waits for it to exit.
	 * @param timeout how long to wait before killing it
	 */
	public void stop(Duration timeout) {
		this.process.destroy();
		if (!waitForExit(timeout)) {
			logger.warn("{} did not stop within {}; killing it", this.name, timeout);
			kill();
		}
	}

	@Override
	public void close() {
		if (this.process.isAlive()) {
			stop(Duration.ofSeconds(30));
		}
	}

	private boolean waitForExit(Duration timeout) {
		try {
			return this.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	private void awaitHealthy(Duration timeout) {
		HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
		HttpRequest request = HttpRequest.newBuilder(baseUri().resolve("/actuator/health/readiness"))
			.timeout(Duration.ofSeconds(2))
			.build();
		Instant deadline = Instant.now().plus(timeout);
		while (Instant.now().isBefore(deadline)) {
			if (!this.process.isAlive()) {
				throw new IllegalStateException(
						this.name + " exited with " + this.process.exitValue() + " while starting; see " + this.log);
			}
			try {
				HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
				if (response.statusCode() == 200 && response.body().contains("\"UP\"")) {
					logger.info("{} is healthy on port {}", this.name, this.port);
					return;
				}
			}
			catch (IOException ex) {
				// Not listening yet.
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException("Interrupted while waiting for " + this.name, ex);
			}
			pause();
		}
		kill();
		throw new IllegalStateException(this.name + " was not healthy within " + timeout + "; see " + this.log);
	}

	private static void pause() {
		try {
			// Polling a process that is starting: there is no event to wait on.
			Thread.sleep(250);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * A free TCP port on the loopback interface.
	 * @return the port
	 */
	public static int freePort() {
		try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
