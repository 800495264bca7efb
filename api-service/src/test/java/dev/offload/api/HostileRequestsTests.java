package dev.offload.api;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import org.springframework.amqp.rabbit.core.RabbitAdmin;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Throws random and malformed requests at the running API over raw HTTP (methods, paths,
 * query strings, headers, credentials and bodies, valid ones mutated and plain garbage)
 * and checks two properties for every one of them: the answer is never a 5xx (nor no
 * answer at all), and a request that is not accepted (anything but 202) stores nothing,
 * so nothing is queued. At the end the task queue holds exactly one task per accepted
 * request. The API runs on the real PostgreSQL and RabbitMQ, with the per-user rate limit
 * and report quotas raised so that the requests reach the code behind them.
 */
class HostileRequestsTests {

	private static final int TRIES = 5000;

	private static final String ALICE = "Basic "
			+ Base64.getEncoder().encodeToString("alice:alice-secret".getBytes(StandardCharsets.UTF_8));

	private static final String BOB = "Basic "
			+ Base64.getEncoder().encodeToString("bob:bob-secret".getBytes(StandardCharsets.UTF_8));

	private static final String VALID_BODY = """
			{"type":"SALES_SUMMARY","format":"PDF","parameters":{"from":"2024-01-01","to":"2024-06-30"}}""";

	private static final Map<Integer, AtomicInteger> statuses = new TreeMap<>();

	private static final AtomicInteger sent = new AtomicInteger();

	private static final AtomicInteger accepted = new AtomicInteger();

	private static TestDatabase database;

	private static TestBroker broker;

	private static ConfigurableApplicationContext api;

	private static JdbcClient jdbc;

	private static int port;

	private static long startedAt;

	@BeforeContainer
	static void startTheApi() {
		database = TestDatabase.create();
		broker = TestBroker.create();
		Map<String, Object> properties = new TreeMap<>();
		properties.putAll(database.springProperties());
		properties.putAll(broker.springProperties());
		properties.put("server.port", 0);
		properties.put("offload.api.security.rate-limit.enabled", false);
		properties.put("offload.api.limits.max-unfinished-per-user", 1_000_000);
		properties.put("offload.api.limits.max-backlog", 1_000_000);
		properties.put("logging.level.root", "WARN");
		// As arguments: they must win over application.yaml.
		api = new SpringApplicationBuilder(ApiApplication.class).run(properties.entrySet()
			.stream()
			.map((property) -> "--" + property.getKey() + "=" + property.getValue())
			.toArray(String[]::new));
		jdbc = api.getBean(JdbcClient.class);
		// The topology now, so the task queue can be measured even if nothing is
		// accepted.
		api.getBean(RabbitAdmin.class).initialize();
		port = ((WebServerApplicationContext) api).getWebServer().getPort();
		startedAt = System.nanoTime();
	}

	@AfterContainer
	static void stopTheApi() {
		try {
			if (api != null) {
				long seconds = Duration.ofNanos(System.nanoTime() - startedAt).toSeconds();
				System.out.printf("HostileRequestsTests: %d requests in %d s, %d accepted; answers by status: %s%n",
						sent.get(), seconds, accepted.get(), statuses);
				String queue = broker.topology().generateQueue();
				await().atMost(Duration.ofSeconds(30))
					.untilAsserted(() -> assertThat(broker.messageCount(queue)).isEqualTo(accepted.get()));
				assertThat(sent.get()).isGreaterThanOrEqualTo(TRIES);
				api.close();
			}
		}
		finally {
			if (broker != null) {
				broker.close();
			}
			if (database != null) {
				database.close();
			}
		}
	}

	@Property(tries = TRIES, shrinking = ShrinkingMode.BOUNDED)
	void noRequestCausesA5xxAndOnlyAcceptedOnesStoreAnything(@ForAll("requests") HostileRequest request)
			throws IOException {
		long before = reportCount();

		int status = send(request);

		sent.incrementAndGet();
		statuses.computeIfAbsent(status, (key) -> new AtomicInteger()).incrementAndGet();
		if (request.method().equals("CONNECT") && status == 501) {
			// Tomcat refuses CONNECT (a proxy's method) itself, before the application,
			// with
			// RFC 9110's 501 Not Implemented: the one 5xx that is an answer, not a
			// failure.
			return;
		}
		if (status == -1 && isIncompleteChunkedBody(request)) {
			// The request never ended: its chunked body stops before the last chunk and
			// the client closed its side. Tomcat hits the end of input while reading the
			// form parameters and drops the connection, as for a client that went away;
			// there is nobody to answer, and nothing may be stored.
			assertThat(reportCount()).as("reports after %s", request).isEqualTo(before);
			return;
		}
		assertThat(status).as("status of %s", request).isBetween(100, 499);
		if (status == 202) {
			accepted.incrementAndGet();
		}
		else {
			assertThat(reportCount()).as("reports after %s answered %d", request, status).isEqualTo(before);
		}
	}

