package dev.offload.worker.catalogue.testonly;

import java.util.List;

import dev.offload.model.ReportFormat;
import dev.offload.model.ReportParameter;
import dev.offload.model.ReportTypeDescriptor;
import dev.offload.worker.catalogue.ReportDefinition;
import dev.offload.worker.catalogue.ReportParameters;
import dev.offload.worker.catalogue.ReportProgress;
import dev.offload.worker.render.DocumentWriter;

import org.springframework.stereotype.Component;

/**
 * {@code PAUSE}, a report type of the tests that takes as long to build as its
 * {@code millis} parameter says, reporting its progress as it goes (unless
 * {@code progress} is {@code silent}: then it tells nothing until it is done, as a report
 * waiting on one long query does), and writes one line: a type that is quick for some
 * reports and slow for others.
 */
@Component
public class PauseReport implements ReportDefinition {

	/** The type's name. */
	public static final String NAME = "PAUSE";

	private static final ReportTypeDescriptor DESCRIPTOR = new ReportTypeDescriptor(NAME, 1, "Pause",
			"Takes the given time to build (a report type of the tests).",
			List.of(ReportParameter.integer("millis", "How long to take", 0, 60_000),
					ReportParameter.choice("progress", "Whether to report progress", List.of("reported", "silent"))
						.optional("reported")),
			List.of(ReportFormat.CSV), true);

	@Override
	public ReportTypeDescriptor descriptor() {
		return DESCRIPTOR;
	}

	@Override
	public String fileName(ReportParameters parameters) {
		return "pause";
	}

	@Override
	public void build(ReportParameters parameters, ReportProgress progress, DocumentWriter document) {
		long millis = parameters.integer("millis");
		boolean silent = parameters.text("progress").equals("silent");
		long started = System.nanoTime();
		long elapsed;
		// Reports its progress every 50 ms, as a report reading rows does.
		while ((elapsed = (System.nanoTime() - started) / 1_000_000) < millis) {
			if (!silent) {
				progress.progress((int) (elapsed * 100 / millis));
			}
			try {
				Thread.sleep(Math.min(50, millis - elapsed));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException("Interrupted", ex);
			}
		}
		document.paragraph("Paused for " + millis + " ms");
	}

}
