package dev.offload.worker.render;

import java.io.ByteArrayOutputStream;

import dev.offload.model.ReportFormat;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code offload.worker.xlsx-temp-files}: deflated by default, plain or gzip on request,
 * anything else stops start-up naming the setting.
 */
class FormatWritersTests {

	private final ApplicationContextRunner contexts = new ApplicationContextRunner()
		.withUserConfiguration(FormatWriters.class);

	@Test
	void xlsxTempFilesAreDeflatedByDefault() {
		this.contexts.run((context) -> assertThat(tempFiles(context.getBean(FormatWriters.class)))
			.isEqualTo(XlsxTempFiles.DEFLATED));
		assertThat(tempFiles(new FormatWriters())).isEqualTo(XlsxTempFiles.DEFLATED);
	}

	@Test
	void xlsxTempFilesArePlainOnRequest() {
		this.contexts.withPropertyValues("offload.worker.xlsx-temp-files=plain")
			.run((context) -> assertThat(tempFiles(context.getBean(FormatWriters.class)))
				.isEqualTo(XlsxTempFiles.PLAIN));
	}

	@Test
	void xlsxTempFilesAreGzippedOnRequestInAnyCase() {
		this.contexts.withPropertyValues("offload.worker.xlsx-temp-files= GZip ")
			.run((context) -> assertThat(tempFiles(context.getBean(FormatWriters.class)))
				.isEqualTo(XlsxTempFiles.GZIP));
	}

	@Test
	void anythingElseStopsStartUpNamingTheSetting() {
		this.contexts.withPropertyValues("offload.worker.xlsx-temp-files=zip")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessage("offload.worker.xlsx-temp-files must be deflated, plain or gzip, not 'zip'"));
	}

	/** What the writers' XLSX documents were given, seen in the workbook they write. */
	private static XlsxTempFiles tempFiles(FormatWriters writers) {
		XlsxDocumentWriter document = (XlsxDocumentWriter) writers.open(ReportFormat.XLSX, new ByteArrayOutputStream());
		try {
			return document.tempFiles();
		}
		finally {
			document.finish();
		}
	}

}