	/**
	 * Whether the request declares a chunked body that does not end with the last chunk
	 * ({@code 0} and an empty line): as the server reads it, the request never ends.
	 */
	private static boolean isIncompleteChunkedBody(HostileRequest request) {
		boolean chunked = request.headers()
			.stream()
			.anyMatch((header) -> header[0].equalsIgnoreCase("Transfer-Encoding")
					&& header[1].toLowerCase(java.util.Locale.ROOT).contains("chunked"));
		String body = (request.body() != null) ? new String(request.body(), StandardCharsets.ISO_8859_1) : "";
		return chunked && !body.endsWith("0\r\n\r\n");
	}

	@Provide
	Arbitrary<HostileRequest> requests() {
		return Combinators.combine(methods(), targets(), headers(), bodies()).as(HostileRequest::new);
	}

	private Arbitrary<String> methods() {
		return frequency(weighted(6, Arbitraries.just("POST")), weighted(4, Arbitraries.just("GET")),
				weighted(2, Arbitraries.just("DELETE")),
				weighted(1, Arbitraries.of("PUT", "PATCH", "HEAD", "OPTIONS", "TRACE", "CONNECT", "get", "P0ST")),
				weighted(1, Arbitraries.strings().withCharRange('!', '~').ofMinLength(1).ofMaxLength(12)));
	}

	private Arbitrary<String> targets() {
		Arbitrary<String> id = Arbitraries.oneOf(Arbitraries.create(() -> UUID.randomUUID().toString()),
				Arbitraries.of("0", "-1", "null", "..", "..%2F..%2Fetc%2Fpasswd", "%00", "%zz",
						"00000000-0000-0000-0000-000000000000", "6f1c2a59-8a43-4a8e-9d0e-2d1f3c4b5a69x", "%E2%80%AE"),
				Arbitraries.strings().withCharRange('!', '~').ofMaxLength(40));
		// Mostly the report calls, so that many requests get past the HTTP layer.
		Arbitrary<String> path = frequency(weighted(10, Arbitraries.just("/api/reports")),
				weighted(3, id.map((value) -> "/api/reports/" + value)),
				weighted(2, id.map((value) -> "/api/reports/" + value + "/file")),
				weighted(2,
						Arbitraries.of("/api/report-types", "/api/admin/dead-letters", "/api/admin/dead-letters/replay",
								"/actuator/health", "/api/", "/api/reports/", "//api//reports",
								"/api/reports/../report-types", "/api/reports;jsessionid=x", "/error", "*")),
				weighted(1,
						Arbitraries.strings().withCharRange('!', '~').ofMaxLength(60).map((value) -> "/api/" + value)),
				weighted(1, Arbitraries.strings().withChars('a', '/', '%', '.').ofMinLength(1).ofMaxLength(9000)));
		Arbitrary<String> key = Arbitraries.of("status", "page", "size", "cursor", "expires", "signature", "limit",
				"type", "", "page[]", "%zz");
		Arbitrary<String> value = Arbitraries.oneOf(
				Arbitraries.of("QUEUED", "SUCCEEDED", "queued", "0", "-1", "1", "100", "101", "2147483648",
						"99999999999999999999", "1e3", "NaN", "", "%00", "%zz", "%E2%82%AC", "4102444800",
						"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
						// A well-formed list cursor (the epoch, id 0) and ones just
						// beside it.
						"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "AQ________________________________",
						"AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D%3D"),
				Arbitraries.integers().map(String::valueOf),
				Arbitraries.strings().withCharRange('!', '~').ofMaxLength(30));
		Arbitrary<String> parameter = Combinators.combine(key, value).as((k, v) -> k + "=" + v);
		Arbitrary<String> query = frequency(weighted(1, Arbitraries.just("")),
				weighted(1,
						parameter.list()
							.ofMaxSize(5)
							.map((parameters) -> parameters.isEmpty() ? "" : "?" + String.join("&", parameters))));
		return Combinators.combine(path, query).as((p, q) -> p + q);
	}

