package dev.offload.api.docs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.offload.model.Messages;
import dev.offload.testsupport.AfterTheContext;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.client.RestTestClient;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OpenAPI document is served to anyone, describes exactly the operations the
 * controllers map, and the README's API table lists the same operations.
 */
@DirtiesContext
// Nothing is requested here: keep the relay idle, so it is not mid-query when the
// database
// is dropped.
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = "offload.api.relay.interval=1h")
@AutoConfigureRestTestClient
class OpenApiDocumentTests {

	private static final TestDatabase database = TestDatabase.create();

	private static final TestBroker broker = TestBroker.create();

	private static final Set<String> HTTP_METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options",
			"trace");

	/** A README table row's first cell: {@code | `GET /api/reports?status=` ...}. */
	private static final Pattern README_OPERATION = Pattern.compile("^\\| `([A-Z]+) (/api/[^`?\\s]*)[^`]*`");

	@Autowired
	private RestTestClient client;

	@Autowired
	@Qualifier("requestMappingHandlerMapping")
	private RequestMappingHandlerMapping handlerMapping;

	@DynamicPropertySource
	static void infrastructure(DynamicPropertyRegistry registry) {
		database.springProperties().forEach((name, value) -> registry.add(name, () -> value));
		broker.springProperties().forEach((name, value) -> registry.add(name, () -> value));
	}

	@RegisterExtension
	static final AfterTheContext cleanUp = AfterTheContext.close(broker, database);

	@Test
	void documentIsServedWithoutCredentialsAndDescribesExactlyTheControllersOperations() {
		JsonNode document = apiDocument();

		assertThat(document.get("openapi").asString()).startsWith("3.");
		assertThat(operationsIn(document)).isNotEmpty().isEqualTo(controllerOperations());
	}

	@Test
	void everyOperationButTheCatalogueNeedsHttpBasicOrAnApiKey() {
		JsonNode document = apiDocument();

		assertThat(document.at("/components/securitySchemes/basicAuth/scheme").asString()).isEqualTo("basic");
		assertThat(document.at("/components/securitySchemes/apiKey/type").asString()).isEqualTo("apiKey");
		assertThat(document.at("/components/securitySchemes/apiKey/in").asString()).isEqualTo("header");
		assertThat(document.at("/components/securitySchemes/apiKey/name").asString()).isEqualTo("X-API-Key");
		// Two requirements, so either one will do.
		assertThat(document.at("/security/0").has("basicAuth")).isTrue();
		assertThat(document.at("/security/1").has("apiKey")).isTrue();
		assertThat(document.at("/paths/~1api~1report-types/get/security").isEmpty()).isTrue();
		assertThat(document.at("/paths/~1api~1reports/get/security").isMissingNode()).isTrue();
	}

	@Test
	void liveStatusStreamIsDescribedWithItsEvents() {
		JsonNode stream = apiDocument().at("/paths/~1api~1reports~1events/get/responses/200/content");

		assertThat(stream.has("text/event-stream")).isTrue();
		assertThat(stream.at("/text~1event-stream/schema/$ref").asString()).endsWith("/LiveReportEvent");
	}

	@Test
	void callerIsNotADocumentedParameter() {
		assertThat(apiDocument().at("/paths/~1api~1reports/get/parameters").findValuesAsString("name"))
			.containsExactlyInAnyOrder("status", "limit", "cursor");
	}

	@Test
	void swaggerUiIsServedWithoutCredentialsWhileTheApiStillNeedsThem() {
		this.client.get().uri("/swagger-ui/index.html").exchange().expectStatus().isOk();
		this.client.get().uri("/swagger-ui.html").exchange().expectStatus().is3xxRedirection();
		this.client.get().uri("/api/reports").exchange().expectStatus().isUnauthorized();
	}

	@Test
	void readmeApiTableListsTheDocumentedOperations() throws IOException {
		Set<String> inReadme = new TreeSet<>();
		boolean inApiSection = false;
		for (String line : Files.readAllLines(Path.of("..", "README.md"))) {
			if (line.startsWith("## ")) {
				inApiSection = line.equals("## API");
			}
			Matcher operation = README_OPERATION.matcher(line);
			if (inApiSection && operation.find()) {
				inReadme.add(operation.group(1) + " " + operation.group(2));
			}
		}

		assertThat(inReadme).isEqualTo(operationsIn(apiDocument()));
	}

	private JsonNode apiDocument() {
		byte[] body = this.client.get()
			.uri("/v3/api-docs")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.returnResult()
			.getResponseBodyContent();
		return Messages.json().readTree(body);
	}

	private static Set<String> operationsIn(JsonNode document) {
		Set<String> operations = new TreeSet<>();
		document.get("paths").properties().forEach((path) -> {
			for (String method : path.getValue().propertyNames()) {
				if (HTTP_METHODS.contains(method)) {
					operations.add(method.toUpperCase(Locale.ROOT) + " " + path.getKey());
				}
			}
		});
		return operations;
	}

	private Set<String> controllerOperations() {
		Set<String> operations = new TreeSet<>();
		for (RequestMappingInfo mapping : this.handlerMapping.getHandlerMethods().keySet()) {
			List<String> apiPaths = new ArrayList<>();
			for (String pattern : mapping.getPatternValues()) {
				if (pattern.startsWith("/api/")) {
					apiPaths.add(pattern);
				}
			}
			for (String path : apiPaths) {
				for (RequestMethod method : mapping.getMethodsCondition().getMethods()) {
					operations.add(method.name() + " " + path);
				}
			}
		}
		return operations;
	}

}
