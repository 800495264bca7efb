package dev.offload.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.offload.testsupport.ServiceProcess;

/**
 * The SMTP server the benchmarks' workers mail: Postfix's {@code smtp-sink}, a
 * single-threaded C server made for measuring SMTP clients. It takes each email and keeps
 * none (its {@code -D} dump would have doubled its CPU per email): what the worker mailed
 * is in its outbox. A mail relay on other hardware costs these cores nothing; an
 * in-process Java server such as GreenMail, which these benchmarks used before, took the
 * suite's JVM 0.5 ms of CPU per email, as much as the worker's whole send. The sink's
 * process's CPU is read apart from the suite's. {@code scripts/benchmarks.sh} extracts
 * the binary from Debian's postfix package into {@code benchmarks/target/postfix},
 * without installing Postfix.
 */
final class SmtpSink implements AutoCloseable {

	private final Process process;

	private final int port;

	private SmtpSink(Process process, int port) {
		this.process = process;
		this.port = port;
	}

	/**
	 * Starts {@code smtp-sink} on a free port of the loopback address.
	 * @param postfix where the postfix package was extracted (its {@code usr/sbin} and
	 * {@code usr/lib/postfix})
	 * @param logs the folder for its output
	 * @return the running sink
	 */
	static SmtpSink start(Path postfix, Path logs) {
		Path binary = postfix.resolve("usr/sbin/smtp-sink");
		if (!Files.isExecutable(binary)) {
			throw new IllegalStateException("No Postfix smtp-sink at " + binary
					+ ": scripts/benchmarks.sh extracts it from Debian's postfix package; run the suite with it");
		}
		int port = ServiceProcess.freePort();
		List<String> command = new ArrayList<>(List.of(binary.toString()));
		if ("root".equals(System.getProperty("user.name"))) {
			// As root it drops to this user after opening its socket (postfix by default,
			// which need not exist here).
			command.addAll(List.of("-u", "nobody"));
		}
		// A backlog of 256 connections.
		command.addAll(List.of("127.0.0.1:" + port, "256"));
		try {
			ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(logs.resolve("smtp-sink.log").toFile());
			builder.environment().put("LD_LIBRARY_PATH", postfix.resolve("usr/lib/postfix").toString());
			Process process = builder.start();
			SmtpSink sink = new SmtpSink(process, port);
			sink.awaitListening(Duration.ofSeconds(10));
			return sink;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not start smtp-sink", ex);
		}
	}

	private void awaitListening(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < deadline) {
			if (!this.process.isAlive()) {
				throw new IllegalStateException(
						"smtp-sink exited with " + this.process.exitValue() + " (see smtp-sink.log in the logs)");
			}
			try (Socket socket = new Socket()) {
				socket.connect(new InetSocketAddress("127.0.0.1", this.port), 200);
				return;
			}
			catch (IOException ex) {
				Pause.millis(50);
			}
		}
		close();
		throw new IllegalStateException("smtp-sink did not listen on port " + this.port + " within " + timeout);
	}

	/**
	 * The postfix package the sink came from.
	 * @param postfix where it was extracted
	 * @return its Debian version, or "unknown"
	 */
	static String version(Path postfix) {
		try {
			return "Postfix smtp-sink, Debian postfix " + Files.readString(postfix.resolve("VERSION")).strip();
		}
		catch (IOException ex) {
			return "Postfix smtp-sink (version unknown)";
		}
	}

	int port() {
		return this.port;
	}

	/**
	 * CPU seconds the sink's process has used so far.
	 * @return seconds, or NaN if they cannot be read
	 */
	double cpuSeconds() {
		return Profile.cpuSeconds(this.process.toHandle());
	}

	@Override
	public void close() {
		this.process.destroy();
		try {
			if (!this.process.waitFor(5, TimeUnit.SECONDS)) {
				this.process.destroyForcibly();
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			this.process.destroyForcibly();
		}
	}

}
