package dev.offload.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A JVM the suite starts: a service from its executable jar (ready once its readiness
 * probe answers UP) or a tool's main class from the suite's classpath (run to completion,
 * its output kept). Unlike test-support's {@code ServiceProcess}, the JVM options are the
 * suite's to choose: services run with the full JIT, and the big report with the heap
 * limit figure 5 asks for.
 */
final class JavaProcess implements AutoCloseable {

	private static final Duration START_TIMEOUT = Duration.ofSeconds(180);

	private final String name;

	private final Process process;

	private final int port;

	private final Path log;

	private JavaProcess(String name, Process process, int port, Path log) {
		this.name = name;
		this.process = process;
		this.port = port;
		this.log = log;
	}

	/**
	 * Starts a service from its executable jar and waits until it is ready.
	 * @param name a name for the log file
	 * @param jar the executable jar
	 * @param jvmOptions options such as {@code -Xmx256m}
	 * @param port its {@code server.port}
	 * @param properties Spring properties, passed as {@code --name=value}
	 * @param logs the folder for its output
	 * @return the ready service
	 */
	static JavaProcess service(String name, Path jar, List<String> jvmOptions, int port, Map<String, ?> properties,
			Path logs) {
		return service(name, List.of(), jar, jvmOptions, port, properties, logs);
	}

	/**
	 * A one-second Flight Recorder recording from the JVM's start. The first recording a
	 * JVM starts instruments JDK classes and throws away the code compiled against them,
	 * so a profile started later would count tens of seconds of recompiling as the cost
	 * of the operations it measures (figure 1: 9.9 ms per accepted POST against 2.7 ms
	 * with the recorder primed). Started with the JVM, that happens before any warm-up,
	 * for every service and peer alike. Only where the profiles fall back to JFR:
	 * async-profiler changes no compiled code, and a finished recording leaves JFR's
	 * periodic threads running in the service.
	 * @param name the process's name
	 * @param logs the folder for the recording
	 * @return the JVM option
	 */
	private static String primedFlightRecorder(String name, Path logs) {
		return "-XX:StartFlightRecording=name=prime,duration=1s,settings=default,filename="
				+ logs.resolve("prime-" + name + ".jfr");
	}

	/**
	 * Starts a service from its executable jar through a launcher and waits until it is
	 * ready.
	 * @param name a name for the log file
	 * @param launcher a command the JVM runs under, such as {@code taskset -c 1}, or
	 * empty
	 * @param jar the executable jar
	 * @param jvmOptions options such as {@code -Xmx256m}
	 * @param port its {@code server.port}
	 * @param properties Spring properties, passed as {@code --name=value}
	 * @param logs the folder for its output
	 * @return the ready service
	 */
	static JavaProcess service(String name, List<String> launcher, Path jar, List<String> jvmOptions, int port,
			Map<String, ?> properties, Path logs) {
		List<String> command = new ArrayList<>(launcher);
		command.add(java());
		if (!Profile.asyncProfilerAvailable()) {
			command.add(primedFlightRecorder(name, logs));
		}
		command.addAll(jvmOptions);
		if (jvmOptions.stream().anyMatch((option) -> option.startsWith("-Dloader.path="))) {
			// Classes added to the service's own (report types as plug-ins): only Spring
			// Boot's PropertiesLauncher reads loader.path.
			command.add("-cp");
			command.add(jar.toString());
			command.add("org.springframework.boot.loader.launch.PropertiesLauncher");
		}
		else {
			command.add("-jar");
			command.add(jar.toString());
		}
		command.add("--server.port=" + port);
		// The services run with the committed development credentials of the local
		// profile; a benchmark's own profiles come on top.
		properties.forEach((key, value) -> {
			if (!"spring.profiles.active".equals(key)) {
				command.add("--" + key + "=" + value);
			}
		});
		Object profiles = properties.get("spring.profiles.active");
		command.add("--spring.profiles.active=local" + ((profiles != null) ? "," + profiles : ""));
		JavaProcess service = launch(name, command, port, logs);
		service.awaitReady();
		return service;
	}

	/**
	 * Starts a main class of the suite's own classpath.
	 * @param name a name for the log file
	 * @param jvmOptions JVM options
	 * @param mainClass the class
	 * @param arguments its arguments
	 * @param port the HTTP port it serves a readiness probe on, or 0 for none
	 * @param logs the folder for its output
	 * @return the started process, ready if it has a port
	 */
	static JavaProcess main(String name, List<String> jvmOptions, Class<?> mainClass, List<String> arguments, int port,
			Path logs) {
		return main(name, List.of(), jvmOptions, mainClass, arguments, port, logs);
	}

