package dev.offload.worker.email;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.icegreen.greenmail.util.GreenMail;
import dev.offload.model.Owner;
import dev.offload.model.ReportFormat;
import dev.offload.model.ReportTask;
import dev.offload.worker.Workers;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Emails put due in a worker's outbox, as the pipeline leaves them, and what became of
 * them: their rows, and the copies the test's SMTP server received.
 */
final class DueEmails {

	private final JdbcClient jdbc;

	private final GreenMail smtp;

	DueEmails(JdbcClient jdbc, GreenMail smtp) {
		this.jdbc = jdbc;
		this.smtp = smtp;
	}

	/**
	 * Reports whose SUCCEEDED emails are due, all in one transaction.
	 * @param count how many
	 * @return the reports
	 */
	List<UUID> due(int count) {
		List<UUID> reports = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			ReportTask task = new ReportTask(UUID.randomUUID(), "NO_OP", Map.of(),
					new Owner("user-1", "ada@example.com"), Instant.now(), ReportFormat.CSV);
			Workers.insertQueuedReport(this.jdbc, task);
			reports.add(task.reportId());
		}
		this.jdbc.sql("""
				INSERT INTO sent_emails (report_id, outcome, recipient, subject, body, status, next_attempt_at)
				SELECT id, 'SUCCEEDED', 'ada@example.com', 'Your report is ready', 'Report ' || id, 'PENDING', now()
				  FROM unnest(CAST(:ids AS uuid[])) AS id
				""").param("ids", reports.toArray(new UUID[0])).update();
		return reports;
	}

	/**
	 * How many of the reports' emails meet a condition on their row.
	 * @param reports the reports
	 * @param condition SQL on {@code sent_emails}
	 * @return the count
	 */
	long count(List<UUID> reports, String condition) {
		return this.jdbc.sql("SELECT count(*) FROM sent_emails WHERE report_id = ANY(:ids) AND " + condition)
			.param("ids", reports.toArray(new UUID[0]))
			.query(Long.class)
			.single();
	}

	/**
	 * The attempts of the reports' emails that never failed.
	 * @param reports the reports
	 * @return their attempts together
	 */
	long attempts(List<UUID> reports) {
		return this.jdbc.sql(
				"SELECT coalesce(sum(attempts), 0) FROM sent_emails WHERE report_id = ANY(:ids) AND last_error IS NULL")
			.param("ids", reports.toArray(new UUID[0]))
			.query(Long.class)
			.single();
	}

	/**
	 * Every report's email reaches the SMTP server and is marked SENT, and none is sent
	 * twice.
	 * @param reports the reports
	 * @throws MessagingException if a received message cannot be read
	 */
	void assertMailedOnceEach(List<UUID> reports) throws MessagingException {
		assertThat(this.smtp.waitForIncomingEmail(20_000, reports.size())).isTrue();
		await().atMost(Duration.ofSeconds(20)).until(() -> count(reports, "status = 'SENT'") == reports.size());
		assertThat(mailsPerReport(reports)).as("each mailed once")
			.hasSize(reports.size())
			.allSatisfy((report, mails) -> assertThat(mails).isOne());
	}

	/**
	 * The emails the SMTP server received for each report that has any.
	 * @param reports the reports
	 * @return the number received per report
	 * @throws MessagingException if a received message cannot be read
	 */
	Map<UUID, Integer> mailsPerReport(List<UUID> reports) throws MessagingException {
		Map<UUID, Integer> mails = new HashMap<>();
		for (MimeMessage message : this.smtp.getReceivedMessages()) {
			for (UUID report : reports) {
				if (message.getMessageID().startsWith("<" + report + ".")) {
					mails.merge(report, 1, Integer::sum);
				}
			}
		}
		return mails;
	}

}
