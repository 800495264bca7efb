package dev.offload.worker.catalogue.testonly;

import java.util.List;

import dev.offload.model.ReportFormat;
import dev.offload.model.ReportParameter;
import dev.offload.model.ReportTypeDescriptor;
import dev.offload.worker.catalogue.ReportDefinition;
import dev.offload.worker.catalogue.ReportParameters;
import dev.offload.worker.catalogue.ReportProgress;
import dev.offload.worker.render.Column;
import dev.offload.worker.render.DocumentWriter;
import dev.offload.worker.render.TableWriter;

import org.springframework.stereotype.Component;

/**
 * {@code GENERATED_FILE}, a report type of the tests and benchmarks that makes a file of
 * a requested size without reading any data: numbered lines of pseudo-random text, about
 * 100 bytes each, optionally written slowly, so a test can catch an upload in the middle
 * and a benchmark can make a file of a gigabyte in seconds.
 */
@Component
public class GeneratedFileReport implements ReportDefinition {

	/** The type's name. */
	public static final String NAME = "GENERATED_FILE";

	private static final int LINES_PER_MEGABYTE = 10_000;

	/**
	 * 4,096 lines of 88 pseudo-random characters, made once: the file costs no more than
	 * writing it.
	 */
	private static final String[] TEXTS = texts(4096, 88);

	private static final ReportTypeDescriptor DESCRIPTOR = new ReportTypeDescriptor(NAME, 1, "Generated file",
			"Numbered lines of pseudo-random text, about a megabyte per 10,000 lines (a report type of the tests).",
			List.of(ReportParameter.integer("megabytes", "About how many megabytes to write", 1, 4096),
					ReportParameter.integer("pauseMillis", "How long to pause after each megabyte", 0, 10_000)
						.optional("0")),
			List.of(ReportFormat.CSV), false);

	private static String[] texts(int count, int length) {
		char[] digits = "0123456789abcdefghijklmnopqrstuvwxyz".toCharArray();
		java.util.Random random = new java.util.Random(42);
		String[] texts = new String[count];
		char[] text = new char[length];
		for (int t = 0; t < count; t++) {
			for (int c = 0; c < length; c++) {
				text[c] = digits[random.nextInt(digits.length)];
			}
			texts[t] = new String(text);
		}
		return texts;
	}

	@Override
	public ReportTypeDescriptor descriptor() {
		return DESCRIPTOR;
	}

	@Override
	public String fileName(ReportParameters parameters) {
		return "generated-" + parameters.integer("megabytes") + "mb";
	}

	@Override
	public void build(ReportParameters parameters, ReportProgress progress, DocumentWriter document) {
		long megabytes = parameters.integer("megabytes");
		long pause = parameters.integer("pauseMillis");
		try (TableWriter table = document.table("Lines", List.of(Column.integer("Line"), Column.text("Text")))) {
			long line = 0;
			for (long megabyte = 0; megabyte < megabytes; megabyte++) {
				for (int i = 0; i < LINES_PER_MEGABYTE; i++) {
					line++;
					table.row(line, TEXTS[(int) ((line * 0x9E3779B1L) & (TEXTS.length - 1))]);
				}
				progress.progress((int) (100 * (megabyte + 1) / megabytes));
				if (pause > 0) {
					try {
						Thread.sleep(pause);
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
						throw new IllegalStateException("Interrupted", ex);
					}
				}
			}
		}
	}

}
