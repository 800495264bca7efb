package dev.offload.worker.render;

/**
 * How an XLSX document keeps its rows on disk while it is written (POI's streaming
 * workbook keeps a window of rows in memory and the rest in a temporary file per sheet,
 * under {@code java.io.tmpdir}), until the workbook is written at the end.
 */
public enum XlsxTempFiles {

	/**
	 * The sheet XML deflated as it is written, on a thread of the document's own, and
	 * copied into the workbook as it is: about an eighth of {@link #PLAIN}'s disk, the
	 * compressing done while the rows are made (on a second core, where there is one)
	 * rather than after the last, and done once. The default.
	 */
	DEFLATED,

	/**
	 * The sheet XML as it is: a row of a dozen cells takes about 600 bytes of disk, a
	 * sheet of Excel's 1,048,576 rows about 600 MB; compressed into the workbook after
	 * the last row, on the building thread (measured on a year of order lines: a third
	 * less CPU than {@link #GZIP}).
	 */
	PLAIN,

	/**
	 * The sheet XML gzipped at the fastest level: about an eighth of the disk, at the
	 * cost of compressing every row and decompressing it again when the workbook is
	 * zipped.
	 */
	GZIP

}