	private Arbitrary<List<String[]>> headers() {
		Arbitrary<String> authorization = frequency(weighted(10, Arbitraries.just(ALICE)),
				weighted(2, Arbitraries.just(BOB)),
				weighted(2,
						Arbitraries.of("Basic YWxpY2U6d3Jvbmc=", "Basic !!!", "Basic ", "Bearer abc.def.ghi",
								"Basic " + "A".repeat(6000), "Digest x", "")),
				weighted(1, Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(80)));
		Arbitrary<String> contentType = frequency(weighted(8, Arbitraries.just("application/json")),
				weighted(3,
						Arbitraries.of("text/plain", "application/json; charset=ebcdic", "application/xml",
								"multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "*/*",
								"application/", ";;;", "application/json; charset=UTF-16")),
				weighted(1, Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(40)));
		Arbitrary<String[]> extra = Arbitraries.oneOf(
				Arbitraries.strings()
					.withCharRange(' ', '~')
					.ofMaxLength(100)
					.map((text) -> new String[] { "Idempotency-Key", text }),
				Arbitraries.of(new String[] { "Idempotency-Key", "k".repeat(300) },
						new String[] { "Idempotency-Key", "key\u00e9\u2028" }, new String[] { "Accept", "text/csv" },
						new String[] { "Accept", "application/xml" }, new String[] { "Transfer-Encoding", "chunked" },
						new String[] { "Content-Length", "-1" }, new String[] { "Content-Length", "99999999999" },
						new String[] { "X-Forwarded-For", "127.0.0.1\r\nX-Injected: 1" },
						new String[] { "Host", "evil.example" }, new String[] { "Expect", "100-continue" },
						new String[] { "X-Big", "x".repeat(20_000) },
						new String[] { "X-API-Key", "alice-local-api-key-0123456789" },
						new String[] { "X-API-Key", "alice-local-api-key-0123456788" },
						new String[] { "X-API-Key", "k".repeat(600) }, new String[] { "X-API-Key", "" },
						new String[] { "X-API-Key", "key\u00e9\u2028" }),
				Combinators
					.combine(Arbitraries.strings().withCharRange('!', '~').ofMinLength(1).ofMaxLength(20),
							Arbitraries.strings().withCharRange(' ', '\u00ff').ofMaxLength(60))
					.as((name, text) -> new String[] { name, text }));
		return Combinators
			.combine(authorization.injectNull(0.1), contentType.injectNull(0.1),
					frequency(weighted(2, Arbitraries.just(List.<String[]>of())),
							weighted(1, extra.list().ofMaxSize(3))))
			.as((auth, type, more) -> {
				List<String[]> all = new ArrayList<>();
				if (auth != null) {
					all.add(new String[] { "Authorization", auth });
				}
				if (type != null) {
					all.add(new String[] { "Content-Type", type });
				}
				all.addAll(more);
				return all;
			});
	}

	private Arbitrary<byte[]> bodies() {
		Arbitrary<String> fieldValue = Arbitraries.oneOf(
				Arbitraries.of("\"SALES_SUMMARY\"", "\"NO_OP\"", "\"PDF\"", "\"CSV\"", "\"XLSX\"", "null", "1", "-1",
						"1e999", "true", "[]", "{}", "\"\"", "\"2024-01-01\"", "\"2024-02-30\"", "\"9999-12-31\"",
						"\"0000-01-01\"", "\"\\u0000\"", "\"=cmd|' /C calc'!A0\"", "[[[[[[[[[[]]]]]]]]]]",
						"{\"from\":\"2024-01-01\",\"to\":\"2024-01-31\"}",
						"{\"from\":\"2024-12-31\",\"to\":\"2024-01-01\"}",
						"{\"from\":\"1900-01-01\",\"to\":\"2024-01-01\"}", "{\"extra\":\"x\"}", "{\"from\":1}"),
				Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(30).map((text) -> "\"" + text + "\""));
		Arbitrary<String> field = Arbitraries.of("type", "format", "parameters", "owner", "id", "status", "", "type ");
		Arbitrary<String> object = Combinators.combine(field, fieldValue)
			.as((name, v) -> "\"" + name + "\":" + v)
			.list()
			.ofMaxSize(5)
			.map((fields) -> "{" + String.join(",", fields) + "}");
		Arbitrary<String> mutatedValid = Arbitraries.integers()
			.between(0, VALID_BODY.length())
			.flatMap((cut) -> Arbitraries.strings()
				.withCharRange(' ', '~')
				.ofMaxLength(5)
				.map((insert) -> VALID_BODY.substring(0, cut) + insert + VALID_BODY.substring(cut)));
		return frequency(weighted(4, Arbitraries.just(VALID_BODY).map(HostileRequestsTests::utf8)),
				weighted(2,
						Arbitraries.just("{\"type\":\"NO_OP\",\"format\":\"CSV\"}").map(HostileRequestsTests::utf8)),
				weighted(6, object.map(HostileRequestsTests::utf8)),
				weighted(4, mutatedValid.map(HostileRequestsTests::utf8)),
				weighted(2, Arbitraries.bytes().array(byte[].class).ofMaxSize(200)),
				weighted(1,
						Arbitraries
							.of("[".repeat(5000), "{\"type\":\"" + "a".repeat(70_000) + "\"}", "", "null", "[]",
									"\"text\"", "{\"type\":\"NO_OP\",\"format\":\"CSV\"}{}")
							.map(HostileRequestsTests::utf8)))
			.injectNull(0.05);
	}

	@SafeVarargs
	private static <T> Arbitrary<T> frequency(Tuple.Tuple2<Integer, Arbitrary<T>>... choices) {
		return Arbitraries.frequencyOf(List.of(choices));
	}

	private static <T> Tuple.Tuple2<Integer, Arbitrary<T>> weighted(int weight, Arbitrary<T> arbitrary) {
		return Tuple.of(weight, arbitrary);
	}

	private static byte[] utf8(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

	private static long reportCount() {
		return jdbc.sql("SELECT count(*) FROM reports").query(Long.class).single();
	}

	/**
	 * Sends the request as raw bytes, so that nothing a client library would refuse or
	 * repair is kept from the server, and returns the status the server answered with.
	 */
	private static int send(HostileRequest request) throws IOException {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		bytes.writeBytes(utf8(request.method() + " " + request.target() + " HTTP/1.1\r\n"));
		bytes.writeBytes(utf8("Host: localhost\r\nConnection: close\r\n"));
		boolean lengthGiven = false;
		for (String[] header : request.headers()) {
			lengthGiven |= header[0].equalsIgnoreCase("Content-Length")
					|| header[0].equalsIgnoreCase("Transfer-Encoding");
			bytes.writeBytes(utf8(header[0] + ": " + header[1] + "\r\n"));
		}
		if (request.body() != null && !lengthGiven) {
			bytes.writeBytes(utf8("Content-Length: " + request.body().length + "\r\n"));
		}
		bytes.writeBytes(utf8("\r\n"));
		if (request.body() != null) {
			bytes.writeBytes(request.body());
		}
		try (Socket socket = new Socket("127.0.0.1", port)) {
			socket.setSoTimeout(10_000);
			OutputStream out = socket.getOutputStream();
			try {
				out.write(bytes.toByteArray());
				out.flush();
				socket.shutdownOutput();
			}
			catch (IOException ex) {
				// The server may answer and close before it has read everything (a body
				// over the limit): its answer is still there to read.
			}
			return status(socket.getInputStream());
		}
	}

	private static int status(InputStream in) throws IOException {
		int status = Integer.parseInt(statusOf(line(in)));
		while (status == 100) {
			// An interim "100 Continue": skip it, the final answer follows.
			while (!line(in).isEmpty()) {
				// its headers, if any
			}
			status = Integer.parseInt(statusOf(line(in)));
		}
		return status;
	}

	private static String statusOf(String statusLine) {
		String[] parts = statusLine.split(" ");
		return (parts.length >= 2 && parts[0].startsWith("HTTP/")) ? parts[1] : "-1";
	}

	private static String line(InputStream in) throws IOException {
		StringBuilder line = new StringBuilder();
		int next;
		while ((next = in.read()) >= 0 && next != '\n' && line.length() < 8192) {
			line.append((char) next);
		}
		return line.toString().trim();
	}

	record HostileRequest(String method, String target, List<String[]> headers, byte[] body) {

		@Override
		public String toString() {
			StringBuilder text = new StringBuilder(this.method).append(' ').append(abbreviate(this.target));
			this.headers.forEach((header) -> text.append(" [")
				.append(header[0])
				.append(": ")
				.append(abbreviate(header[1]))
				.append(']'));
			if (this.body != null) {
				text.append(" body(")
					.append(this.body.length)
					.append("): ")
					.append(abbreviate(new String(this.body, StandardCharsets.UTF_8)));
			}
			return text.toString();
		}

		private static String abbreviate(String value) {
			return (value.length() > 120) ? value.substring(0, 120) + "...(" + value.length() + ")" : value;
		}

	}

}
