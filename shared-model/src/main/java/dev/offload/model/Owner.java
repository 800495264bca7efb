package dev.offload.model;

import java.util.Objects;

/**
 * The user a report belongs to, as the API authenticated them.
 *
 * @param userId the user's stable id
 * @param email where notifications about the report go
 */
public record Owner(String userId, String email) {

	/** Checks that both fields are present. */
	public Owner {
		Objects.requireNonNull(userId, "userId");
		Objects.requireNonNull(email, "email");
	}

}
