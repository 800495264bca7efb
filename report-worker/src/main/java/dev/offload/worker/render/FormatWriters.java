package dev.offload.worker.render;

import java.io.OutputStream;
import java.util.EnumSet;
import java.util.Set;

import dev.offload.model.ReportFormat;

import org.springframework.stereotype.Component;

/**
 * One writer per format. Adding a format is one more writer here. Public so tools outside
 * the worker's context (the benchmarks' synchronous baseline) render with the same
 * writers.
 */
@Component
public class FormatWriters implements DocumentWriters {

	@Override
	public Set<ReportFormat> formats() {
		return EnumSet.of(ReportFormat.CSV, ReportFormat.XLSX, ReportFormat.PDF);
	}

	@Override
	public DocumentWriter open(ReportFormat format, OutputStream out) {
		return switch (format) {
			case CSV -> new CsvDocumentWriter(out);
			case XLSX -> new XlsxDocumentWriter(out, XlsxDocumentWriter.EXCEL_MAX_ROWS);
			case PDF -> new PdfDocumentWriter(out);
		};
	}

}
