package dev.offload.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.zaxxer.hikari.HikariDataSource;
import tools.jackson.databind.JsonNode;

import dev.offload.model.Messages;
import dev.offload.testsupport.TestDatabase;
import org.flywaydb.core.Flyway;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The plans PostgreSQL chooses for the services' own SQL ({@code EXPLAIN (FORMAT JSON)}),
 * for tests that check a hot query reads the index it was built for, however large the
 * table.
 */
public final class QueryPlans {

	private QueryPlans() {
	}

	/**
	 * A pool of two connections on a test database with the migrations applied.
	 * @param database the database
	 * @return the pool; close it before the database
	 */
	public static HikariDataSource migrated(TestDatabase database) {
		HikariDataSource dataSource = new HikariDataSource();
		dataSource.setJdbcUrl(database.jdbcUrl());
		dataSource.setUsername(database.username());
		dataSource.setPassword(database.password());
		dataSource.setMaximumPoolSize(2);
		Flyway.configure().dataSource(dataSource).load().migrate();
		return dataSource;
	}

	/**
	 * The plan of a statement, its parameters bound as the repository binds them.
	 * @param jdbc the database
	 * @param sql the statement
	 * @param params its named parameters
	 * @return the plan's top node
	 */
	public static JsonNode plan(JdbcClient jdbc, String sql, Map<String, ?> params) {
		String json = jdbc.sql("EXPLAIN (FORMAT JSON) " + sql).params(params).query(String.class).single();
		return Messages.json().readTree(json).at("/0/Plan");
	}

	/**
	 * The plan of a statement as it ran ({@code EXPLAIN (ANALYZE, FORMAT JSON)}), with
	 * its actual row counts. The statement runs: call this inside a transaction that is
	 * rolled back if it writes or locks.
	 * @param jdbc the database
	 * @param sql the statement
	 * @param params its named parameters
	 * @return the plan's top node
	 */
	public static JsonNode run(JdbcClient jdbc, String sql, Map<String, ?> params) {
		String json = jdbc.sql("EXPLAIN (ANALYZE, FORMAT JSON) " + sql).params(params).query(String.class).single();
		return Messages.json().readTree(json).at("/0/Plan");
	}

	/**
	 * How many rows of a table a plan that ran ({@link #run}) read: those its scans of
	 * the table returned and those they read and filtered out.
	 * @param plan the plan
	 * @param table the table
	 * @return the rows read
	 */
	public static long rowsRead(JsonNode plan, String table) {
		return nodes(plan).stream()
			.filter((node) -> node.has("Relation Name") && node.get("Relation Name").asString().equals(table))
			.mapToLong((node) -> node.get("Actual Rows").asLong() * Math.max(1, node.path("Actual Loops").asLong(1))
					+ node.path("Rows Removed by Filter").asLong(0)
					+ node.path("Rows Removed by Index Recheck").asLong(0))
			.sum();
	}

	/**
	 * A plan's nodes, the top one first.
	 * @param plan the plan
	 * @return every node of it
	 */
	public static List<JsonNode> nodes(JsonNode plan) {
		List<JsonNode> nodes = new ArrayList<>(List.of(plan));
		if (plan.has("Plans")) {
			plan.get("Plans").forEach((child) -> nodes.addAll(nodes(child)));
		}
		return nodes;
	}

	/**
	 * The node types of a plan.
	 * @param plan the plan
	 * @return each node's type, the top one first
	 */
	public static List<String> nodeTypes(JsonNode plan) {
		return nodes(plan).stream().map((node) -> node.get("Node Type").asString()).toList();
	}

	/**
	 * The indexes a plan reads.
	 * @param plan the plan
	 * @return their names
	 */
	public static List<String> indexNames(JsonNode plan) {
		return nodes(plan).stream()
			.filter((node) -> node.has("Index Name"))
			.map((node) -> node.get("Index Name").asString())
			.toList();
	}

}
