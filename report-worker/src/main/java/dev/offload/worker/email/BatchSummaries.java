package dev.offload.worker.email;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.offload.worker.WorkerProperties;

import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The one summary email of a completed batch. api-service marks a batch complete when its
 * last report has finished; this puts the summary in the email outbox, in the same
 * transaction that marks it queued ({@code summary_sent_at}), so every worker can run it
 * and each batch is summarised once. The reports of a batch get no email of their own.
 */
class BatchSummaries {

	private static final Logger logger = LoggerFactory.getLogger(BatchSummaries.class);

	private static final int BATCHES_PER_SWEEP = 20;

	private final JdbcClient jdbc;

	private final EmailOutbox outbox;

	private final TransactionTemplate transactions;

	private final WorkerProperties.Email settings;

	BatchSummaries(JdbcClient jdbc, EmailOutbox outbox, TransactionTemplate transactions, WorkerProperties properties) {
		this.jdbc = jdbc;
		this.outbox = outbox;
		this.transactions = transactions;
		this.settings = properties.email();
	}

	/** One sweep; never throws, so the schedule goes on. */
	void run() {
		try {
			this.transactions.executeWithoutResult((status) -> summarise());
		}
		catch (DataAccessException ex) {
			logger.warn("Could not queue batch summaries (will try again): {}", ex.getMessage());
		}
	}

	private void summarise() {
		List<CompletedBatch> batches = this.jdbc.sql("""
				SELECT id, owner_email, type, format, total FROM report_batches
				 WHERE state = 'COMPLETED' AND summary_sent_at IS NULL
				 ORDER BY completed_at LIMIT :limit
				   FOR UPDATE SKIP LOCKED""")
			.param("limit", BATCHES_PER_SWEEP)
			.query((rs, row) -> new CompletedBatch(rs.getObject("id", UUID.class), rs.getString("owner_email"),
					rs.getString("type"), rs.getString("format"), rs.getObject("total", Integer.class)))
			.list();
		for (CompletedBatch batch : batches) {
			UUID firstReport = this.jdbc.sql("SELECT id FROM reports WHERE batch_id = :id ORDER BY batch_item LIMIT 1")
				.param("id", batch.id())
				.query(UUID.class)
				.optional()
				.orElse(null);
			if (batch.ownerEmail() != null && firstReport != null) {
				Map<String, Long> counts = this.jdbc
					.sql("SELECT status, count(*) AS n FROM reports WHERE batch_id = :id GROUP BY status")
					.param("id", batch.id())
					.query((rs) -> {
						Map<String, Long> result = new java.util.TreeMap<>();
						while (rs.next()) {
							result.put(rs.getString("status"), rs.getLong("n"));
						}
						return result;
					});
				this.outbox.recordBatchSummary(firstReport, ReportMailer.headerSafe(batch.ownerEmail()),
						subject(batch, counts), body(batch, counts));
				logger.info("Queued the summary email of batch {}", batch.id());
			}
			else {
				logger.info("Batch {} has no reports or no owner email: no summary email", batch.id());
			}
			this.jdbc.sql("UPDATE report_batches SET summary_sent_at = now() WHERE id = :id")
				.param("id", batch.id())
				.update();
		}
	}

	private static String subject(CompletedBatch batch, Map<String, Long> counts) {
		long failed = counts.getOrDefault("FAILED", 0L);
		return "Your batch of " + batch.total() + " " + batch.type() + " reports is done"
				+ ((failed > 0) ? " (" + failed + " failed)" : "");
	}

	private String body(CompletedBatch batch, Map<String, Long> counts) {
		String base = this.settings.downloadBaseUrl().toString();
		String trimmed = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
		String link = URI.create(trimmed + "/api/batches/" + batch.id()).toString();
		String tally = counts.entrySet()
			.stream()
			.map((entry) -> entry.getValue() + " " + entry.getKey().toLowerCase(java.util.Locale.ROOT))
			.collect(Collectors.joining(", "));
		return """
				Your batch of %d %s reports (%s) is done: %s.

				The batch: %s
				Its reports, with their download links: %s/reports
				""".formatted(batch.total(), batch.type(), batch.format(), tally, link, link);
	}

	private record CompletedBatch(UUID id, String ownerEmail, String type, String format, Integer total) {

	}

}
