package dev.offload.api.report;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import tools.jackson.databind.JsonNode;

import dev.offload.api.QueryPlans;
import dev.offload.model.Messages;
import dev.offload.testsupport.AfterTheContext;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.client.RestTestClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /api/reports} against a real PostgreSQL: pages follow each other by cursor,
 * newest first, without skipping or repeating a report while new ones arrive, and the
 * query behind a page reads it off an index and counts nothing, however long the owner's
 * history.
 */
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "offload.api.relay.interval=1h", "offload.api.reconciliation.enabled=false" })
@AutoConfigureRestTestClient
class ReportListTests {

	private static final TestDatabase database = TestDatabase.create();

	private static final TestBroker broker = TestBroker.create();

	/** The list's order, as SQL: what every walk through the pages must reproduce. */
	private static final String NEWEST_FIRST = "ORDER BY created_at DESC, id DESC";

	@Autowired
	private RestTestClient client;

	@Autowired
	private JdbcClient jdbc;

	@Autowired
	private PlatformTransactionManager transactionManager;

	@DynamicPropertySource
	static void infrastructure(DynamicPropertyRegistry registry) {
		database.springProperties().forEach((name, value) -> registry.add(name, () -> value));
		broker.springProperties().forEach((name, value) -> registry.add(name, () -> value));
	}

	@RegisterExtension
	static final AfterTheContext cleanUp = AfterTheContext.close(broker, database);

	@Test
	void pagesFollowEachOtherByCursorWithoutSkippingOrRepeatingWhileReportsAreAdded() {
		// 25 reports of bob's, three of them created in the same microsecond: ties go by
		// id, and a cursor between them must neither skip nor repeat one.
		for (int minute = 0; minute < 22; minute++) {
			insert("bob", "SUCCEEDED", minute);
		}
		for (int tie = 0; tie < 3; tie++) {
			insert("bob", "FAILED", 30);
		}
		List<UUID> expected = idsOf("bob", null);

		List<UUID> seen = new ArrayList<>();
		JsonNode page = list("bob", "/api/reports?limit=10");
		seen.addAll(ids(page));
		// A report created after the first page: it is newer than every cursor, so the
		// pages that follow neither show it nor shift by one.
		insert("bob", "SUCCEEDED", -5);
		List<Integer> sizes = new ArrayList<>(List.of(ids(page).size()));
		while (page.at("/links/next").isString()) {
			assertThat(page.get("nextCursor").asString()).matches("[A-Za-z0-9_-]+");
			page = list("bob", page.at("/links/next").asString());
			seen.addAll(ids(page));
			sizes.add(ids(page).size());
		}

		assertThat(seen).isEqualTo(expected);
		// 25 reports in pages of 10: the last page has 5 and no link (one row more than a
		// page is read, so a full last page would say so too).
		assertThat(sizes).containsExactly(10, 10, 5);
		assertThat(page.has("nextCursor")).isFalse();
		assertThat(page.at("/links/next").isMissingNode()).isTrue();
		assertThat(page.has("totalItems")).isFalse();
	}

	@Test
	void statusFilterPagesOnlyReportsInThatStatusAndKeepsItInTheNextLink() {
		for (int minute = 0; minute < 7; minute++) {
			insert("alice", (minute % 2 == 0) ? "CANCELLED" : "SUCCEEDED", 100 + minute);
		}
		List<UUID> expected = idsOf("alice", "CANCELLED");

		JsonNode first = list("alice", "/api/reports?status=CANCELLED&limit=3");
		String next = first.at("/links/next").asString();
		assertThat(next).startsWith("/api/reports?status=CANCELLED&limit=3&cursor=");
		JsonNode second = list("alice", next);

		assertThat(ids(first)).isEqualTo(expected.subList(0, 3));
		assertThat(ids(second)).isEqualTo(expected.subList(3, 4));
		assertThat(second.at("/links/next").isMissingNode()).isTrue();
	}

