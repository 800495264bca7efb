package dev.offload.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A RabbitMQ cluster of several nodes on this machine, for the cluster fault suite: nodes
 * of the machine's own RabbitMQ (Debian's {@code rabbitmq-server}) with node names, ports
 * and data directories of their own under a build folder, run as the {@code rabbitmq}
 * user with the machine's Erlang cookie, and joined with
 * {@code rabbitmqctl join_cluster}. The machine's default node is left alone. Needs root
 * (to run the nodes as {@code rabbitmq}), as {@code .ci/run} has.
 */
public final class RabbitCluster implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(RabbitCluster.class);

	private static final Path SERVER = Path.of("/usr/lib/rabbitmq/bin/rabbitmq-server");

	private final Path directory;

	private final List<Node> nodes;

	private RabbitCluster(Path directory, List<Node> nodes) {
		this.directory = directory;
		this.nodes = nodes;
	}

	/**
	 * Whether a cluster can be started here: the Debian RabbitMQ is installed and this
	 * process may run it as the {@code rabbitmq} user.
	 * @return {@code true} if so
	 */
	public static boolean possible() {
		return Files.isExecutable(SERVER) && "root".equals(System.getProperty("user.name"));
	}

	/**
	 * Starts the nodes and joins them into one cluster.
	 * @param directory a build folder for the nodes' data and logs (created; deleted by
	 * {@link #close})
	 * @param size how many nodes
	 * @return the running cluster
	 */
	public static RabbitCluster start(Path directory, int size) {
		if (!possible()) {
			throw new IllegalStateException("A RabbitMQ cluster needs Debian's rabbitmq-server at " + SERVER
					+ " and root to run it as rabbitmq");
		}
		String run = UUID.randomUUID().toString().substring(0, 6);
		List<Node> nodes = new ArrayList<>();
		for (int i = 1; i <= size; i++) {
			nodes.add(new Node("offload-" + run + "-" + i + "@localhost", ServiceProcess.freePort(),
					ServiceProcess.freePort(), directory.toAbsolutePath().resolve("node-" + i)));
		}
		RabbitCluster cluster = new RabbitCluster(directory.toAbsolutePath(), nodes);
		// Nothing outlives the JVM that started it, however it ends.
		Runtime.getRuntime().addShutdownHook(new Thread(cluster::close, "rabbit-cluster-stop"));
		try {
			for (Node node : nodes) {
				node.prepare();
				cluster.launch(node);
			}
			for (Node node : nodes) {
				cluster.awaitStartup(node);
			}
			Node first = nodes.get(0);
			for (Node node : nodes.subList(1, nodes.size())) {
				cluster.ctl(node, Duration.ofMinutes(1), "stop_app");
				cluster.ctl(node, Duration.ofMinutes(1), "join_cluster", first.name());
				cluster.ctl(node, Duration.ofMinutes(1), "start_app");
			}
			logger.info("RabbitMQ cluster of {} nodes up: {}", size, cluster.addresses());
			return cluster;
		}
		catch (RuntimeException ex) {
			cluster.close();
			throw ex;
		}
	}

	/**
	 * The nodes, in the order they were started.
	 * @return the nodes
	 */
	public List<Node> nodes() {
		return List.copyOf(this.nodes);
	}

	/**
	 * Every node's AMQP address, as {@code spring.rabbitmq.addresses} takes them.
	 * @return {@code 127.0.0.1:port,...}
	 */
	public String addresses() {
		return this.nodes.stream().map((node) -> "127.0.0.1:" + node.amqpPort()).collect(Collectors.joining(","));
	}

	/**
	 * A broker of the tests' own on this cluster: a topology prefix no other run uses.
	 * @return the broker
	 */
	public TestBroker broker() {
		Node first = this.nodes.get(0);
		return TestBroker.create(
				new Endpoint("127.0.0.1", first.amqpPort(), "guest", "guest", InfrastructureChoice.LOCAL), addresses());
	}

	/**
	 * The node that leads a quorum queue now.
	 * @param queue the queue
	 * @param askVia a running node to ask
	 * @return the leader
	 */
	public Node leaderOf(String queue, Node askVia) {
		String output = ctl(askVia, Duration.ofSeconds(30), "list_queues", "name", "leader", "--no-table-headers",
				"--quiet");
		for (String line : output.split("\n")) {
			String[] columns = line.trim().split("\\s+");
			if (columns.length == 2 && columns[0].equals(queue)) {
				return this.nodes.stream()
					.filter((node) -> node.name().equals(columns[1]))
					.findFirst()
					.orElseThrow(() -> new IllegalStateException("Unknown leader " + columns[1]));
			}
		}
		throw new IllegalStateException("No queue " + queue + " on the cluster: " + output);
	}

	/**
	 * Kills a node with SIGKILL, as a crash or a lost machine would.
	 * @param node the node
	 */
	public void kill(Node node) {
		signal(node, "KILL");
		awaitGone(node);
	}

	/**
	 * Starts a node again that was killed or stopped; it rejoins the cluster from its
	 * data directory.
	 * @param node the node
	 */
	public void restart(Node node) {
		launch(node);
		awaitStartup(node);
	}

	/**
	 * Waits until a node launched in the background has booted: {@code await_startup}
	 * waits for a booting node, but fails at once for one that has not registered with
	 * epmd yet.
	 */
	private void awaitStartup(Node node) {
		long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
		while (true) {
			try {
				ctl(node, Duration.ofMinutes(2), "await_startup", "--timeout", "110");
				return;
			}
			catch (IllegalStateException ex) {
				if (System.nanoTime() > deadline) {
					throw new IllegalStateException(
							node.name() + " did not start; its log is in " + node.directory().resolve("log"), ex);
				}
				sleep(1000);
			}
		}
	}

	/**
	 * Freezes a node (SIGSTOP): it keeps its connections open and answers nothing, as a
	 * node stalled by its machine or a network partition does.
	 * @param node the node
	 */
	public void pause(Node node) {
		signal(node, "STOP");
	}

	/**
	 * Lets a frozen node run again (SIGCONT).
	 * @param node the node
	 */
	public void resume(Node node) {
		signal(node, "CONT");
	}

	/**
	 * Runs {@code rabbitmqctl} against a node.
	 * @param node the node
	 * @param timeout how long it may take
	 * @param arguments its arguments
	 * @return its output
	 */
	public String ctl(Node node, Duration timeout, String... arguments) {
		List<String> command = new ArrayList<>(List.of("rabbitmqctl", "-n", node.name()));
		command.addAll(List.of(arguments));
		return exec(command, timeout);
	}

	/** Stops every node and deletes their data. */
	@Override
	public void close() {
		for (Node node : this.nodes) {
			try {
				if (node.pid() > 0) {
					signal(node, "CONT");
					signal(node, "KILL");
				}
			}
			catch (RuntimeException ex) {
				logger.debug("Could not stop {}: {}", node.name(), ex.getMessage());
			}
		}
		try (Stream<Path> paths = Files.walk(this.directory)) {
			paths.sorted(Comparator.reverseOrder()).forEach((path) -> path.toFile().delete());
		}
		catch (IOException ex) {
			logger.debug("Could not delete {}: {}", this.directory, ex.getMessage());
		}
	}

	private void launch(Node node) {
		exec(List.of("runuser", "-u", "rabbitmq", "--", "env", "HOME=/var/lib/rabbitmq",
				"RABBITMQ_NODENAME=" + node.name(), "RABBITMQ_NODE_PORT=" + node.amqpPort(),
				"RABBITMQ_DIST_PORT=" + node.distributionPort(),
				"RABBITMQ_MNESIA_BASE=" + node.directory().resolve("mnesia"),
				"RABBITMQ_LOG_BASE=" + node.directory().resolve("log"),
				"RABBITMQ_ENABLED_PLUGINS_FILE=" + node.directory().resolve("enabled_plugins"),
				"RABBITMQ_CONFIG_FILE=" + node.directory().resolve("rabbitmq"),
				"RABBITMQ_PID_FILE=" + node.directory().resolve("pid"), SERVER.toString(), "-detached"),
				Duration.ofMinutes(1));
	}

	private void signal(Node node, String signal) {
		long pid = node.pid();
		if (pid <= 0) {
			throw new IllegalStateException("No pid for " + node.name());
		}
		exec(List.of("kill", "-" + signal, Long.toString(pid)), Duration.ofSeconds(10));
	}

	private void awaitGone(Node node) {
		long pid = node.pid();
		for (int i = 0; i < 100 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false); i++) {
			sleep(100);
		}
	}

	private static String exec(List<String> command, Duration timeout) {
		try {
			Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
			byte[] output = process.getInputStream().readAllBytes();
			if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
				process.destroyForcibly();
				throw new IllegalStateException(String.join(" ", command) + " did not finish within " + timeout);
			}
			String text = new String(output, StandardCharsets.UTF_8);
			if (process.exitValue() != 0) {
				throw new IllegalStateException(String.join(" ", command) + " failed: " + text);
			}
			return text;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * One node of the cluster.
	 *
	 * @param name its Erlang node name
	 * @param amqpPort its AMQP port on 127.0.0.1
	 * @param distributionPort its inter-node port
	 * @param directory its data, logs and configuration
	 */
	public record Node(String name, int amqpPort, int distributionPort, Path directory) {

		void prepare() {
			try {
				Files.createDirectories(this.directory.resolve("mnesia"));
				Files.createDirectories(this.directory.resolve("log"));
				Files.writeString(this.directory.resolve("enabled_plugins"), "[].\n");
				Files.writeString(this.directory.resolve("rabbitmq.conf"),
						String.join("\n", "listeners.tcp.default = 127.0.0.1:" + this.amqpPort, "loopback_users = none",
								"consumer_timeout = 1800000", ""));
				exec(List.of("chown", "-R", "rabbitmq:rabbitmq", this.directory.getParent().toString()),
						Duration.ofSeconds(30));
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}

		/**
		 * The node's operating-system process.
		 * @return its pid, or 0 if it has none now
		 */
		public long pid() {
			try {
				Path file = this.directory.resolve("pid");
				return Files.exists(file) ? Long.parseLong(Files.readString(file).trim()) : 0;
			}
			catch (IOException | NumberFormatException ex) {
				return 0;
			}
		}

	}

}
