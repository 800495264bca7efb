package dev.offload.api.report;

/**
 * A finished report's file, as stored in {@code report_files}.
 *
 * @param fileName the name to offer the file under
 * @param contentType its media type
 * @param content its bytes
 */
record ReportFile(String fileName, String contentType, byte[] content) {

}
