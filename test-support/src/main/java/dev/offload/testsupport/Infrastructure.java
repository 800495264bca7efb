package dev.offload.testsupport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.rabbitmq.RabbitMQContainer;

/**
 * The RabbitMQ and PostgreSQL the tests of this JVM use: the local services when they
 * answer, otherwise containers started once by Testcontainers where Docker runs.
 * <p>
 * Local addresses can be moved with the environment variables
 * {@code OFFLOAD_TEST_RABBIT_HOST}, {@code OFFLOAD_TEST_RABBIT_PORT},
 * {@code OFFLOAD_TEST_PG_HOST} and {@code OFFLOAD_TEST_PG_PORT}.
 */
public final class Infrastructure {

	private static final Logger logger = LoggerFactory.getLogger(Infrastructure.class);

	private static final int CONNECT_TIMEOUT_MILLIS = 1000;

	private static Endpoint rabbit;

	private static Endpoint postgres;

	private Infrastructure() {
	}

	/**
	 * The RabbitMQ broker for the tests, chosen once per JVM.
	 * @return its endpoint
	 */
	public static synchronized Endpoint rabbit() {
		if (rabbit == null) {
			String host = env("OFFLOAD_TEST_RABBIT_HOST", "127.0.0.1");
			int port = Integer.parseInt(env("OFFLOAD_TEST_RABBIT_PORT", "5672"));
			rabbit = switch (InfrastructureChoice.choose("RabbitMQ", answers(host, port),
					Infrastructure::dockerAvailable)) {
				case LOCAL -> new Endpoint(host, port, "guest", "guest", InfrastructureChoice.LOCAL);
				case TESTCONTAINERS -> startRabbit();
			};
			logger.info("Tests use RabbitMQ at {}:{} ({})", rabbit.host(), rabbit.port(), rabbit.choice());
		}
		return rabbit;
	}

	/**
	 * The PostgreSQL server for the tests, chosen once per JVM.
	 * @return its endpoint
	 */
	public static synchronized Endpoint postgres() {
		if (postgres == null) {
			String host = env("OFFLOAD_TEST_PG_HOST", "127.0.0.1");
			int port = Integer.parseInt(env("OFFLOAD_TEST_PG_PORT", "5432"));
			postgres = switch (InfrastructureChoice.choose("PostgreSQL", answers(host, port),
					Infrastructure::dockerAvailable)) {
				case LOCAL -> new Endpoint(host, port, env("OFFLOAD_TEST_PG_USER", "postgres"),
						env("OFFLOAD_TEST_PG_PASSWORD", ""), InfrastructureChoice.LOCAL);
				case TESTCONTAINERS -> startPostgres();
			};
			logger.info("Tests use PostgreSQL at {}:{} ({})", postgres.host(), postgres.port(), postgres.choice());
		}
		return postgres;
	}

	/**
	 * Whether something accepts a TCP connection at the address.
	 * @param host the host
	 * @param port the port
	 * @return {@code true} if a connection was accepted within a second
	 */
	static boolean answers(String host, int port) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MILLIS);
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	static boolean dockerAvailable() {
		try {
			return DockerClientFactory.instance().isDockerAvailable();
		}
		catch (RuntimeException ex) {
			return false;
		}
	}

	@SuppressWarnings("resource") // lives as long as the JVM; Testcontainers' Ryuk
									// removes it
	private static Endpoint startRabbit() {
		RabbitMQContainer container = new RabbitMQContainer("rabbitmq:4-management");
		container.start();
		return new Endpoint(container.getHost(), container.getAmqpPort(), container.getAdminUsername(),
				container.getAdminPassword(), InfrastructureChoice.TESTCONTAINERS);
	}

	@SuppressWarnings("resource") // lives as long as the JVM; Testcontainers' Ryuk
									// removes it
	private static Endpoint startPostgres() {
		PostgreSQLContainer container = new PostgreSQLContainer("postgres:17-alpine");
		container.start();
		return new Endpoint(container.getHost(), container.getMappedPort(5432), container.getUsername(),
				container.getPassword(), InfrastructureChoice.TESTCONTAINERS);
	}

	private static String env(String name, String fallback) {
		String value = System.getenv(name);
		return (value != null && !value.isBlank()) ? value : fallback;
	}

}
