package dev.offload.api.report;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

import dev.offload.api.ApiProperties;
import dev.offload.api.security.RateLimitsOnATestDatabase;
import dev.offload.api.security.SecurityConfiguration;
import dev.offload.model.Owner;
import dev.offload.model.ReportFormat;
import dev.offload.model.ReportPriority;
import dev.offload.model.ReportStatus;
import dev.offload.model.ReportTypeDescriptor;
import dev.offload.testsupport.CatalogueOffers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.assertj.MockMvcTester;
import org.springframework.test.web.servlet.assertj.MvcTestResult;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.ArgumentMatchers.isNull;
import static org.mockito.BDDMockito.given;
import static org.mockito.BDDMockito.then;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.httpBasic;

/**
 * The HTTP contract of {@link ReportController} and {@link ReportTypeController}:
 * validation, error shapes and who may see what, with the service mocked.
 */
@WebMvcTest(controllers = { ReportController.class, ReportTypeController.class })
@Import({ ReportRequestValidator.class, SecurityConfiguration.class, RateLimitsOnATestDatabase.class })
@EnableConfigurationProperties(ApiProperties.class)
class ReportControllerTests {

	private static final Owner ALICE = new Owner("alice", "alice@example.com");

	private static final Owner BOB = new Owner("bob", "bob@example.com");

	@Autowired
	private MockMvcTester mvc;

	@MockitoBean
	private ReportService reportService;

	// The slice has no database: the catalogue the workers would offer is given here.
	@MockitoBean
	private ReportCatalogue catalogue;

	// Only REFERENCE parameters query the data; the types of this slice have none.
	@MockitoBean
	private JdbcClient jdbc;

	@BeforeEach
	void offerTheStandardTypes() {
		Map<String, ReportTypeDescriptor> offered = new java.util.TreeMap<>(
				Map.of("SALES_SUMMARY", CatalogueOffers.SALES_SUMMARY, "NO_OP", CatalogueOffers.NO_OP));
		given(this.catalogue.offered()).willReturn(offered);
		given(this.catalogue.find(any())).willAnswer((call) -> Optional.ofNullable(offered.get(call.getArgument(0))));
		given(this.catalogue.partlyOffered(any())).willReturn(Optional.empty());
	}

	@Test
	void validRequestIsAcceptedForTheAuthenticatedOwnerNotTheBody() {
		Report queued = queuedReport(UUID.randomUUID());
		given(this.reportService.create(eq(ALICE), any(), isNull())).willReturn(queued);

		assertThat(this.mvc.post()
			.uri("/api/reports")
			.with(httpBasic("alice", "alice-secret"))
			.contentType(MediaType.APPLICATION_JSON)
			.content("""
					{"type": "sales_summary", "format": "csv",
					 "parameters": {"from": "2024-01-01", "to": "2024-12-31"},
					 "owner": {"userId": "bob", "email": "bob@example.com"}}""")).hasStatus(HttpStatus.ACCEPTED)
			.hasHeader(HttpHeaders.LOCATION, "/api/reports/" + queued.id())
			.bodyJson()
			.extractingPath("$.status")
			.isEqualTo("QUEUED");
		then(this.reportService).should()
			.create(ALICE, new ReportSpecification("SALES_SUMMARY", ReportFormat.CSV,
					Map.of("from", "2024-01-01", "to", "2024-12-31")), null);
	}

	static Stream<Arguments> invalidRequests() {
		return Stream.of(Arguments.of("unknown type", json("{'type': 'NOPE', 'format': 'CSV'}"), "type"),
				Arguments.of("missing type", json("{'format': 'CSV'}"), "type"),
				Arguments.of("unknown format", json("{'type': 'NO_OP', 'format': 'DOCX'}"), "format"),
				Arguments.of("missing format", json("{'type': 'NO_OP'}"), "format"),
				Arguments.of("missing required parameter",
						json("{'type': 'SALES_SUMMARY', 'format': 'CSV', 'parameters': {'to': '2024-12-31'}}"),
						"parameters.from"),
				Arguments.of("unparseable date", salesSummary("2024-13-01", "2024-12-31"), "parameters.from"),
				Arguments.of("from after to", salesSummary("2025-01-01", "2024-12-31"), "parameters.from"),
				Arguments.of("range over five years", salesSummary("2015-01-01", "2024-12-31"), "parameters.to"),
				Arguments.of("unknown parameter",
						json("{'type': 'NO_OP', 'format': 'CSV', 'parameters': {'region': 'north'}}"),
						"parameters.region"),
				Arguments.of("malformed JSON", json("{'type': 'NO_OP', 'format': "), "body"),
				Arguments.of("parameters not an object",
						json("{'type': 'NO_OP', 'format': 'CSV', 'parameters': 'all'}"), "parameters"),
				Arguments.of("parameter value not a string", json(
						"{'type': 'SALES_SUMMARY', 'format': 'CSV', 'parameters': {'from': {'year': 2024}, 'to': '2024-12-31'}}"),
						"parameters.from"),
				Arguments.of("type not a string", json("{'type': ['NO_OP'], 'format': 'CSV'}"), "type"));
	}

