package dev.offload.api.report;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.UUID;

import jakarta.servlet.http.HttpServletResponse;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.tags.Tag;

import dev.offload.model.Owner;
import dev.offload.model.ReportStatus;

import org.springframework.core.io.Resource;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * The caller's reports: request one ({@code 202 Accepted}; it is built in the
 * background), follow its status, list them, download the file. The {@link Owner} is
 * always the authenticated caller, never something the request says.
 */
@RestController
@RequestMapping(ReportController.BASE_PATH)
@Tag(name = "Reports", description = "The caller's reports")
class ReportController {

	static final String BASE_PATH = "/api/reports";

	static final String IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";

	static final int MAX_PAGE_SIZE = 100;

	private final ReportRequestValidator validator;

	private final ReportService reportService;

	ReportController(ReportRequestValidator validator, ReportService reportService) {
		this.validator = validator;
		this.reportService = reportService;
	}

	/**
	 * Accepts a report request. A replay with the same {@code Idempotency-Key} answers
	 * the same way and creates nothing.
	 * @param request the request body
	 * @param idempotencyKey an optional key that makes retries of this request safe
	 * @param owner the caller
	 * @return 202 with the report's location and the report
	 */
	@Operation(summary = "Request a report (202; it is built in the background)")
	// produces: a client that cannot take JSON is refused before anything is stored, not
	// after (a 406 for an accepted report would invite a second request).
	@PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
	@ResponseStatus(HttpStatus.ACCEPTED)
	ReportView create(@RequestBody CreateReportRequest request,
			@RequestHeader(name = IDEMPOTENCY_KEY_HEADER, required = false) String idempotencyKey, Owner owner,
			HttpServletResponse response) {
		ReportSpecification specification = this.validator.validate(request);
		String key = this.validator.validateIdempotencyKey(idempotencyKey);
		Report report = this.reportService.create(owner, specification, key);
		// Not a ResponseEntity: Spring MVC flushes one once its body is written, which
		// sends the response chunked, in two writes. A body returned alone is sent whole
		// when the request ends, with its Content-Length.
		response.setHeader(HttpHeaders.LOCATION, location(report.id()).toString());
		return ReportView.of(report);
	}

	@Operation(summary = "A report's status, progress, timestamps and links")
	@GetMapping("/{id}")
	ReportView get(@PathVariable UUID id, Owner owner) {
		return ReportView.of(this.reportService.get(owner, id));
	}

	/**
	 * The caller's reports, newest first, a page at a time by keyset: each page ends with
	 * the cursor of the next, and nothing counts the caller's history.
	 * @param status only reports in this status
	 * @param limit the most reports on the page
	 * @param cursor the {@code nextCursor} of the previous page, absent for the first
	 * @param owner the caller
	 * @return the page
	 */
	@Operation(summary = "The caller's reports, newest first, a page at a time",
			description = "Keyset paging: follow links.next (or pass nextCursor as cursor) for the next page; "
					+ "there is none when they are absent. A page counts nothing, so there is no total.")
	@GetMapping
	ReportPage list(@RequestParam(required = false) ReportStatus status,
			@RequestParam(defaultValue = "20") @Min(1) @Max(MAX_PAGE_SIZE) int limit,
			@Parameter(description = "nextCursor of the previous page; absent for the newest reports") @RequestParam(
					required = false) String cursor,
			Owner owner) {
		ReportCursor after = (cursor != null) ? ReportCursor.parse(cursor) : null;
		return this.reportService.list(owner, status, after, limit);
	}

	/**
	 * Cancels a report that has not finished.
	 * @param id the report's id
	 * @param owner the caller
	 * @return the cancelled report
	 */
	@Operation(summary = "Cancel a report that has not finished")
	@DeleteMapping(path = "/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
	ReportView cancel(@PathVariable UUID id, Owner owner) {
		return ReportView.of(this.reportService.cancel(owner, id));
	}

	@Operation(summary = "Download a succeeded report's file")
	@GetMapping("/{id}/file")
	ResponseEntity<Resource> file(@PathVariable UUID id, Owner owner) {
		return download(this.reportService.file(owner, id));
	}

	/**
	 * The file behind a signed link from an email: no credentials needed while the
	 * signature matches and the link has not expired; otherwise 403.
	 * @param id the report's id
	 * @param expires the link's expiry, in seconds since the epoch
	 * @param signature the link's signature
	 * @return the file
	 */
	@GetMapping(path = "/{id}/file", params = "signature")
	ResponseEntity<Resource> signedFile(@PathVariable UUID id, @RequestParam(required = false) Long expires,
			@RequestParam String signature) {
		if (expires == null) {
			throw DownloadLinkRejectedException.invalid();
		}
		return download(this.reportService.signedFile(id, expires, signature));
	}

	/**
	 * Streams a file. Spring MVC answers a {@code Range} request from the resource with
	 * {@code 206} (or {@code 416}), and an {@code If-None-Match} with the file's ETag
	 * with {@code 304}; the SHA-256 is sent as {@code Repr-Digest} (RFC 9530) and
	 * {@code X-Checksum-SHA256}, so a client can check what it received.
	 */
	private static ResponseEntity<Resource> download(ReportFile file) {
		if (file.redirect() != null) {
			// The bytes go from the object storage to the client; the URL expires soon,
			// so it must not be cached.
			return ResponseEntity.status(HttpStatus.FOUND)
				.location(file.redirect())
				.header(HttpHeaders.CACHE_CONTROL, "no-store")
				.header("X-Checksum-SHA256", file.sha256())
				.build();
		}
		ContentDisposition disposition = ContentDisposition.attachment()
			.filename(safeFileName(file.fileName()), StandardCharsets.UTF_8)
			.build();
		byte[] digest = HexFormat.of().parseHex(file.sha256());
		return ResponseEntity.ok()
			.contentType(MediaType.parseMediaType(file.contentType()))
			.eTag("\"" + file.sha256() + "\"")
			.header(HttpHeaders.ACCEPT_RANGES, "bytes")
			.header("Repr-Digest", "sha-256=:" + Base64.getEncoder().encodeToString(digest) + ":")
			.header("X-Checksum-SHA256", file.sha256())
			.header(HttpHeaders.CONTENT_DISPOSITION, disposition.toString())
			.body(file.content());
	}

	/**
	 * The name a download is offered under, reduced to letters, digits, '.', '-' and '_'
	 * so that no path (a '/', '\\' or '..'), quote or control character reaches the
	 * client's file system or the header.
	 * @param fileName the stored name
	 * @return a safe name, {@code report} if nothing is left
	 */
	static String safeFileName(String fileName) {
		String safe = (fileName != null) ? fileName.replaceAll("[^A-Za-z0-9._-]", "_").replaceAll("\\.{2,}", ".") : "";
		safe = safe.replaceAll("^[._]+", "");
		if (safe.length() > 100) {
			safe = safe.substring(safe.length() - 100);
		}
		return safe.isEmpty() ? "report" : safe;
	}

	/**
	 * Where a report is found; relative, so it stays right behind a proxy.
	 * @param id the report's id
	 * @return the report's path
	 */
	static URI location(UUID id) {
		return URI.create(ReportLinks.self(id));
	}

}
