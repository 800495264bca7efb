package dev.offload.api.report;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import dev.offload.api.error.InvalidField;
import dev.offload.api.error.InvalidRequestException;

/**
 * Where a page of {@code GET /api/reports} ends: the creation time and id of its last
 * report. The next page holds the reports after it in the list's order (newest first,
 * ties by id), so pages neither skip nor repeat a report when new ones are created
 * meanwhile, and reading page 1,000 costs what page 1 does.
 * <p>
 * Clients see it as an opaque token (base64url of a version byte, the time in
 * microseconds since the epoch, as PostgreSQL stores it, and the id). It names a
 * position, not a report: the owner and the status filter come from the request, never
 * from the cursor, so a tampered cursor can only move within the caller's own reports.
 *
 * @param createdAt the last report's creation time
 * @param id the last report's id
 */
record ReportCursor(Instant createdAt, UUID id) {

	private static final byte VERSION = 1;

	private static final int LENGTH = 1 + Long.BYTES + 2 * Long.BYTES;

	/** The length of an encoded cursor: base64url of {@link #LENGTH} bytes, unpadded. */
	private static final int ENCODED_LENGTH = (LENGTH * 4 + 2) / 3;

	/**
	 * The cursor after a report.
	 * @param report the last report of a page
	 * @return the cursor to the page after it
	 */
	static ReportCursor after(Report report) {
		return new ReportCursor(report.createdAt(), report.id());
	}

	/**
	 * Reads a cursor this API handed out.
	 * @param value the {@code cursor} parameter
	 * @return the cursor
	 * @throws InvalidRequestException if it is not one
	 */
	static ReportCursor parse(String value) {
		byte[] bytes = decode(value);
		ByteBuffer buffer = ByteBuffer.wrap(bytes);
		if (bytes.length != LENGTH || buffer.get() != VERSION) {
			throw malformed();
		}
		// Any long of microseconds is a valid Instant: nothing more to check.
		Instant createdAt = Instant.EPOCH.plus(buffer.getLong(), ChronoUnit.MICROS);
		return new ReportCursor(createdAt, new UUID(buffer.getLong(), buffer.getLong()));
	}

	private static byte[] decode(String value) {
		if (value.length() != ENCODED_LENGTH) {
			throw malformed();
		}
		try {
			return Base64.getUrlDecoder().decode(value);
		}
		catch (IllegalArgumentException ex) {
			throw malformed();
		}
	}

	private static InvalidRequestException malformed() {
		return new InvalidRequestException(List.of(new InvalidField("cursor",
				"is not a cursor this API returned; pass the 'nextCursor' of the previous page unchanged, "
						+ "or leave it out for the newest reports")));
	}

	/**
	 * The cursor as clients see it.
	 * @return the opaque token
	 */
	String encode() {
		ByteBuffer buffer = ByteBuffer.allocate(LENGTH)
			.put(VERSION)
			.putLong(ChronoUnit.MICROS.between(Instant.EPOCH, this.createdAt))
			.putLong(this.id.getMostSignificantBits())
			.putLong(this.id.getLeastSignificantBits());
		return Base64.getUrlEncoder().withoutPadding().encodeToString(buffer.array());
	}

}
