package dev.offload.worker.render;

import java.io.OutputStream;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

import dev.offload.model.ReportFormat;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * One writer per format. Adding a format is one more writer here. Public so tools outside
 * the worker's context (the benchmarks' synchronous baseline) render with the same
 * writers.
 * <p>
 * {@code offload.worker.xlsx-temp-files} ({@link XlsxTempFiles}, default
 * {@code deflated}) says how XLSX documents keep their rows on disk while they are
 * written: deflated as written, on a second thread, and copied into the workbook as they
 * are; or POI's ways, {@code plain} or {@code gzip}, compressed into the workbook after
 * the last row.
 */
@Component
public class FormatWriters implements DocumentWriters {

	static final String XLSX_TEMP_FILES = "offload.worker.xlsx-temp-files";

	private final XlsxTempFiles xlsxTempFiles;

	/** Writers whose XLSX documents keep their rows as they are by default. */
	public FormatWriters() {
		this(XlsxTempFiles.DEFLATED);
	}

	/**
	 * Writers.
	 * @param xlsxTempFiles how XLSX documents keep their rows on disk while written
	 */
	public FormatWriters(XlsxTempFiles xlsxTempFiles) {
		this.xlsxTempFiles = Objects.requireNonNull(xlsxTempFiles, "xlsxTempFiles");
	}

	/**
	 * The worker's writers, as configured.
	 * @param xlsxTempFiles {@code deflated}, {@code plain} or {@code gzip}, in any case
	 * @throws IllegalArgumentException naming the setting if it is none of them
	 */
	@Autowired
	FormatWriters(@Value("${" + XLSX_TEMP_FILES + ":deflated}") String xlsxTempFiles) {
		this(XlsxTempFiles.valueOf(check(xlsxTempFiles)));
	}

	private static String check(String setting) {
		String name = setting.strip().toUpperCase(Locale.ROOT);
		if (Arrays.stream(XlsxTempFiles.values()).noneMatch((kind) -> kind.name().equals(name))) {
			throw new IllegalArgumentException(
					XLSX_TEMP_FILES + " must be deflated, plain or gzip, not '" + setting + "'");
		}
		return name;
	}

	@Override
	public Set<ReportFormat> formats() {
		return EnumSet.of(ReportFormat.CSV, ReportFormat.XLSX, ReportFormat.PDF);
	}

	@Override
	public DocumentWriter open(ReportFormat format, OutputStream out) {
		return switch (format) {
			case CSV -> new CsvDocumentWriter(out);
			case XLSX -> new XlsxDocumentWriter(out, XlsxDocumentWriter.EXCEL_MAX_ROWS, this.xlsxTempFiles);
			case PDF -> new PdfDocumentWriter(out);
		};
	}

}