	@Test
	void listQueryReadsOnePageOffItsIndexAndCountsNothing() {
		// One owner with half of 40,000 rows, the rest spread over 200 others: enough
		// that
		// without the index the planner scans the table and sorts (checked at the end).
		String heavy = "plan-" + UUID.randomUUID();
		this.jdbc.sql("""
				INSERT INTO reports (id, owner_id, owner_email, type, format, status, task_published_at, created_at,
				                     finished_at)
				SELECT gen_random_uuid(), CASE WHEN g % 2 = 0 THEN :heavy ELSE :heavy || '-other-' || (g % 200) END,
				       'plan@example.com', 'NO_OP', 'CSV', CASE WHEN g % 7 = 0 THEN 'FAILED' ELSE 'SUCCEEDED' END,
				       now(), now() - g * interval '1 minute', now() - g * interval '1 minute'
				  FROM generate_series(1, 40000) g""").param("heavy", heavy).update();
		this.jdbc.sql("ANALYZE reports").update();
		Map<String, Object> cursor = Map.of("createdAt", OffsetDateTime.now(ZoneOffset.UTC).minusDays(3), "id",
				UUID.randomUUID());

		for (boolean afterCursor : new boolean[] { false, true }) {
			JsonNode all = plan(Reports.pageQuery(false, afterCursor), heavy, null, afterCursor ? cursor : Map.of());
			JsonNode failed = plan(Reports.pageQuery(true, afterCursor), heavy, "FAILED",
					afterCursor ? cursor : Map.of());

			assertReadsOffIndex(all, "reports_owner_list");
			assertReadsOffIndex(failed, "reports_owner_status_list");
		}

		// The control: without its index, the same query scans and sorts, so the
		// assertions above can fail.
		new TransactionTemplate(this.transactionManager).executeWithoutResult((transaction) -> {
			this.jdbc.sql("DROP INDEX reports_owner_list").update();
			JsonNode withoutIndex = plan(Reports.pageQuery(false, true), heavy, null, cursor);
			assertThat(QueryPlans.nodeTypes(withoutIndex)).contains("Sort");
			assertThat(QueryPlans.indexNames(withoutIndex)).doesNotContain("reports_owner_list");
			transaction.setRollbackOnly();
		});
	}

	private void assertReadsOffIndex(JsonNode plan, String index) {
		assertThat(plan.get("Node Type").asString()).isEqualTo("Limit");
		JsonNode scan = plan.at("/Plans/0");
		assertThat(scan.get("Node Type").asString()).isIn("Index Scan", "Index Only Scan");
		assertThat(scan.get("Index Name").asString()).isEqualTo(index);
		assertThat(scan.get("Scan Direction").asString()).isEqualTo("Forward");
		assertThat(scan.get("Index Cond").asString()).contains("owner_id = ");
		assertThat(QueryPlans.nodeTypes(plan))
			.noneMatch((type) -> type.contains("Aggregate") || type.equals("Sort") || type.contains("Seq Scan"));
	}

	/**
	 * The plan PostgreSQL chooses for a page of the list: the repository's own SQL, with
	 * its parameters bound as the repository binds them.
	 */
	private JsonNode plan(String sql, String ownerId, String status, Map<String, Object> cursor) {
		Map<String, Object> params = new HashMap<>(cursor);
		params.put("ownerId", ownerId);
		params.put("limit", 21);
		if (status != null) {
			params.put("status", status);
		}
		return QueryPlans.plan(this.jdbc, sql, params);
	}

	/** A page, as one of the local users ({@code alice}, {@code bob}) sees it. */
	private JsonNode list(String user, String uri) {
		byte[] body = this.client.get()
			.uri(uri)
			.headers((headers) -> headers.setBasicAuth(user, user + "-secret"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.returnResult()
			.getResponseBodyContent();
		return Messages.json().readTree(body);
	}

	private static List<UUID> ids(JsonNode page) {
		List<UUID> ids = new ArrayList<>();
		page.get("items").forEach((item) -> ids.add(UUID.fromString(item.get("id").asString())));
		return ids;
	}

	private List<UUID> idsOf(String ownerId, String status) {
		return this.jdbc
			.sql("SELECT id FROM reports WHERE owner_id = :ownerId" + ((status != null) ? " AND status = :status" : "")
					+ " " + NEWEST_FIRST)
			.param("ownerId", ownerId)
			.param("status", (status != null) ? status : "")
			.query(UUID.class)
			.list();
	}

	/** A finished report created some minutes before a fixed point in the past. */
	private void insert(String ownerId, String status, int minutesBefore) {
		this.jdbc.sql("""
				INSERT INTO reports (id, owner_id, owner_email, type, format, status, task_published_at, created_at,
				                     finished_at)
				VALUES (:id, :ownerId, :ownerId || '@example.com', 'NO_OP', 'CSV', :status, now(),
				        TIMESTAMPTZ '2026-01-31 12:00:00.123456+00' - :minutes * interval '1 minute', now())""")
			.param("id", UUID.randomUUID())
			.param("ownerId", ownerId)
			.param("status", status)
			.param("minutes", minutesBefore)
			.update();
	}

}
