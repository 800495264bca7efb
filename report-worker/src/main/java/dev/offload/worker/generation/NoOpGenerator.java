package dev.offload.worker.generation;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

import dev.offload.model.ReportFormat;
import dev.offload.model.ReportTask;
import dev.offload.model.ReportType;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;

import org.springframework.stereotype.Component;

/**
 * Builds the {@link ReportType#NO_OP} report: one line, no data read. It measures the
 * dispatch path (claim, status updates, events, acknowledgement) without the cost of a
 * real report.
 */
@Component
class NoOpGenerator implements ReportGenerator {

	@Override
	public ReportType type() {
		return ReportType.NO_OP;
	}

	@Override
	public GeneratedReport generate(ReportTask task, ProgressListener progress) {
		String line = "No-op report " + task.reportId() + " requested at " + task.requestedAt();
		byte[] content = switch (task.format()) {
			case CSV -> (CsvReportWriter.row(line) + CsvReportWriter.LINE_END).getBytes(StandardCharsets.UTF_8);
			case PDF -> pdf(line);
		};
		ReportFormat format = task.format();
		return new GeneratedReport("no-op-" + task.reportId() + "." + format.extension(), format.contentType(),
				content);
	}

	private static byte[] pdf(String line) {
		try (PDDocument document = new PDDocument(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
			PDPage page = new PDPage(PDRectangle.A4);
			document.addPage(page);
			document.getDocumentInformation().setTitle("No-op report");
			try (PDPageContentStream content = new PDPageContentStream(document, page)) {
				content.beginText();
				content.setFont(new PDType1Font(Standard14Fonts.FontName.HELVETICA), 12);
				content.newLineAtOffset(50, page.getMediaBox().getHeight() - 60);
				content.showText(line);
				content.endText();
			}
			document.save(out);
			return out.toByteArray();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