	/** JSON written with single quotes, to keep the cases readable. */
	private static String json(String singleQuoted) {
		return singleQuoted.replace('\'', '"');
	}

	private static String salesSummary(String from, String to) {
		return json("{'type': 'SALES_SUMMARY', 'format': 'CSV', 'parameters': {'from': '%s', 'to': '%s'}}"
			.formatted(from, to));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("invalidRequests")
	void invalidRequestIsA400ProblemNamingTheFieldAndReachesNothing(String description, String body, String field) {
		assertThat(this.mvc.post()
			.uri("/api/reports")
			.with(httpBasic("alice", "alice-secret"))
			.contentType(MediaType.APPLICATION_JSON)
			.content(body)).satisfies((result) -> {
				assertThat(result).hasStatus(HttpStatus.BAD_REQUEST)
					.hasContentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
				assertThat(result).bodyJson().extractingPath("$.errors[*].field").asArray().contains(field);
				assertThat(result).bodyJson().extractingPath("$.detail").asString().contains(field);
			});
		then(this.reportService).shouldHaveNoInteractions();
	}

	@Test
	void blankIdempotencyKeyIsA400ProblemNamingTheHeader() {
		assertThat(this.mvc.post()
			.uri("/api/reports")
			.with(httpBasic("alice", "alice-secret"))
			.header("Idempotency-Key", " ")
			.contentType(MediaType.APPLICATION_JSON)
			.content("""
					{"type": "NO_OP", "format": "CSV"}""")).hasStatus(HttpStatus.BAD_REQUEST)
			.bodyJson()
			.extractingPath("$.errors[0].field")
			.isEqualTo("Idempotency-Key");
		then(this.reportService).shouldHaveNoInteractions();
	}

	@Test
	void requestWithoutCredentialsIsA401Problem() {
		assertThat(this.mvc.post().uri("/api/reports").contentType(MediaType.APPLICATION_JSON).content("""
				{"type": "NO_OP", "format": "CSV"}""")).satisfies((result) -> {
			assertThat(result).hasStatus(HttpStatus.UNAUTHORIZED)
				.hasContentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
				.hasHeader(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"offload\"");
			assertThat(result).bodyJson().extractingPath("$.status").isEqualTo(401);
		});
		then(this.reportService).shouldHaveNoInteractions();
	}

	@Test
	void requestWithWrongPasswordIsA401Problem() {
		assertThat(this.mvc.get().uri("/api/reports").with(httpBasic("alice", "wrong")))
			.hasStatus(HttpStatus.UNAUTHORIZED)
			.hasContentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
	}

	@Test
	void scriptWithWrongPasswordGetsNoChallengeSoTheBrowserShowsNoPasswordDialog() {
		assertThat(this.mvc.get()
			.uri("/api/reports")
			.header("X-Requested-With", "XMLHttpRequest")
			.with(httpBasic("alice", "wrong"))).satisfies((result) -> {
				assertThat(result).hasStatus(HttpStatus.UNAUTHORIZED)
					.hasContentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
				assertThat(result).doesNotContainHeader(HttpHeaders.WWW_AUTHENTICATE);
			});
	}

	@Test
	void reportOfAnotherUserIsA404Problem() {
		UUID id = UUID.randomUUID();
		given(this.reportService.get(BOB, id)).willThrow(new ReportNotFoundException(id));

		assertThat(this.mvc.get().uri("/api/reports/{id}", id).with(httpBasic("bob", "bob-secret")))
			.hasStatus(HttpStatus.NOT_FOUND)
			.hasContentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
			.bodyJson()
			.extractingPath("$.title")
			.isEqualTo("Report not found");
	}

	@Test
	void reportIdThatIsNotAUuidIsA400ProblemNamingIt() {
		assertThat(this.mvc.get().uri("/api/reports/not-a-uuid").with(httpBasic("alice", "alice-secret")))
			.hasStatus(HttpStatus.BAD_REQUEST)
			.bodyJson()
			.extractingPath("$.errors[0].field")
			.isEqualTo("id");
	}

	@Test
	void fileOfAnUnfinishedReportIsA409Problem() {
		UUID id = UUID.randomUUID();
		given(this.reportService.file(ALICE, id)).willThrow(new ReportFileNotReadyException(id, ReportStatus.RUNNING));

		assertThat(this.mvc.get().uri("/api/reports/{id}/file", id).with(httpBasic("alice", "alice-secret")))
			.hasStatus(HttpStatus.CONFLICT)
			.hasContentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
			.bodyJson()
			.extractingPath("$.status")
			.isEqualTo("RUNNING");
	}

	@Test
	void pageSizeOverOneHundredIsA400ProblemNamingIt() {
		assertThat(this.mvc.get().uri("/api/reports?limit=101").with(httpBasic("alice", "alice-secret")))
			.hasStatus(HttpStatus.BAD_REQUEST)
			.bodyJson()
			.extractingPath("$.errors[0].field")
			.isEqualTo("limit");
		then(this.reportService).shouldHaveNoInteractions();
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "not-a-cursor", "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
			"AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA!",
			"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" })
	void malformedCursorIsA400ProblemNamingIt(String cursor) {
		MvcTestResult result = this.mvc.get()
			.uri("/api/reports")
			.param("cursor", cursor)
			.with(httpBasic("alice", "alice-secret"))
			.exchange();

		assertThat(result).hasStatus(HttpStatus.BAD_REQUEST)
			.hasContentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
			.bodyJson()
			.extractingPath("$.errors[0].field")
			.isEqualTo("cursor");
		assertThat(result).bodyJson()
			.extractingPath("$.detail")
			.asString()
			.startsWith("cursor: is not a cursor this API returned");
		then(this.reportService).shouldHaveNoInteractions();
	}

