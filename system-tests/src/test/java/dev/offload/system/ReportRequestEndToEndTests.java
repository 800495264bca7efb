package dev.offload.system;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import dev.offload.model.Messages;
import dev.offload.testsupport.ServiceProcess;
import jakarta.mail.internet.MimeMessage;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The whole path, on real infrastructure: a request is accepted at once, its task crosses
 * RabbitMQ, a worker builds the report from the sales data, stores it and mails its owner
 * a link that downloads it.
 */
class ReportRequestEndToEndTests {

	private static final int SMTP_PORT = ServiceProcess.freePort();

	@RegisterExtension
	static final GreenMailExtension mail = new GreenMailExtension(new ServerSetup(SMTP_PORT, "127.0.0.1", "smtp"))
		.withPerMethodLifecycle(false);

	private static final Pattern LINK = Pattern.compile("(http://\\S+/api/reports/[0-9a-f-]{36}/file\\S*)");

	private static RunningSystem system;

	@BeforeAll
	static void startSystem() {
		system = RunningSystem.start(3_000, SMTP_PORT);
	}

	@AfterAll
	static void stopSystem() {
		if (system != null) {
			system.close();
		}
	}

	@Test
	void acceptedReportIsBuiltOnTheWorkerAndMailedOnceWithALinkToItsFile() throws Exception {
		List<String> timeline = new ArrayList<>();
		String reportPath;
		// Hold the sales data locked so the report cannot finish until this test lets it:
		// the 202 must come back while the report is still waiting or being built.
		try (Connection lock = system.database.holdingLock("sales.order_lines", "ACCESS EXCLUSIVE")) {
			HttpResponse<String> accepted = system.post("/api/reports", """
					{"type":"SALES_SUMMARY","format":"CSV","parameters":{"from":"2023-01-01","to":"2023-12-31"}}""");

			assertThat(accepted.statusCode()).isEqualTo(202);
			JsonNode body = Messages.json().readTree(accepted.body());
			timeline.add("202 " + body.get("status").asString());
			reportPath = accepted.headers().firstValue("Location").orElseThrow();
			assertThat(reportPath).endsWith("/api/reports/" + body.get("id").asString());

			await().atMost(Duration.ofSeconds(30)).until(() -> status(reportPath).equals("RUNNING"));
			timeline.add("RUNNING");
			assertThat(emailsTo(RunningSystem.ALICE_EMAIL, reportPath)).isEmpty();
			lock.rollback();
			timeline.add("lock released");
		}

		await().atMost(Duration.ofSeconds(60)).until(() -> status(reportPath).equals("SUCCEEDED"));
		timeline.add("SUCCEEDED");
		assertThat(timeline).containsExactly("202 QUEUED", "RUNNING", "lock released", "SUCCEEDED");

		MimeMessage email = awaitOneEmailTo(RunningSystem.ALICE_EMAIL, reportPath);
		URI link = linkIn(email);
		HttpResponse<byte[]> file = system.download(link);
		assertThat(file.statusCode()).isEqualTo(200);
		assertThat(file.headers().firstValue("Content-Type"))
			.hasValueSatisfying((type) -> assertThat(type).startsWith("text/csv"));
		String csv = new String(file.body(), StandardCharsets.UTF_8);
		assertThat(totalsIn(csv)).isEqualTo(totalsFromSql("2023-01-01", "2023-12-31"));
		// The link the worker signed works without credentials at the API (another
		// process, the same secret), and only as it was signed.
		assertThat(link.getQuery()).contains("expires=").contains("signature=");
		HttpResponse<byte[]> signed = system.downloadWithoutCredentials(link);
		assertThat(signed.statusCode()).isEqualTo(200);
		assertThat(signed.body()).isEqualTo(file.body());
		URI tampered = URI.create(link.toString().replaceFirst("expires=(\\d+)", "expires=9$1"));
		assertThat(system.downloadWithoutCredentials(tampered).statusCode()).isEqualTo(403);
	}

	@Test
	void pdfReportOpensInPdfBoxWithItsTitlePeriodAndPageNumbers() throws Exception {
		HttpResponse<String> accepted = system.post("/api/reports", """
				{"type":"SALES_SUMMARY","format":"PDF","parameters":{"from":"2022-01-01","to":"2022-06-30"}}""");
		assertThat(accepted.statusCode()).isEqualTo(202);
		String reportPath = accepted.headers().firstValue("Location").orElseThrow();

		await().atMost(Duration.ofSeconds(60)).until(() -> status(reportPath).equals("SUCCEEDED"));
		HttpResponse<byte[]> file = system.download(system.api.baseUri().resolve(reportPath + "/file"));

		assertThat(file.statusCode()).isEqualTo(200);
		try (PDDocument pdf = Loader.loadPDF(file.body())) {
			assertThat(pdf.getDocumentInformation().getTitle()).isEqualTo("Sales summary");
			assertThat(new PDFTextStripper().getText(pdf)).contains("Sales summary", "2022-01-01 to 2022-06-30",
					"Page 1 of");
		}
	}

