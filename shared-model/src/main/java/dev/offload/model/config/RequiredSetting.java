package dev.offload.model.config;

import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

import org.springframework.core.env.PropertyResolver;
import org.springframework.util.StringUtils;

/**
 * A setting a deployment must supply: the committed configuration has a value for it only
 * under the {@code local} profile. It is present when any of its properties has a
 * non-blank value, and it applies only when {@code appliesWhen} holds (a JWT audience
 * only in JWT mode, say).
 *
 * @param anyOf the properties that each satisfy it (usually one)
 * @param purpose what the setting is, for the start-up error
 * @param appliesWhen whether the setting is needed with the rest of the configuration
 */
public record RequiredSetting(List<String> anyOf, String purpose, Predicate<PropertyResolver> appliesWhen) {

	public RequiredSetting {
		anyOf = List.copyOf(anyOf);
		if (anyOf.isEmpty()) {
			throw new IllegalArgumentException("A required setting needs at least one property");
		}
	}

	/**
	 * A setting that is always required.
	 * @param property the property
	 * @param purpose what it is
	 * @return the setting
	 */
	public static RequiredSetting of(String property, String purpose) {
		return new RequiredSetting(List.of(property), purpose, (environment) -> true);
	}

	/**
	 * The same setting, needed only when {@code condition} holds.
	 * @param condition when it is needed
	 * @return the conditional setting
	 */
	public RequiredSetting when(Predicate<PropertyResolver> condition) {
		return new RequiredSetting(this.anyOf, this.purpose, this.appliesWhen.and(condition));
	}

	/**
	 * Whether the environment leaves this setting out although it is needed.
	 * @param environment the configuration
	 * @return {@code true} if it is missing
	 */
	public boolean isMissingFrom(PropertyResolver environment) {
		return this.appliesWhen.test(environment)
				&& this.anyOf.stream().noneMatch((property) -> StringUtils.hasText(environment.getProperty(property)));
	}

	/**
	 * The setting as a deployment writes it: each property and its environment variable.
	 * @return for example {@code spring.rabbitmq.username (SPRING_RABBITMQ_USERNAME)}
	 */
	public String describe() {
		return String.join(" or ", this.anyOf.stream().map((p) -> p + " (" + environmentVariable(p) + ")").toList());
	}

	/**
	 * The environment variable that sets a property under relaxed binding, with a dash
	 * written as an underscore (which Spring Boot also accepts).
	 * @param property a property name in its canonical form
	 * @return for example {@code OFFLOAD_API_SECURITY_USERS_0_USERNAME} for
	 * {@code offload.api.security.users[0].username}
	 */
	public static String environmentVariable(String property) {
		return property.replace("[", ".").replace("]", "").replace('-', '.').replace('.', '_').toUpperCase(Locale.ROOT);
	}

	/**
	 * A condition on one property's value, ignoring case.
	 * @param property the property
	 * @param value the value it must have
	 * @param byDefault whether the condition holds when the property is not set
	 * @return the condition
	 */
	public static Predicate<PropertyResolver> propertyIs(String property, String value, boolean byDefault) {
		return (environment) -> {
			String actual = environment.getProperty(property);
			return (actual == null) ? byDefault : actual.trim().equalsIgnoreCase(value);
		};
	}

}
