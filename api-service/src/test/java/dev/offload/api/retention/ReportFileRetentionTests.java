package dev.offload.api.retention;

import java.util.UUID;

import dev.offload.testsupport.AfterTheContext;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.client.RestTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The retention job against a real PostgreSQL: files of reports finished longer ago than
 * the configured age are deleted, newer ones stay, and a deleted file's download answers
 * 410 Gone.
 */
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "offload.api.retention.keep-files-for=7d", "offload.api.retention.batch-size=1" })
@AutoConfigureRestTestClient
class ReportFileRetentionTests {

	private static final TestDatabase database = TestDatabase.create();

	private static final TestBroker broker = TestBroker.create();

	@Autowired
	private RestTestClient client;

	@Autowired
	private JdbcClient jdbc;

	@Autowired
	private ReportFileRetention retention;

	@DynamicPropertySource
	static void infrastructure(DynamicPropertyRegistry registry) {
		database.springProperties().forEach((name, value) -> registry.add(name, () -> value));
		broker.springProperties().forEach((name, value) -> registry.add(name, () -> value));
	}

	@RegisterExtension
	static final AfterTheContext cleanUp = AfterTheContext.close(broker, database);

	@Test
	void filesPastTheirAgeAreDeletedAndAnswer410WhileNewerOnesStay() {
		UUID old = succeededDaysAgo(8);
		UUID older = succeededDaysAgo(30);
		UUID recent = succeededDaysAgo(6);

		// Batches of one: the job goes on until nothing is left.
		assertThat(this.retention.deleteExpiredFiles()).isEqualTo(2);
		assertThat(this.retention.deleteExpiredFiles()).isZero();

		assertThat(files(old) + files(older)).isZero();
		assertThat(files(recent)).isEqualTo(1);
		download(recent).expectStatus().isOk();
		download(old).expectStatus()
			.isEqualTo(HttpStatus.GONE)
			.expectBody()
			.jsonPath("$.title")
			.isEqualTo("Report file deleted")
			.jsonPath("$.deletedAt")
			.exists();
		this.client.get()
			.uri("/api/reports/{id}", old)
			.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
			.exchange()
			.expectStatus()
			.isOk();
	}

	private RestTestClient.ResponseSpec download(UUID id) {
		return this.client.get()
			.uri("/api/reports/{id}/file", id)
			.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
			.exchange();
	}

	private UUID succeededDaysAgo(int days) {
		UUID id = UUID.randomUUID();
		this.jdbc.sql("""
				INSERT INTO reports (id, owner_id, owner_email, type, format, status, task_published_at, progress,
				                     file_size, finished_at)
				VALUES (:id, 'alice', 'alice@example.com', 'NO_OP', 'CSV', 'SUCCEEDED', now(), 100, 3,
				        now() - :days * interval '1 day')""").param("id", id).param("days", days).update();
		this.jdbc.sql("""
				INSERT INTO report_files (report_id, file_name, content_type, content)
				VALUES (:id, 'r.csv', 'text/csv', CAST('a,b' AS bytea))""").param("id", id).update();
		return id;
	}

	private long files(UUID id) {
		return this.jdbc.sql("SELECT count(*) FROM report_files WHERE report_id = :id")
			.param("id", id)
			.query(Long.class)
			.single();
	}

}
