package dev.offload.worker.render;

import java.io.OutputStream;
import java.util.Set;

import dev.offload.model.ReportFormat;

/**
 * Opens a {@link DocumentWriter} for a format: one writer implementation per format.
 */
public interface DocumentWriters {

	/**
	 * The formats there is a writer for.
	 * @return the formats
	 */
	Set<ReportFormat> formats();

	/**
	 * Opens a writer that renders a document into a stream.
	 * @param format the format
	 * @param out where the file goes; the writer never closes it
	 * @return the writer
	 * @throws IllegalArgumentException if there is no writer for the format
	 */
	DocumentWriter open(ReportFormat format, OutputStream out);

}
