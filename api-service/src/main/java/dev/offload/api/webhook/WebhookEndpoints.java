package dev.offload.api.webhook;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The registered webhook endpoints ({@code webhook_endpoints}), always by owner. */
@Repository
class WebhookEndpoints {

	private static final String COLUMNS = "id, owner_id, url, events, secret, description, created_at";

	private final JdbcClient jdbc;

	WebhookEndpoints(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/**
	 * Holds the owner's endpoints still until the caller's transaction ends, so two
	 * registrations at once cannot both pass the per-user limit.
	 * @param ownerId the owner
	 */
	void lockOwner(String ownerId) {
		this.jdbc.sql("SELECT pg_advisory_xact_lock(hashtext('webhook_endpoints:' || :owner))")
			.param("owner", ownerId)
			.query((rs, row) -> 1)
			.single();
	}

	int countByOwner(String ownerId) {
		return this.jdbc.sql("SELECT count(*) FROM webhook_endpoints WHERE owner_id = :owner")
			.param("owner", ownerId)
			.query(Integer.class)
			.single();
	}

	void insert(WebhookEndpoint endpoint) {
		this.jdbc.sql("""
				INSERT INTO webhook_endpoints (id, owner_id, url, events, secret, description, created_at)
				VALUES (:id, :owner, :url, :events, :secret, :description, :createdAt)
				""")
			.param("id", endpoint.id())
			.param("owner", endpoint.ownerId())
			.param("url", endpoint.url())
			.param("events", endpoint.events().toArray(String[]::new))
			.param("secret", endpoint.secret())
			.param("description", endpoint.description())
			.param("createdAt", OffsetDateTime.ofInstant(endpoint.createdAt(), ZoneOffset.UTC))
			.update();
	}

	List<WebhookEndpoint> findByOwner(String ownerId) {
		return this.jdbc
			.sql("SELECT " + COLUMNS + " FROM webhook_endpoints WHERE owner_id = :owner ORDER BY created_at")
			.param("owner", ownerId)
			.query(WebhookEndpoints::endpoint)
			.list();
	}

	Optional<WebhookEndpoint> find(String ownerId, UUID id) {
		return this.jdbc.sql("SELECT " + COLUMNS + " FROM webhook_endpoints WHERE id = :id AND owner_id = :owner")
			.param("id", id)
			.param("owner", ownerId)
			.query(WebhookEndpoints::endpoint)
			.optional();
	}

	/**
	 * Deletes an endpoint with its deliveries.
	 * @param ownerId the owner
	 * @param id the endpoint
	 * @return whether the owner had it
	 */
	boolean delete(String ownerId, UUID id) {
		return this.jdbc.sql("DELETE FROM webhook_endpoints WHERE id = :id AND owner_id = :owner")
			.param("id", id)
			.param("owner", ownerId)
			.update() == 1;
	}

	private static WebhookEndpoint endpoint(ResultSet rs, int row) throws SQLException {
		String[] events = (String[]) rs.getArray("events").getArray();
		return new WebhookEndpoint(rs.getObject("id", UUID.class), rs.getString("owner_id"), rs.getString("url"),
				List.of(events), rs.getString("secret"), rs.getString("description"),
				rs.getObject("created_at", OffsetDateTime.class).toInstant());
	}

}
