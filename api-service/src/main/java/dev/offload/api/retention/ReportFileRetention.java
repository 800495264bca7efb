package dev.offload.api.retention;

import java.time.Duration;

import dev.offload.api.ApiProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Deletes the files of reports that finished longer ago than
 * {@code offload.api.retention.keep-files-for}, in batches, one transaction each. The
 * report row stays, marked with {@code file_deleted_at}, so its owner still sees it and a
 * download answers 410 Gone. Every api-service replica runs this; rows another replica is
 * deleting are skipped ({@code FOR UPDATE SKIP LOCKED}), so they share the work.
 */
public class ReportFileRetention {

	private static final Logger logger = LoggerFactory.getLogger(ReportFileRetention.class);

	private final JdbcClient jdbc;

	private final TransactionTemplate transactions;

	private final Duration keepFilesFor;

	private final int batchSize;

	ReportFileRetention(JdbcClient jdbc, TransactionTemplate transactions, ApiProperties properties) {
		this.jdbc = jdbc;
		this.transactions = transactions;
		this.keepFilesFor = properties.retention().keepFilesFor();
		this.batchSize = properties.retention().batchSize();
	}

	/**
	 * Deletes every expired file.
	 * @return how many were deleted
	 */
	public int deleteExpiredFiles() {
		int total = 0;
		try {
			int deleted;
			do {
				deleted = this.transactions.execute((status) -> deleteBatch());
				total += deleted;
			}
			while (deleted == this.batchSize);
		}
		catch (DataAccessException ex) {
			logger.warn("Could not delete expired report files (will try again): {}", ex.getMessage());
		}
		if (total > 0) {
			logger.info("Deleted {} report files older than {}", total, this.keepFilesFor);
		}
		return total;
	}

	private int deleteBatch() {
		return this.jdbc.sql("""
				WITH expired AS (
				    SELECT id FROM reports
				     WHERE status = 'SUCCEEDED' AND file_deleted_at IS NULL
				       AND finished_at < now() - :keepMillis * interval '1 millisecond'
				     ORDER BY finished_at
				     LIMIT :batch
				       FOR UPDATE SKIP LOCKED
				), files AS (
				    DELETE FROM report_files f USING expired e WHERE f.report_id = e.id
				)
				UPDATE reports r SET file_deleted_at = now(), updated_at = now()
				  FROM expired e WHERE r.id = e.id
				""").param("keepMillis", this.keepFilesFor.toMillis()).param("batch", this.batchSize).update();
	}

}
