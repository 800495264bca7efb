package dev.offload.model;

import java.util.Objects;

/**
 * The user a report belongs to, as the API authenticated them.
 *
 * @param userId the user's stable id: a local user's name, or {@code jwt:} and the
 * token's subject
 * @param email where notifications about the report go; {@code null} when the user has no
 * verified address, and then no email is sent
 */
public record Owner(String userId, String email) {

	/** Checks that the user id is present. */
	public Owner {
		Objects.requireNonNull(userId, "userId");
	}

}
