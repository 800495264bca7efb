package dev.offload.api.webhook;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;

/**
 * A real HTTP server on 127.0.0.1 that records what it receives: the webhook receiver of
 * the tests. It answers 200, or 500 to as many requests to a path as it is told to fail.
 */
final class TestReceiver implements AutoCloseable {

	private final HttpServer server;

	private final List<Received> received = new CopyOnWriteArrayList<>();

	private final Map<String, AtomicInteger> failuresLeft = new ConcurrentHashMap<>();

	private TestReceiver(HttpServer server) {
		this.server = server;
	}

	static TestReceiver start() throws IOException {
		HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		TestReceiver receiver = new TestReceiver(server);
		server.createContext("/", (exchange) -> {
			try (InputStream body = exchange.getRequestBody()) {
				Map<String, String> headers = new java.util.HashMap<>();
				exchange.getRequestHeaders()
					.forEach((name, values) -> headers.put(name.toLowerCase(java.util.Locale.ROOT), values.get(0)));
				receiver.received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
						headers, new String(body.readAllBytes(), StandardCharsets.UTF_8)));
			}
			AtomicInteger failures = receiver.failuresLeft.get(exchange.getRequestURI().getPath());
			int status = (failures != null && failures.getAndUpdate((left) -> Math.max(0, left - 1)) > 0) ? 500 : 200;
			exchange.sendResponseHeaders(status, -1);
			exchange.close();
		});
		server.setExecutor(Executors.newFixedThreadPool(2));
		server.start();
		return receiver;
	}

	/**
	 * A URL of this receiver.
	 * @param path the path, starting with {@code /}
	 * @return {@code http://127.0.0.1:<port><path>}
	 */
	String url(String path) {
		return "http://127.0.0.1:" + this.server.getAddress().getPort() + path;
	}

	/**
	 * Answers the next requests to a path with 500.
	 * @param path the path
	 * @param failures how many
	 */
	void failNext(String path, int failures) {
		this.failuresLeft.put(path, new AtomicInteger(failures));
	}

	List<Received> received(String path) {
		return this.received.stream().filter((request) -> request.path().equals(path)).toList();
	}

	@Override
	public void close() {
		this.server.stop(0);
	}

	/**
	 * One request as received.
	 *
	 * @param method the method
	 * @param path the path
	 * @param headers the headers, by lower-case name (first value)
	 * @param body the body
	 */
	record Received(String method, String path, Map<String, String> headers, String body) {

		String header(String name) {
			return this.headers.get(name);
		}

	}

}
