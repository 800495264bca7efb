package dev.offload.worker.email;

import java.util.UUID;

import dev.offload.model.ReportEvent;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The record of which report outcomes were mailed ({@code sent_emails}), so a redelivered
 * or republished event never mails twice.
 */
@Repository
class SentEmails {

	private final JdbcClient jdbc;

	SentEmails(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/**
	 * Records that a report's outcome is being mailed. Called in the transaction that
	 * sends the mail: the row holds the report's outcome locked until the mail is handed
	 * over, and disappears again if sending fails.
	 * @param reportId the report
	 * @param outcome the outcome
	 * @param recipient where the mail goes
	 * @return {@code false} if this outcome was mailed already, or the report no longer
	 * exists
	 */
	boolean record(UUID reportId, ReportEvent.Type outcome, String recipient) {
		return this.jdbc.sql("""
				INSERT INTO sent_emails (report_id, outcome, recipient)
				SELECT id, :outcome, :recipient FROM reports WHERE id = :id
				ON CONFLICT (report_id, outcome) DO NOTHING
				""").param("id", reportId).param("outcome", outcome.name()).param("recipient", recipient).update() == 1;
	}

}