	@Test
	void prometheusEndpointsExposeTheOperatingMetricsAndProbesAnswer() throws Exception {
		HttpResponse<String> accepted = system.post("/api/reports", """
				{"type":"NO_OP","format":"CSV"}""");
		assertThat(accepted.statusCode()).isEqualTo(202);
		String reportPath = accepted.headers().firstValue("Location").orElseThrow();
		await().atMost(Duration.ofSeconds(60)).until(() -> status(reportPath).equals("SUCCEEDED"));
		await().atMost(Duration.ofSeconds(30)).until(() -> emailsTo(RunningSystem.ALICE_EMAIL, reportPath).size() >= 1);

		assertThat(actuator(system.api, "/actuator/prometheus", null, 401)).as("metrics are not public").isNotNull();
		String api = actuator(system.api, "/actuator/prometheus", "admin:admin-secret", 200);
		assertThat(api).contains("offload_reports_requested_total{", "type=\"NO_OP\"")
			.contains("offload_outbox_backlog")
			.contains("offload_queue_depth{", "queue=\"" + system.broker.topology().generateQueue() + "\"")
			.contains("offload_queue_depth{", "queue=\"" + system.broker.topology().generateDeadLetterQueue() + "\"")
			.contains("http_server_requests_seconds_bucket");
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			String worker = actuator(system.worker, "/actuator/prometheus");
			assertThat(worker).contains("offload_reports_succeeded_total{", "offload_reports_failed_total{")
				.contains("offload_report_generation_seconds_bucket{")
				.contains("offload_emails_sent_total", "offload_emails_failed_total", "offload_emails_pending")
				.containsPattern("offload_reports_succeeded_total\\{[^}]*type=\"NO_OP\"[^}]*\\} [1-9]")
				.containsPattern("offload_emails_sent_total(\\{[^}]*\\})? [1-9]");
		});

		for (ServiceProcess service : new ServiceProcess[] { system.api, system.worker }) {
			assertThat(actuator(service, "/actuator/health/liveness")).contains("\"UP\"");
			assertThat(actuator(service, "/actuator/health/readiness")).contains("\"UP\"");
			assertThat(actuator(service, "/actuator/health")).contains("\"db\"", "\"rabbit\"");
		}
		assertThat(actuator(system.worker, "/actuator/health")).contains("\"mail\"");
	}

	private static String actuator(ServiceProcess service, String path) throws Exception {
		return actuator(service, path, null, 200);
	}

	private static String actuator(ServiceProcess service, String path, String credentials, int expectedStatus)
			throws Exception {
		java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest
			.newBuilder(service.baseUri().resolve(path));
		if (credentials != null) {
			request.header("Authorization", "Basic "
					+ java.util.Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
		}
		HttpResponse<String> response = java.net.http.HttpClient.newHttpClient()
			.send(request.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).as(path).isEqualTo(expectedStatus);
		return response.body();
	}

	private static String status(String reportPath) {
		HttpResponse<String> response = system.get(reportPath);
		assertThat(response.statusCode()).isEqualTo(200);
		return Messages.json().readTree(response.body()).get("status").asString();
	}

	private static MimeMessage awaitOneEmailTo(String recipient, String reportPath) throws Exception {
		await().atMost(Duration.ofSeconds(30)).until(() -> emailsTo(recipient, reportPath).size() >= 1);
		// A second email would come from a redelivered event; give it the time one takes.
		await().during(Duration.ofSeconds(3))
			.atMost(Duration.ofSeconds(10))
			.until(() -> emailsTo(recipient, reportPath).size() == 1);
		return emailsTo(recipient, reportPath).get(0);
	}

	/** The "ready" emails to a recipient about one report (its path names its id). */
	private static List<MimeMessage> emailsTo(String recipient, String reportPath) throws Exception {
		String reportId = reportPath.substring(reportPath.lastIndexOf('/') + 1);
		List<MimeMessage> emails = new ArrayList<>();
		for (MimeMessage message : mail.getReceivedMessages()) {
			if (GreenMailUtil.getAddressList(message.getAllRecipients()).contains(recipient)
					&& message.getSubject().contains("ready") && GreenMailUtil.getBody(message).contains(reportId)) {
				emails.add(message);
			}
		}
		return emails;
	}

	private static URI linkIn(MimeMessage email) {
		Matcher matcher = LINK.matcher(GreenMailUtil.getBody(email).replace("=\r\n", ""));
		assertThat(matcher.find()).as("a download link in the email").isTrue();
		return URI.create(matcher.group(1));
	}

	/** The numbers of the CSV's Totals table: orders, lines, quantity, revenue. */
	private static List<BigDecimal> totalsIn(String csv) {
		List<String> lines = csv.lines().toList();
		int header = lines.indexOf("Orders,Order lines,Units,Revenue");
		if (header < 0) {
			throw new AssertionError("no Totals table in\n" + csv);
		}
		return List.of(lines.get(header + 1).split(",")).stream().map(BigDecimal::new).toList();
	}

	private static List<BigDecimal> totalsFromSql(String from, String to) throws Exception {
		try (Connection connection = system.database.connect();
				Statement statement = connection.createStatement();
				ResultSet row = statement.executeQuery("""
						SELECT count(DISTINCT o.id), count(*), sum(l.quantity), sum(l.quantity * l.unit_price)
						FROM sales.orders o JOIN sales.order_lines l ON l.order_id = o.id
						WHERE o.ordered_on BETWEEN DATE '%s' AND DATE '%s'""".formatted(from, to))) {
			row.next();
			return List.of(row.getBigDecimal(1), row.getBigDecimal(2), row.getBigDecimal(3),
					row.getBigDecimal(4).setScale(2));
		}
	}

}
