package dev.offload.api.report;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

import dev.offload.model.DownloadLinkSignature;
import dev.offload.testsupport.AfterTheContext;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.client.EntityExchangeResult;
import org.springframework.test.web.servlet.client.RestTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The link in a "report ready" email: it downloads the file without credentials while its
 * HMAC matches the report, its owner and its expiry; a tampered or expired link is a 403
 * problem saying which.
 */
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = "offload.download-links.secret=" + SignedDownloadLinkTests.SECRET)
@AutoConfigureRestTestClient
class SignedDownloadLinkTests {

	static final String SECRET = "signed-download-link-tests-secret-0123456789";

	private static final TestDatabase database = TestDatabase.create();

	private static final TestBroker broker = TestBroker.create();

	private final DownloadLinkSignature signature = new DownloadLinkSignature(SECRET);

	@Autowired
	private RestTestClient client;

	@Autowired
	private JdbcClient jdbc;

	@DynamicPropertySource
	static void infrastructure(DynamicPropertyRegistry registry) {
		database.springProperties().forEach((name, value) -> registry.add(name, () -> value));
		broker.springProperties().forEach((name, value) -> registry.add(name, () -> value));
	}

	@RegisterExtension
	static final AfterTheContext cleanUp = AfterTheContext.close(broker, database);

	@Test
	void validLinkDownloadsTheFileWithoutCredentials() {
		UUID id = succeededReport("alice", "sales-summary.csv");
		long expires = Instant.now().plusSeconds(3600).getEpochSecond();

		EntityExchangeResult<byte[]> result = this.client.get()
			.uri("/api/reports/{id}/file?expires={expires}&signature={signature}", id, expires,
					this.signature.sign(id, "alice", expires))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.returnResult();

		assertThat(new String(result.getResponseBody(), StandardCharsets.UTF_8)).startsWith("region,revenue");
		assertThat(result.getResponseHeaders().getContentDisposition().getFilename()).isEqualTo("sales-summary.csv");
	}

	@Test
	void tamperedSignatureIsA403ProblemSayingTheLinkIsNotValid() {
		UUID id = succeededReport("alice", "report.csv");
		long expires = Instant.now().plusSeconds(3600).getEpochSecond();
		String signed = this.signature.sign(id, "alice", expires);
		String tampered = ((signed.charAt(0) == 'A') ? "B" : "A") + signed.substring(1);

		expectRejected(id, Long.toString(expires), tampered, "not valid");
	}

	@Test
	void linkWithAnExtendedExpiryIsA403Problem() {
		UUID id = succeededReport("alice", "report.csv");
		long expires = Instant.now().plusSeconds(3600).getEpochSecond();

		expectRejected(id, Long.toString(expires + 86_400), this.signature.sign(id, "alice", expires), "not valid");
	}

	@Test
	void linkSignedForAnotherUserOrReportIsA403Problem() {
		UUID id = succeededReport("alice", "report.csv");
		UUID other = succeededReport("bob", "report.csv");
		long expires = Instant.now().plusSeconds(3600).getEpochSecond();

		expectRejected(id, Long.toString(expires), this.signature.sign(id, "bob", expires), "not valid");
		expectRejected(id, Long.toString(expires), this.signature.sign(other, "bob", expires), "not valid");
		expectRejected(UUID.randomUUID(), Long.toString(expires), this.signature.sign(id, "alice", expires),
				"not valid");
	}

	@Test
	void linkSignedWithAnotherSecretIsA403Problem() {
		UUID id = succeededReport("alice", "report.csv");
		long expires = Instant.now().plusSeconds(3600).getEpochSecond();
		String forged = new DownloadLinkSignature("local-development-only-download-link-secret").sign(id, "alice",
				expires);

		expectRejected(id, Long.toString(expires), forged, "not valid");
	}

	@Test
	void expiredLinkIsA403ProblemSayingItHasExpired() {
		UUID id = succeededReport("alice", "report.csv");
		long expired = Instant.now().minusSeconds(1).getEpochSecond();

		expectRejected(id, Long.toString(expired), this.signature.sign(id, "alice", expired), "has expired");
	}

	@Test
	void linkWithoutOrWithAMalformedExpiryIsRejected() {
		UUID id = succeededReport("alice", "report.csv");

		this.client.get()
			.uri("/api/reports/{id}/file?signature={signature}", id, "abc")
			.exchange()
			.expectStatus()
			.isForbidden();
		this.client.get()
			.uri("/api/reports/{id}/file?expires=soon&signature={signature}", id, "abc")
			.exchange()
			.expectStatus()
			.isBadRequest();
	}

	@Test
	void linkWithoutASignatureNeedsCredentials() {
		UUID id = succeededReport("alice", "report.csv");

		this.client.get()
			.uri("/api/reports/{id}/file?expires=4102444800", id)
			.exchange()
			.expectStatus()
			.isUnauthorized();
	}

	@Test
	void storedFileNameWithAPathIsOfferedWithoutIt() {
		UUID id = succeededReport("alice", "../../etc/passwd\r\nX-Evil: 1");
		long expires = Instant.now().plusSeconds(3600).getEpochSecond();

		EntityExchangeResult<byte[]> result = this.client.get()
			.uri("/api/reports/{id}/file?expires={expires}&signature={signature}", id, expires,
					this.signature.sign(id, "alice", expires))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.returnResult();

		assertThat(result.getResponseHeaders().getContentDisposition().getFilename())
			.isEqualTo("etc_passwd__X-Evil__1");
		assertThat(result.getResponseHeaders().get("X-Evil")).isNull();
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', textBlock = """
			sales-summary-2024.csv | sales-summary-2024.csv
			../../secret.pdf       | secret.pdf
			..\\\\..\\\\boot.ini       | boot.ini
			.hidden                | hidden
			a/b/c.csv              | a_b_c.csv
			''                     | report
			...                    | report
			""")
	void downloadFileNamesHoldNoPath(String stored, String offered) {
		assertThat(ReportController.safeFileName(stored)).isEqualTo(offered);
	}

	private void expectRejected(UUID id, String expires, String signature, String detail) {
		this.client.get()
			.uri("/api/reports/{id}/file?expires={expires}&signature={signature}", id, expires, signature)
			.exchange()
			.expectStatus()
			.isForbidden()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.detail")
			.value((text) -> assertThat(text.toString()).contains(detail));
	}

	private UUID succeededReport(String owner, String fileName) {
		UUID id = UUID.randomUUID();
		byte[] content = "region,revenue\r\nnorth,100.00\r\n".getBytes(StandardCharsets.UTF_8);
		this.jdbc.sql("""
				INSERT INTO reports (id, owner_id, owner_email, type, format, status, progress, task_published_at,
				                     started_at, finished_at, file_size)
				VALUES (:id, :owner, :email, 'NO_OP', 'CSV', 'SUCCEEDED', 100, now(), now(), now(), :size)""")
			.param("id", id)
			.param("owner", owner)
			.param("email", owner + "@example.com")
			.param("size", content.length)
			.update();
		this.jdbc.sql("""
				INSERT INTO report_files (report_id, file_name, content_type, content)
				VALUES (:id, :name, 'text/csv', :content)""")
			.param("id", id)
			.param("name", fileName)
			.param("content", content)
			.update();
		return id;
	}

}
