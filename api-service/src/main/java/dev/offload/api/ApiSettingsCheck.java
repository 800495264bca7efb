package dev.offload.api;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import dev.offload.model.config.RequiredSetting;
import dev.offload.model.config.RequiredSettingsCheck;

import org.springframework.core.env.PropertyResolver;

/**
 * The settings api-service does not start without (see {@link RequiredSettingsCheck}):
 * those both services need, and how callers sign in: at least one user in {@code local}
 * mode; the issuer and the audience in {@code jwt} mode.
 */
public class ApiSettingsCheck extends RequiredSettingsCheck {

	private static final Predicate<PropertyResolver> LOCAL_MODE = RequiredSetting
		.propertyIs("offload.api.security.mode", "local", true);

	private static final Predicate<PropertyResolver> JWT_MODE = RequiredSetting.propertyIs("offload.api.security.mode",
			"jwt", false);

	private static final String JWT = "spring.security.oauth2.resourceserver.jwt.";

	public ApiSettingsCheck() {
		super("api-service", apiSettings());
	}

	private static List<RequiredSetting> apiSettings() {
		List<RequiredSetting> settings = new ArrayList<>(common());
		settings.add(
				RequiredSetting
					.of("offload.api.security.users[0].username",
							"a user who may sign in (with _PASSWORD as {bcrypt}..., _EMAIL and _ROLES), "
									+ "or offload.api.security.mode=jwt")
					.when(LOCAL_MODE));
		settings.add(new RequiredSetting(List.of(JWT + "issuer-uri", JWT + "jwk-set-uri", JWT + "public-key-location"),
				"the issuer whose tokens are accepted", JWT_MODE));
		settings.add(new RequiredSetting(List.of(JWT + "audiences", JWT + "audiences[0]"),
				"the audience a token must name (this API's client or resource id)", JWT_MODE));
		return settings;
	}

}
