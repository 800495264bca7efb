package dev.offload.worker.catalogue.noop;

import java.util.List;

import dev.offload.model.ReportFormat;
import dev.offload.model.ReportTypeDescriptor;
import dev.offload.worker.catalogue.ReportDefinition;
import dev.offload.worker.catalogue.ReportParameters;
import dev.offload.worker.catalogue.ReportProgress;
import dev.offload.worker.render.DocumentWriter;

import org.springframework.stereotype.Component;

/**
 * {@code NO_OP}: reads nothing and writes one line, so benchmarks can measure the
 * pipeline itself (claim, status updates, events, storage, acknowledgement) without the
 * cost of a report. Hidden from the public catalogue, but it can be requested.
 */
@Component
class NoOpReport implements ReportDefinition {

	static final String NAME = "NO_OP";

	private static final ReportTypeDescriptor DESCRIPTOR = new ReportTypeDescriptor(NAME, 1, "No-op",
			"Reads nothing and writes a one-line file; for measuring the pipeline itself.", List.of(),
			List.of(ReportFormat.CSV, ReportFormat.XLSX, ReportFormat.PDF), true);

	@Override
	public ReportTypeDescriptor descriptor() {
		return DESCRIPTOR;
	}

	@Override
	public String fileName(ReportParameters parameters) {
		return "no-op";
	}

	@Override
	public void build(ReportParameters parameters, ReportProgress progress, DocumentWriter document) {
		document.paragraph("No-op report");
	}

}