	private static JavaProcess main(String name, List<String> launcher, List<String> jvmOptions, Class<?> mainClass,
			List<String> arguments, int port, Path logs) {
		List<String> command = new ArrayList<>(launcher);
		command.add(java());
		if (!Profile.asyncProfilerAvailable()) {
			command.add(primedFlightRecorder(name, logs));
		}
		command.addAll(jvmOptions);
		command.add("-cp");
		command.add(System.getProperty("java.class.path"));
		command.add(mainClass.getName());
		command.addAll(arguments);
		JavaProcess process = launch(name, command, port, logs);
		if (port != 0) {
			process.awaitReady();
		}
		return process;
	}

	/**
	 * Runs a main class of the suite's classpath to completion.
	 * @param name a name for the log file
	 * @param mainClass the class
	 * @param arguments its arguments
	 * @param timeout how long it may run
	 * @param logs the folder for its output
	 * @return everything it printed
	 */
	static String run(String name, Class<?> mainClass, List<String> arguments, Duration timeout, Path logs) {
		return run(name, List.of(), mainClass, arguments, timeout, logs);
	}

	/**
	 * Runs a main class of the suite's classpath to completion under a launcher.
	 * @param name a name for the log file
	 * @param launcher a command the JVM runs under, such as {@code taskset -c 0}, or
	 * empty
	 * @param mainClass the class
	 * @param arguments its arguments
	 * @param timeout how long it may run
	 * @param logs the folder for its output
	 * @return everything it printed
	 */
	static String run(String name, List<String> launcher, Class<?> mainClass, List<String> arguments, Duration timeout,
			Path logs) {
		try (JavaProcess process = main(name, launcher, List.of("-Xmx512m"), mainClass, arguments, 0, logs)) {
			return process.awaitExit(timeout);
		}
	}

	private static JavaProcess launch(String name, List<String> command, int port, Path logs) {
		try {
			Files.createDirectories(logs);
			Path log = logs.resolve(name + ".log");
			Process process = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
				.start();
			return new JavaProcess(name, process, port, log);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not start " + name, ex);
		}
	}

	/**
	 * Waits for the process to exit on its own.
	 * @param timeout how long to wait before killing it
	 * @return its output
	 */
	String awaitExit(Duration timeout) {
		try {
			if (!this.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
				kill();
				throw new IllegalStateException(this.name + " did not finish within " + timeout + "; see " + this.log);
			}
			String output = Files.readString(this.log, StandardCharsets.UTF_8);
			if (this.process.exitValue() != 0) {
				throw new IllegalStateException(
						this.name + " exited with " + this.process.exitValue() + "; see " + this.log);
			}
			return output;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			kill();
			throw new IllegalStateException("Interrupted while waiting for " + this.name, ex);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	URI baseUri() {
		return URI.create("http://127.0.0.1:" + this.port);
	}

	long pid() {
		return this.process.pid();
	}

	boolean isAlive() {
		return this.process.isAlive();
	}

	/**
	 * Kills the process at once: for benchmark processes whose in-flight work does not
	 * matter.
	 */
	void kill() {
		this.process.destroyForcibly();
		waitFor(Duration.ofSeconds(30));
	}

	@Override
	public void close() {
		if (this.process.isAlive()) {
			this.process.destroy();
			if (!waitFor(Duration.ofSeconds(20))) {
				kill();
			}
		}
	}

	private boolean waitFor(Duration timeout) {
		try {
			return this.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	private void awaitReady() {
		HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
		HttpRequest request = HttpRequest.newBuilder(baseUri().resolve("/actuator/health/readiness"))
			.timeout(Duration.ofSeconds(2))
			.build();
		Instant deadline = Instant.now().plus(START_TIMEOUT);
		while (Instant.now().isBefore(deadline)) {
			if (!this.process.isAlive()) {
				throw new IllegalStateException(this.name + " exited while starting; see " + this.log);
			}
			try {
				HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
				if (response.statusCode() == 200 && response.body().contains("\"UP\"")) {
					return;
				}
			}
			catch (IOException ex) {
				// Not listening yet.
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
			Pause.millis(250);
		}
		kill();
		throw new IllegalStateException(this.name + " was not ready within " + START_TIMEOUT + "; see " + this.log);
	}

	private static String java() {
		return Path.of(System.getProperty("java.home"), "bin", "java").toString();
	}

}
