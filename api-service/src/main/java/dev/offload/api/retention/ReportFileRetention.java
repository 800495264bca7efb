package dev.offload.api.retention;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import dev.offload.api.ApiProperties;
import dev.offload.model.files.FileStore;
import dev.offload.model.files.FileStores;
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

	private final FileStores files;

	private final Duration orphanUploadAge;

	ReportFileRetention(JdbcClient jdbc, TransactionTemplate transactions, ApiProperties properties, FileStores files) {
		this.jdbc = jdbc;
		this.files = files;
		this.orphanUploadAge = properties.retention().orphanUploadAge();
		this.transactions = transactions;
		this.keepFilesFor = properties.retention().keepFilesFor();
		this.batchSize = properties.retention().batchSize();
	}

	/** One run of the job: expired files, then files no report records. */
	public void run() {
		deleteExpiredFiles();
		deleteOrphanUploads();
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
		catch (RuntimeException ex) {
			logger.warn("Could not delete expired report files (will try again): {}", ex.getMessage());
		}
		if (total > 0) {
			logger.info("Deleted {} report files older than {}", total, this.keepFilesFor);
		}
		return total;
	}

	private int deleteBatch() {
		List<Expired> expired = this.jdbc.sql("""
				SELECT id, file_store, file_key FROM reports
				 WHERE status = 'SUCCEEDED' AND file_deleted_at IS NULL
				   AND finished_at < now() - :keepMillis * interval '1 millisecond'
				 ORDER BY finished_at
				 LIMIT :batch
				   FOR UPDATE SKIP LOCKED
				""")
			.param("keepMillis", this.keepFilesFor.toMillis())
			.param("batch", this.batchSize)
			.query((rs, row) -> new Expired(rs.getObject("id", UUID.class), rs.getString("file_store"),
					rs.getString("file_key")))
			.list();
		for (Expired report : expired) {
			// The object goes first: should the transaction fail after, the next run
			// deletes it again (a delete of nothing is no error), and the row is never
			// marked deleted while its object is still there.
			if (report.key() != null) {
				store(report.store()).delete(report.key());
			}
			this.jdbc.sql("DELETE FROM report_files WHERE report_id = :id").param("id", report.id()).update();
			this.jdbc.sql("UPDATE reports SET file_deleted_at = now(), updated_at = now() WHERE id = :id")
				.param("id", report.id())
				.update();
		}
		return expired.size();
	}

	/**
	 * Deletes the files of uploads started longer ago than
	 * {@code offload.api.retention.orphan-upload-age} that no report records: their
	 * worker died before recording them, or their report was cancelled or taken over and
	 * the worker could not delete them itself.
	 * @return how many were deleted
	 */
	public int deleteOrphanUploads() {
		int total = 0;
		try {
			int deleted;
			do {
				deleted = this.transactions.execute((status) -> deleteOrphanBatch());
				total += deleted;
			}
			while (deleted == this.batchSize);
		}
		catch (RuntimeException ex) {
			logger.warn("Could not delete orphan report files (will try again): {}", ex.getMessage());
		}
		if (total > 0) {
			logger.info("Deleted {} report files that no report recorded", total);
		}
		return total;
	}

	private int deleteOrphanBatch() {
		List<Upload> orphans = this.jdbc.sql("""
				SELECT u.store, u.key FROM file_uploads u
				 WHERE u.created_at < now() - :ageMillis * interval '1 millisecond'
				   AND NOT EXISTS (SELECT 1 FROM reports r
				                    WHERE r.id = u.report_id AND r.file_store = u.store AND r.file_key = u.key)
				 ORDER BY u.created_at
				 LIMIT :batch
				   FOR UPDATE SKIP LOCKED
				""")
			.param("ageMillis", this.orphanUploadAge.toMillis())
			.param("batch", this.batchSize)
			.query((rs, row) -> new Upload(rs.getString("store"), rs.getString("key")))
			.list();
		for (Upload orphan : orphans) {
			store(orphan.store()).delete(orphan.key());
			this.jdbc.sql("DELETE FROM file_uploads WHERE store = :store AND key = :key")
				.param("store", orphan.store())
				.param("key", orphan.key())
				.update();
		}
		return orphans.size();
	}

	private FileStore store(String name) {
		return this.files.named(name)
			.orElseThrow(() -> new IllegalStateException("A report file is in store '" + name
					+ "', which this API is not configured for (offload.files.*): it cannot be deleted"));
	}

	private record Upload(String store, String key) {

	}

	private record Expired(UUID id, String store, String key) {

	}

}
