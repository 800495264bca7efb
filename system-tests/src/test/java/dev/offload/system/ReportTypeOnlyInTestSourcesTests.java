package dev.offload.system;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.offload.model.Messages;
import dev.offload.testsupport.ServiceProcess;
import dev.offload.worker.catalogue.testonly.ProductCountReport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A report type that exists only in test sources ({@link ProductCountReport}) reaches
 * users with no change to api-service or shared-model: a worker built from this class
 * path offers it, and it goes through a rolling upgrade as the README describes. While
 * the shipped worker (which does not know the type) still runs, the API refuses it as
 * being rolled out; once that worker stops, the type is listed, requested, built and
 * downloaded.
 */
class ReportTypeOnlyInTestSourcesTests {

	private static RunningSystem system;

	private static ServiceProcess newWorker;

	@BeforeAll
	static void startSystemAndANewerWorker() {
		system = RunningSystem.start(200, ServiceProcess.freePort());
		int port = ServiceProcess.freePort();
		Map<String, Object> properties = new LinkedHashMap<>();
		properties.putAll(system.database.springProperties());
		properties.putAll(system.broker.springProperties());
		properties.put("server.port", port);
		properties.put("spring.mail.host", "127.0.0.1");
		properties.put("spring.mail.port", ServiceProcess.freePort());
		// The shipped worker's jar with this module's test classes added: the newer
		// worker of a rolling upgrade, which offers PRODUCT_COUNT too.
		newWorker = ServiceProcess.startWith("report-worker-new", RunningSystem.jar("report-worker"),
				Path.of("target", "test-classes"), port, properties,
				Path.of("target", "service-logs", system.database.name()), Duration.ofSeconds(120));
	}

	@AfterAll
	static void stop() {
		if (newWorker != null) {
			newWorker.close();
		}
		if (system != null) {
			system.close();
		}
	}

	@Test
	void typeOfTheNewWorkerIsRefusedDuringTheUpgradeThenListedBuiltAndDownloaded() throws Exception {
		String request = "{\"type\":\"PRODUCT_COUNT\",\"format\":\"CSV\"}";
		await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
			HttpResponse<String> refused = system.post("/api/reports", request);
			assertThat(refused.statusCode()).isEqualTo(400);
			assertThat(refused.body()).contains("being rolled out: offered by 1 of 2 workers");
		});
		assertThat(system.get("/api/report-types").body()).doesNotContain("PRODUCT_COUNT");

		// The last old worker stops and withdraws its offers.
		system.worker.stop(Duration.ofSeconds(40));

		await().atMost(Duration.ofSeconds(20))
			.untilAsserted(() -> assertThat(system.get("/api/report-types").body()).contains("PRODUCT_COUNT"));
		HttpResponse<String> accepted = system.post("/api/reports", request);
		assertThat(accepted.statusCode()).isEqualTo(202);
		String path = accepted.headers().firstValue("Location").orElseThrow();
		await().atMost(Duration.ofSeconds(30)).until(() -> status(path).equals("SUCCEEDED"));

		HttpResponse<byte[]> file = system.download(system.api.baseUri().resolve(path + "/file"));
		assertThat(file.statusCode()).isEqualTo(200);
		String csv = new String(file.body(), StandardCharsets.UTF_8);
		assertThat(csv).startsWith("Product count");
		try (Connection connection = system.database.connect();
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery(
						"SELECT category, count(*) FROM sales.products GROUP BY category ORDER BY category")) {
			while (rows.next()) {
				assertThat(csv).contains(rows.getString(1) + "," + rows.getLong(2) + "\r\n");
			}
		}
	}

	private static String status(String path) {
		JsonNode report = Messages.json().readTree(system.get(path).body());
		return report.get("status").asString();
	}

}
