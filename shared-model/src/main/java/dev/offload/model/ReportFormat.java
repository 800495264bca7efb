package dev.offload.model;

/**
 * The file formats a report can be written in.
 */
public enum ReportFormat {

	/** Comma-separated values, RFC 4180, UTF-8. */
	CSV("text/csv", "csv"),

	/** An Excel workbook (Office Open XML). */
	XLSX("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),

	/** A PDF document. */
	PDF("application/pdf", "pdf");

	private final String contentType;

	private final String extension;

	ReportFormat(String contentType, String extension) {
		this.contentType = contentType;
		this.extension = extension;
	}

	/**
	 * The media type of a file in this format.
	 * @return the media type, for example {@code text/csv}
	 */
	public String contentType() {
		return this.contentType;
	}

	/**
	 * The file name extension for this format, without a dot.
	 * @return the extension
	 */
	public String extension() {
		return this.extension;
	}

}
