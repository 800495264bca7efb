package dev.offload.worker.generation;

import dev.offload.model.ReportFormat;

/**
 * Writes a {@link SalesSummary} in one file format.
 */
interface SalesSummaryWriter {

	/**
	 * The format this writer writes.
	 * @return the format
	 */
	ReportFormat format();

	/**
	 * Writes the summary.
	 * @param summary the summary
	 * @return the file's bytes
	 */
	byte[] write(SalesSummary summary);

}
