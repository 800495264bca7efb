package dev.offload.worker.catalogue.noop;

import java.util.Map;

import dev.offload.model.ReportFormat;
import dev.offload.worker.catalogue.RecordingDocument;
import dev.offload.worker.catalogue.ReportParameters;
import dev.offload.worker.catalogue.ReportParametersException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The no-op report: one line, no data, hidden from the public catalogue.
 */
class NoOpReportTests {

	private final NoOpReport report = new NoOpReport();

	@Test
	void writesOneParagraphAndNothingElse() {
		RecordingDocument document = RecordingDocument.build(this.report, Map.of());

		assertThat(document.sections()).containsExactly(new RecordingDocument.Paragraph("No-op report"));
		assertThat(document.title()).isNull();
		assertThat(document.finished()).isTrue();
	}

	@Test
	void isHiddenAndOffersEveryFormat() {
		assertThat(this.report.descriptor().name()).isEqualTo("NO_OP");
		assertThat(this.report.descriptor().version()).isEqualTo(1);
		assertThat(this.report.descriptor().hidden()).isTrue();
		assertThat(this.report.descriptor().parameters()).isEmpty();
		assertThat(this.report.descriptor().formats()).containsExactly(ReportFormat.CSV, ReportFormat.XLSX,
				ReportFormat.PDF);
		assertThat(this.report.fileName(ReportParameters.of(this.report.descriptor(), Map.of()))).isEqualTo("no-op");
	}

	@Test
	void takesNoParameters() {
		assertThatExceptionOfType(ReportParametersException.class)
			.isThrownBy(() -> RecordingDocument.build(this.report, Map.of("from", "2024-01-01")))
			.withMessageContaining("'from' is not a parameter of NO_OP");
	}

}