	@Test
	void cursorOfAPageIsReadBackAsThePositionItNames() {
		UUID id = UUID.randomUUID();
		Instant createdAt = Instant.parse("2026-03-31T23:59:59.123456Z");
		String cursor = new ReportCursor(createdAt, id).encode();
		given(this.reportService.list(eq(ALICE), eq(ReportStatus.FAILED), any(), eq(5)))
			.willReturn(ReportPage.of(List.of(), ReportStatus.FAILED, 5));

		assertThat(this.mvc.get()
			.uri("/api/reports?status=FAILED&limit=5&cursor={cursor}", cursor)
			.with(httpBasic("alice", "alice-secret"))).hasStatusOk()
			.bodyJson()
			.doesNotHavePath("$.nextCursor")
			.doesNotHavePath("$.links.next");
		then(this.reportService).should().list(ALICE, ReportStatus.FAILED, new ReportCursor(createdAt, id), 5);
		assertThat(cursor).matches("[A-Za-z0-9_-]{34}");
	}

	@Test
	void unknownStatusFilterIsA400ProblemNamingIt() {
		assertThat(this.mvc.get().uri("/api/reports?status=DONE").with(httpBasic("alice", "alice-secret")))
			.hasStatus(HttpStatus.BAD_REQUEST)
			.bodyJson()
			.extractingPath("$.errors[0].field")
			.isEqualTo("status");
	}

	@Test
	void catalogueIsPublic() {
		assertThat(this.mvc.get().uri("/api/report-types")).hasStatusOk()
			.bodyJson()
			.extractingPath("$[?(@.name == 'SALES_SUMMARY')].parameters[*].name")
			.asArray()
			.containsExactly("from", "to", "region");
	}

	private static Report queuedReport(UUID id) {
		return new Report(id, "alice", "SALES_SUMMARY", ReportFormat.CSV,
				Map.of("from", "2024-01-01", "to", "2024-12-31"), ReportStatus.QUEUED, 0, 0, null, null, Instant.now(),
				null, null, null, ReportPriority.INTERACTIVE, null);
	}

}
